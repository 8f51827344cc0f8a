"""Tests of the simulated Kubernetes API server (app/sim core)."""
