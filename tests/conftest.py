"""Shared fixtures live in tests/plugins so each layer's owner keeps its own."""

pytest_plugins = [
    "tests.plugins.sim",
    "tests.plugins.knative",
    "tests.plugins.browser",
    "tests.plugins.backends",
    "tests.plugins.dashboard",
]
