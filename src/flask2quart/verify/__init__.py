"""``flask2quart verify``: the original and the converted app, side by side, under load.

Layered like pyperf — measure, data, analysis — one concept per module:

* measure (I/O): :mod:`.loadgen` (the load generator process), :mod:`.servers` (gunicorn /
  hypercorn / uvicorn), :mod:`.upstream` (mock upstream services), :mod:`.equivalence` (same
  answers?), :mod:`.processes` (process groups that always end), :mod:`.machine` (``/proc``),
  :mod:`.orchestrate` (the order of a run);
* data: :mod:`.scenario` (what to send), :mod:`.results` (a run as JSON);
* analysis (pure): :mod:`.stats` (bootstrap over rounds, Mann–Whitney), :mod:`.analysis`
  (figures and verdicts), :mod:`.report` (terminal, JSON, Markdown, HTML), :mod:`.locust`.

The command itself is :mod:`.cli`; docs/verify.md explains the method.
"""
