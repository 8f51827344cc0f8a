"""Fixtures for the bare simulated API server (filled in with app/sim)."""
