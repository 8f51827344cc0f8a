"""Shared fixtures live in tests/plugins so each layer's owner keeps its own."""

from hypothesis import HealthCheck, settings

pytest_plugins = [
    "tests.plugins.sim",
    "tests.plugins.knative",
    "tests.plugins.browser",
    "tests.plugins.backends",
    "tests.plugins.dashboard",
]

# Hypothesis fails an example that runs longer than 200 ms by default: a wall-clock limit is a timed
# assertion, and on a loaded two-core CI machine it fails correct code. Speed is measured in bench/.
settings.register_profile("splitboard", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("splitboard")
