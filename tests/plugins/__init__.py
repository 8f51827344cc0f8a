"""pytest plugins: fixtures for the simulated cluster, shared by every suite."""
