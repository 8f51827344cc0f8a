"""Fixtures for the simulated cluster with the Knative/net-istio reconciler (filled in with app/sim)."""
