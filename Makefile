# Two commands on a fresh machine (Python 3.11, pip, make, git):
#   make demo   run the app against in-process mock backends with the seed scenarios
#   make test   lint, type-check and run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck pytest bench bench-quick clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip >/dev/null
	@# uv installs the set several times faster than pip; pip is the fallback.
	@# constraints.txt pins the versions the tests (and snapshots) were made with.
	@($(PY) -m pip install -q uv && $(VENV)/bin/uv pip install -q --python $(PY) \
		-c constraints.txt -e '.[dev]') \
		|| $(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/advisor-tui demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Import boundaries ([tool.importlinter] in pyproject.toml), on a tree laid out
	@# as installed, like mypy's below.
	@rm -rf $(IMPORTS_DIR) && mkdir -p $(IMPORTS_DIR)
	@cp -r advisor_tui $(IMPORTS_DIR)/advisor_tui
	@for d in screens clients config; do cp -r $$d $(IMPORTS_DIR)/advisor_tui/$$d; done
	cd $(IMPORTS_DIR) && $(CURDIR)/$(VENV)/bin/lint-imports --no-cache \
		--config $(CURDIR)/pyproject.toml

# mypy cannot follow setuptools' editable import hook, so it checks a staged
# copy laid out as installed (screens/, clients/, config/ inside advisor_tui/).
TYPECHECK_DIR := build/typecheck
IMPORTS_DIR := build/imports
typecheck: $(STAMP)
	@rm -rf $(TYPECHECK_DIR) && mkdir -p $(TYPECHECK_DIR)
	@cp -r advisor_tui $(TYPECHECK_DIR)/advisor_tui
	@for d in screens clients config; do cp -r $$d $(TYPECHECK_DIR)/advisor_tui/$$d; done
	cd $(TYPECHECK_DIR) && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml \
		--cache-dir $(CURDIR)/.mypy_cache -p advisor_tui

# The decisions service's tests also run on PostgreSQL when ADVISOR_TUI_TEST_POSTGRES
# names a server (make test ADVISOR_TUI_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/test;
# .ci/run sets it and fails if postgres cannot be reached). Without it they are
# skipped, and pytest's summary says so and how to run them.
export ADVISOR_TUI_TEST_POSTGRES

pytest: $(STAMP)
	$(VENV)/bin/pytest -q

test: lint typecheck pytest

# Full benchmark runs: minutes, on a quiet machine. `make test` runs every
# benchmark in quick mode (tests/test_benchmarks.py runs `bench-quick`'s
# command), so a benchmark that breaks fails CI.
bench: $(STAMP)
	$(PY) benchmarks/run_all.py

bench-quick: $(STAMP)
	$(PY) benchmarks/run_all.py --quick

clean:
	rm -rf $(VENV) build dist *.egg-info
