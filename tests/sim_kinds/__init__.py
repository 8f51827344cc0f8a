"""Tests of the simulated API server's kinds: registry, discovery, OpenAPI and Tables."""
