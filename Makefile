# One obvious command per task. `make test` and `make run` are the two a newcomer needs;
# `make check` (format, lint, types, layer contracts) is what CI runs before the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-inner check bench package clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,dev]"
	rm -f $(VENV)/.installed-*; touch $(STAMP)

run: $(STAMP)
	$(PY) -m threadline

# Runs the whole suite and prints line coverage per module; keyring tests get a private D-Bus
# with an unlocked gnome-keyring.
test: $(STAMP)
	sh tests/with_keyring.sh $(PY) -m pytest --cov=threadline --cov-report=term:skip-covered $(PYTEST_ARGS)

check: $(STAMP)
	$(VENV)/bin/ruff format --check desktop tests
	$(VENV)/bin/ruff check desktop tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Every benchmark runs and prints its figures beside their floors; the target fails at the end
# if any budget was missed.
BENCHMARKS := runner_overhead store ui_chat ui_startup
bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	status=0; for name in $(BENCHMARKS); do \
		echo "== $$name"; QT_QPA_PLATFORM=offscreen $(PY) tests/benchmarks/$$name.py || status=1; \
	done; exit $$status

package: $(STAMP)
	sh packaging/build.sh

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
