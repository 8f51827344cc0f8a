"""Plain helpers shared by several suites: servers, waiting, object builders, forms (no fixtures here)."""
