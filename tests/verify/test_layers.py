"""verify's pure layers (statistics, results, analysis, reports) import no I/O: a report can be
recomputed (``verify --from-json``) without the load generator, the servers or asyncio."""

from __future__ import annotations

import json
import subprocess
import sys

PURE = [
    "flask2quart.verify.stats",
    "flask2quart.verify.loaddata",
    "flask2quart.verify.results",
    "flask2quart.verify.analysis",
    "flask2quart.verify.report",
]
IO = [
    "flask2quart.verify.loadgen",
    "flask2quart.verify.servers",
    "flask2quart.verify.processes",
    "flask2quart.verify.orchestrate",
    "httptools",
    "asyncio",
    "subprocess",
]


def test_the_pure_layers_import_no_io_module() -> None:
    probe = "\n".join(
        [
            "import json, sys",
            f"for name in {PURE!r}: __import__(name)",
            "print(json.dumps(sorted(sys.modules)))",
        ]
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert set(PURE) <= loaded
    assert loaded & set(IO) == set()
