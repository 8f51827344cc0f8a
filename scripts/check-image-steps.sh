#!/usr/bin/env bash
# Replay the Dockerfile's steps without a Docker engine: the build stage's RUN in a clean venv (every
# dependency downloaded, as in the image), the final stage's layout and ENV, the ENTRYPOINT against the
# simulated cluster, and the HEALTHCHECK. Takes a few minutes; the test suite runs a faster variant.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m tests.security.dockerfile "$work"
