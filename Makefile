# One command to run the hub, one to run the tests. Both create .venv on first use, from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_COMPILE := .venv-lock/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --no-header

.PHONY: run test lint bench clean lock

# Every dependency at the version and hashes the lock names; then the hub itself, without resolving again.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Refresh both locks after changing dependencies in pyproject.toml (needs the package registry).
lock:
	test -x .venv-lock/bin/uv || ($(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install --quiet uv)
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -o requirements-dev.lock

# The GraphQL over HTTP audit (npm's graphql-http), at the versions and integrity hashes of its lock.
JS_STAMP := tests/js/node_modules/.installed
$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --silent
	touch $(JS_STAMP)

# Apollo's composition and gateway for the federation tests (tests/federation), at their lock's versions.
FED_STAMP := tests/federation/node_modules/.installed
$(FED_STAMP): tests/federation/package.json tests/federation/package-lock.json
	cd tests/federation && npm ci --no-audit --no-fund --silent
	touch $(FED_STAMP)

# GraphiQL's assets, served by the hub itself (no CDN). Without npm the hub still runs; its page says
# how to install them.
IDE := hub/web/graphiql
IDE_STAMP := $(IDE)/node_modules/.installed
$(IDE_STAMP): $(IDE)/package.json $(IDE)/package-lock.json
	@if command -v npm >/dev/null; then cd $(IDE) && npm ci --no-audit --no-fund --silent && touch node_modules/.installed; \
	else echo "make: npm not found, so GraphiQL's assets are not installed (the hub runs without them)" >&2; fi

# The TypeScript client example (graphql-codegen, tsc), run against a live hub by the tests.
TS_STAMP := docs/clients/typescript/node_modules/.installed
$(TS_STAMP): docs/clients/typescript/package.json docs/clients/typescript/package-lock.json
	cd docs/clients/typescript && npm ci --no-audit --no-fund --silent
	touch $(TS_STAMP)

# The JavaScript subscription example (graphql-ws over ws), run against a live hub by the tests.
JS_CLIENT_STAMP := docs/clients/javascript/node_modules/.installed
$(JS_CLIENT_STAMP): docs/clients/javascript/package.json docs/clients/javascript/package-lock.json
	cd docs/clients/javascript && npm ci --no-audit --no-fund --silent
	touch $(JS_CLIENT_STAMP)

run: $(STAMP) $(IDE_STAMP)
	$(BIN)/hub serve

test: $(STAMP) $(JS_STAMP) $(FED_STAMP) $(IDE_STAMP) $(TS_STAMP) $(JS_CLIENT_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) data tests/js/node_modules tests/federation/node_modules $(IDE)/node_modules docs/clients/typescript/node_modules
