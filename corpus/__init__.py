"""The corpus: public Flask apps with their own test suites, and the runner that measures the tool.

`python -m corpus fetch` exports each app's pinned commit from local mirrors; `python -m corpus run`
runs each suite on Flask, migrates a fresh copy, runs the same suite on Quart and writes
`corpus/results.json` and `docs/corpus.md`. Layers: `manifest` and `outcomes` and `markdown` are
pure (unit-tested in tests/test_corpus_*.py); `snapshots` and `runner` do the I/O.
"""
