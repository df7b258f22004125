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

.PHONY: demo test verify-demo clean corpus

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/flask2quart migrate sample_apps/fullapp --diff; test $$? -le 1

test: $(STAMP)
	$(BIN)/ruff check src tests tools benchmarks corpus
	$(BIN)/ruff format --check src tests tools benchmarks corpus
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

corpus: $(STAMP)
	$(BIN)/python -m corpus fetch $(CORPUS_ARGS)
	$(BIN)/python -m corpus run $(CORPUS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .flask2quart_cache
