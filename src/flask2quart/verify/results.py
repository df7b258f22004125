"""The data layer: one verify run as plain records, saved to and loaded from JSON.

Everything the analysis and the reports need is here, raw: each round's HdrHistograms (encoded),
its CPU and schedule figures, the capacity probe's steps, both server command lines, the scenario
and the machine. ``flask2quart verify --from-json FILE`` recomputes every figure from this alone.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask2quart.verify.loaddata import LoadResult, decode_histogram
from flask2quart.verify.stats import Counts

FORMAT_VERSION = 1
SIDES = ("original", "converted")


@functools.lru_cache(maxsize=1024)
def histogram_counts(encoded: str) -> Counts:
    """An encoded HdrHistogram as sorted (value µs, count) pairs, one per occupied bucket.

    Each value is the highest value of its bucket, as HdrHistogram's own percentile iterators
    report it. The counts array is scanned directly: ~10× faster than the recorded-value
    iterator, and the analysis and every report decode the same histograms.
    """
    histogram = decode_histogram(encoded)
    if histogram.get_total_count() == 0:
        return ()
    occupied = [(index, count) for index, count in enumerate(histogram.counts) if count]
    return tuple(
        (int(histogram.get_highest_equivalent_value(histogram.get_value_from_index(i))), int(n))
        for i, n in occupied
    )


@dataclass
class ServerInfo:
    label: str
    kind: str
    command: list[str]
    budget: str
    workers: int
    threads: int | None
    cpus: list[int]


@dataclass
class ProbeStep:
    connections: int
    load: LoadResult


@dataclass
class Capacity:
    label: str
    steps: list[ProbeStep]
    knee_rate: float  # best throughput seen, req/s
    knee_connections: int
    stopped_because: str


@dataclass
class RoundRecord:
    label: str  # "original" or "converted"
    number: int  # 1-based, within its side
    position: int  # 1-based, in the order rounds ran
    server_start_seconds: float
    load: LoadResult


@dataclass
class RunRecord:
    settings: dict[str, Any]
    machine: dict[str, Any]
    scenario: dict[str, Any]
    servers: dict[str, ServerInfo]
    equivalence: dict[str, Any]
    capacity: dict[str, Capacity] = field(default_factory=dict)
    rounds: list[RoundRecord] = field(default_factory=list)
    upstreams: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    argv: list[str] = field(default_factory=list)
    version: int = FORMAT_VERSION

    def rounds_of(self, label: str) -> list[RoundRecord]:
        return [r for r in self.rounds if r.label == label]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported report format version {data.get('version')!r}")
        servers = {name: ServerInfo(**info) for name, info in data["servers"].items()}
        capacity = {
            name: Capacity(
                label=item["label"],
                steps=[
                    ProbeStep(step["connections"], LoadResult(**step["load"]))
                    for step in item["steps"]
                ],
                knee_rate=item["knee_rate"],
                knee_connections=item["knee_connections"],
                stopped_because=item["stopped_because"],
            )
            for name, item in data.get("capacity", {}).items()
        }
        rounds = [
            RoundRecord(
                label=item["label"],
                number=item["number"],
                position=item["position"],
                server_start_seconds=item["server_start_seconds"],
                load=LoadResult(**item["load"]),
            )
            for item in data.get("rounds", [])
        ]
        return cls(
            settings=data["settings"],
            machine=data["machine"],
            scenario=data["scenario"],
            servers=servers,
            equivalence=data["equivalence"],
            capacity=capacity,
            rounds=rounds,
            upstreams=data.get("upstreams", {}),
            created=data.get("created", ""),
            argv=data.get("argv", []),
            version=data["version"],
        )


def write_text_atomically(path: Path, text: str) -> None:
    """Temp file in the same folder, then ``os.replace``: never a half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp creates the file 0600; a report is an ordinary file (0666 less the umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_run(path: Path) -> RunRecord:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunRecord.from_dict(data)
    except OSError as error:
        raise ValueError(f"{path}: cannot read it ({error.strerror})") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a verify JSON report ({error})") from None
