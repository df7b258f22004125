"""How fast ``flask2quart migrate --check`` is, against the floor of any LibCST tool.

``python benchmarks/migrate_speed.py [--tree PATH ...] [--repeat 3] [--json out.json]``
``python benchmarks/migrate_speed.py --smoke`` (every measurement once, on a tiny generated tree;
the figures mean nothing, a test runs it)

For each tree (by default a generated Flask code base of ~100k lines in ~1,000 files, made with
``generate_codebase.py``), in one run, each measurement repeated and the median kept:

* **floor**: a bare LibCST ``parse_module`` + ``.bytes`` round trip, in one process, of every
  file, and of the *relevant* files only (those the pre-filter sends to LibCST);
* ``migrate --check --no-cache -j 1`` and ``-j 2`` (cold: every relevant file parsed);
* ``migrate --check`` with a cache: a cold run, then a rerun on the unchanged tree.

CPU seconds (user+sys of the child processes) are the steadier measure on a shared machine;
wall seconds are printed too. Ratios compare medians measured side by side in this run. A
command that fails (``migrate`` exit code above 1, a floor that does not round-trip) ends the run:
its time would be meaningless.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
FLASK2QUART = Path(sys.executable).parent / "flask2quart"
# migrate --check exits 1 when files would change, which is what a Flask tree is for.
CHECK_OK = (0, 1)

FLOOR = """
import sys, libcst
from pathlib import Path
for line in sys.stdin:
    data = Path(line.strip()).read_bytes()
    try:
        assert libcst.parse_module(data).bytes == data
    except libcst.ParserSyntaxError:
        pass
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], stdin: str = "", ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child and its descendants); exit if it failed."""
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, input=stdin, text=True, capture_output=True, check=False)
    elapsed = time.perf_counter() - start, _children_cpu() - before
    if done.returncode not in ok:
        shown = " ".join("<script>" if "\n" in part else part for part in command)
        tail = " | ".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"{shown} exited {done.returncode}: {tail}")
    return elapsed


def median_of(
    repeat: int, command: list[str], stdin: str = "", ok: tuple[int, ...] = (0,)
) -> dict[str, float]:
    runs = [measure(command, stdin, ok) for _ in range(repeat)]
    return {
        "wall": statistics.median(r[0] for r in runs),
        "cpu": statistics.median(r[1] for r in runs),
    }


def relevant_files(tree: Path) -> list[Path]:
    from flask2quart._discovery import discover
    from flask2quart._prefilter import is_relevant, relevance_pattern

    pattern = relevance_pattern()
    sources, _ = discover([tree])
    return [s.path for s in sources if is_relevant(s.path.read_bytes(), s.module, pattern)]


def bench_tree(tree: Path, repeat: int) -> dict[str, object]:
    files = sorted(tree.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    relevant = relevant_files(tree)
    relevant_lines = sum(p.read_bytes().count(b"\n") for p in relevant)
    python = [sys.executable, "-c", FLOOR]
    results: dict[str, dict[str, float]] = {
        "floor (all files)": median_of(repeat, python, "\n".join(map(str, files))),
        "floor (relevant files)": median_of(repeat, python, "\n".join(map(str, relevant))),
    }
    check = [str(FLASK2QUART), "migrate", str(tree), "--check"]
    results["migrate -j1 cold"] = median_of(repeat, [*check, "--no-cache", "-j", "1"], ok=CHECK_OK)
    results["migrate -j2 cold"] = median_of(repeat, [*check, "--no-cache", "-j", "2"], ok=CHECK_OK)
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            cached = [*check, "--cache-dir", cache, "-j", "2"]
            cold.append(measure(cached, ok=CHECK_OK))
            warm.append(measure(cached, ok=CHECK_OK))
    results["migrate cache cold"] = {
        "wall": statistics.median(r[0] for r in cold),
        "cpu": statistics.median(r[1] for r in cold),
    }
    results["migrate cached rerun"] = {
        "wall": statistics.median(r[0] for r in warm),
        "cpu": statistics.median(r[1] for r in warm),
    }
    return {
        "tree": str(tree),
        "files": len(files),
        "lines": lines,
        "relevant_files": len(relevant),
        "relevant_lines": relevant_lines,
        "results": results,
    }


def report(data: dict[str, object]) -> str:
    results = data["results"]
    assert isinstance(results, dict)
    floor = results["floor (relevant files)"]["cpu"]
    out = [
        f"### {data['tree']}",
        "",
        f"{data['files']} files, {data['lines']} lines; {data['relevant_files']} relevant files "
        f"({data['relevant_lines']} lines) reach LibCST.",
        "",
        "| measurement | wall s | CPU s | files/s (wall) | lines/s (wall) "
        "| CPU vs floor (relevant) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, value in results.items():
        wall, cpu = value["wall"], value["cpu"]
        files_per_s = data["files"] / wall if wall else 0
        lines_per_s = data["lines"] / wall if wall else 0
        out.append(
            f"| {name} | {wall:.2f} | {cpu:.2f} | {files_per_s:,.0f} | {lines_per_s:,.0f} | "
            f"{cpu / floor:.2f}x |"
        )
    return "\n".join(out)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, action="append", default=[])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000, help="size of the generated tree")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", type=Path)
    output.add_argument(
        "--smoke",
        action="store_true",
        help="every measurement once on a tiny generated tree; the figures mean nothing",
    )
    args = parser.parse_args()
    if args.smoke:
        args.repeat, args.files = 1, 10
    return args


def generated_tree(scratch: Path, files: int) -> Path:
    tree = scratch / "generated"
    command = [sys.executable, str(HERE / "generate_codebase.py"), str(tree), "--files", str(files)]
    subprocess.run(command, check=True)
    return tree


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="f2q-speed-") as scratch:
        trees = list(args.tree) or [generated_tree(Path(scratch), args.files)]
        data = {
            "machine": f"{platform.platform()}, {platform.python_version()}",
            "trees": [bench_tree(tree, args.repeat) for tree in trees],
        }
    print(f"Machine: {data['machine']}\n")
    for tree in data["trees"]:
        print(report(tree))  # type: ignore[arg-type]
        print()
    raw = json.dumps(data, indent=2)  # built in a smoke run too, so it cannot rot
    if args.json:
        args.json.write_text(raw)


if __name__ == "__main__":
    main()
