"""What the load generator is given and gives back: plain data and HdrHistogram encoding.

Kept apart from :mod:`flask2quart.verify.loadgen` (asyncio, sockets, subprocesses, httptools) so
the pure layers (analysis, results, reports, ``verify --from-json``) never import the I/O stack.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour: nothing a timeout lets through is longer
SIGNIFICANT_FIGURES = 3


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)


def encode_histogram(histogram: HdrHistogram) -> str:
    return bytes(histogram.encode()).decode("ascii")


def decode_histogram(text: str) -> HdrHistogram:
    return HdrHistogram.decode(text.encode("ascii"))


@dataclass(frozen=True)
class LoadPlan:
    host: str
    port: int
    requests: list[bytes]  # complete raw HTTP/1.1 requests, sent in this order, cycling
    mode: Literal["closed", "open"]
    connections: int  # closed: concurrency; open: the most connections it may open
    warmup: float
    duration: float
    rate: float = 0.0  # open loop: requests per second
    arrival: Literal["constant", "poisson"] = "constant"
    timeout: float = 10.0
    seed: int = 0
    account_pid: int = 0  # process tree whose CPU counts as "ours" (others' load = the rest)
    server_pid: int = 0  # process tree of the server under test

    def to_json(self) -> str:
        data = asdict(self)
        data["requests"] = [base64.b64encode(raw).decode("ascii") for raw in self.requests]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> LoadPlan:
        data = json.loads(text)
        data["requests"] = [base64.b64decode(raw) for raw in data["requests"]]
        return cls(**data)


@dataclass
class LoadResult:
    mode: str
    connections: int
    offered_rate: float
    duration: float  # measured window, seconds
    sent: int  # requests recorded (sent or due in the window)
    completed: int  # of those, answered
    answered_in_window: int  # responses received during the window
    achieved_rate: float  # answered_in_window / duration
    latency: str  # HdrHistogram, µs: corrected (open: from intended send time)
    uncorrected: str  # HdrHistogram, µs: from the actual send
    schedule_lag: str  # HdrHistogram, µs: dispatch − intended time (open loop only)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    max_queue: int = 0  # most requests waiting for a free connection at once
    outstanding_at_end: int = 0  # requests due in the window and not answered when it ended
    connections_opened: int = 0
    generator_cpu: float = 0.0  # cores used by this process during the window
    server_cpu: float = 0.0  # cores used by the server's process tree during the window
    server_rss: int = 0  # bytes, at the end of the window
    ours_cpu: float = 0.0  # cores used by the whole verify process tree
    others_cpu: float = 0.0  # cores used by everything else on the machine
    steal: float = 0.0  # cores stolen by the hypervisor

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LoadResult:
        return cls(**json.loads(text))
