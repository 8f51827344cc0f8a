# Splitboard: every target does its own set-up, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := static/vendor/htmx.min.js static/vendor/sse.min.js static/vendor/swagger-ui-bundle.js static/vendor/swagger-ui.css

.PHONY: demo demo-reset test lint typecheck contracts unit setup realcluster bench load clean

setup: $(STAMP) $(VENDOR)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/htmx-ext-sse/dist/sse.min.js static/vendor/sse.min.js
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css static/vendor/

# The demo keeps its simulated cluster (and the history key) in .demo/, so a restarted `make demo` carries
# on where it stopped, a running rollout plan included; `make demo-reset` starts from the lab again.
demo: setup
	$(BIN)/splitboard demo --host 127.0.0.1 --port 8000 --state-file .demo/state.json

demo-reset:
	rm -rf .demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

contracts: setup
	$(BIN)/lint-imports

# The real control plane of the both-backend tests (tests/realcluster): built once into a cache outside
# the checkout, keyed by its go.sum; a cold build compiles Kubernetes and takes a while.
realcluster:
	scripts/build-realcluster >/dev/null

unit: setup realcluster
	$(BIN)/pytest -q

test: lint typecheck contracts unit

bench: setup
	$(BIN)/python -m bench

load: setup
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) node_modules static/vendor .mypy_cache .pytest_cache .ruff_cache
