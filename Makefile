# Two commands do everything on a fresh machine (each installs what it needs on first use):
#   make demo   migrate a sample app and print the reviewable diff (writes nothing)
#   make test   lint, type-check and run the test suite
#   make corpus export the public apps of corpus/manifest.toml from the mirrors, run each suite on
#               Flask and, migrated, on Quart; writes corpus/results.json and docs/corpus.md (long:
#               not part of `make test`; CORPUS_ARGS="--app NAME" narrows it)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Quart 0.23 needs Python 3.13, so the converted sample suites also run in a 3.13 venv when one
# is found: python3.13 on PATH, else pyenv's. Each candidate must run (a pyenv shim for a version
# not selected exits 127). `PYTHON313= make test` leaves those runs out.
PYENV_ROOT ?= $(HOME)/.pyenv
ifeq ($(origin PYTHON313),undefined)
PYTHON313 := $(shell for p in $$(command -v python3.13) $(PYENV_ROOT)/versions/3.13*/bin/python3.13; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13); print(sys.executable)' 2>/dev/null && break; \
	done)
endif
VENV313  := .venv-py313
STAMP313 := $(if $(PYTHON313),$(VENV313)/.installed)

.PHONY: demo test verify-demo clean corpus

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Only what the converted suites import (the quart-suites extra), not the whole dev toolchain.
$(VENV313)/.installed: pyproject.toml
	test -x $(VENV313)/bin/python || $(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet -e ".[quart-suites]"
	touch $@

demo: $(STAMP)
	$(BIN)/flask2quart migrate sample_apps/fullapp --diff; test $$? -le 1

# The tests read the 3.13 interpreter from FLASK2QUART_PY313; unset, its cases are skipped.
ifneq ($(PYTHON313),)
test: export FLASK2QUART_PY313 := $(abspath $(VENV313)/bin/python)
endif
test: $(STAMP) $(STAMP313)
	@$(if $(PYTHON313),,echo "No Python 3.13 found (python3.13 on PATH or $(PYENV_ROOT)/versions/3.13*): the converted sample suites run on this venv's Quart only, not on Quart 0.23.")
	$(BIN)/ruff check src tests tools benchmarks corpus
	$(BIN)/ruff format --check src tests tools benchmarks corpus
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

corpus: $(STAMP)
	$(BIN)/python -m corpus fetch $(CORPUS_ARGS)
	$(BIN)/python -m corpus run $(CORPUS_ARGS)

clean:
	rm -rf $(VENV) $(VENV313) .pytest_cache .mypy_cache .ruff_cache .flask2quart_cache
