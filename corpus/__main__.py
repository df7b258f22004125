"""`python -m corpus fetch|run|report`: rebuild the corpus, measure the tool, write the doc."""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import markdown, runner, snapshots
from .manifest import App, ManifestError, load_manifest, select_apps

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "corpus" / "results.json"
DOC = REPO / "docs" / "corpus.md"
DEFAULT_CACHE = Path(os.environ.get("F2Q_CORPUS_CACHE", "~/.cache/flask2quart-corpus"))
DEFAULT_MIRROR = Path(os.environ.get("F2Q_CORPUS_MIRROR", "/work/.mirror"))
MAX_JOBS = 2  # the machine has 2 cores; suites are CPU-bound


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        apps = select_apps(load_manifest(), args.app)
        return int(args.handler(args, apps))
    except (ManifestError, snapshots.SnapshotError) as error:
        print(f"corpus: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m corpus", description=__doc__)
    commands = parser.add_subparsers(required=True)
    fetch = commands.add_parser("fetch", help="export each app's pinned commit from the mirrors")
    fetch.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    fetch.set_defaults(handler=fetch_command)
    run = commands.add_parser("run", help="baseline, migrate and re-run each app's suite")
    run.add_argument("--jobs", type=int, default=MAX_JOBS, help="apps measured at once")
    run.add_argument("--baseline-only", action="store_true", help="run only the Flask suites")
    run.add_argument("--fresh-venvs", action="store_true", help="reinstall even when unchanged")
    run.add_argument("--tool", type=Path, default=REPO / ".venv" / "bin" / "flask2quart")
    run.set_defaults(handler=run_command)
    report = commands.add_parser("report", help="rewrite docs/corpus.md from results.json")
    report.add_argument(
        "--recompute",
        action="store_true",
        help="first recompute each app's lost tests and causes from the suites' records in --cache",
    )
    report.set_defaults(handler=report_command)
    for sub in (fetch, run, report):
        sub.add_argument("--app", action="append", default=[], help="only this app (repeatable)")
        sub.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    return parser


def fetch_command(args: argparse.Namespace, apps: list[App]) -> int:
    cache = args.cache.expanduser()
    for app in apps:
        path = snapshots.export_snapshot(app, args.mirror, cache / "snapshots")
        print(f"{app.name}: {app.repository}@{app.commit[:10]} -> {path}")
    return 0


def _stop_on_signal(signum: int, _frame: object) -> None:
    """End every app's commands and exit at once: the apps finished so far are saved already;
    waiting for the worker threads would let them start their next command."""
    runner.stop_all_commands()
    print(f"stopped by signal {signum}; results of the finished apps are kept", file=sys.stderr)
    os._exit(128 + signum)


def run_command(args: argparse.Namespace, apps: list[App]) -> int:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop_on_signal)
    paths = runner.Paths(cache=args.cache.expanduser().resolve(), tool=args.tool.resolve())
    for app in apps:
        snapshots.snapshot_path(paths.snapshots, app)
    phases = {"baseline"} if args.baseline_only else {"baseline", "converted"}
    jobs = max(1, min(args.jobs, MAX_JOBS))
    results = _load_results()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {
            pool.submit(runner.measure_app, app, paths, phases, not args.fresh_venvs): app
            for app in apps
        }
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            results["apps"][result["name"]] = result
            print(_one_line(result), flush=True)
            _save_results(results)
    if not args.baseline_only:
        # a run of some apps adds to the results of the others, so every run is listed
        runs = [*results.get("meta", {}).get("runs", []), _run_meta(args, started)]
        results["meta"] = {**_machine_meta(), "runs": runs}
        _save_results(results)
        _write_doc(results)
    return 0


def report_command(args: argparse.Namespace, apps: list[App]) -> int:
    results = _load_results()
    if args.recompute:
        cache = args.cache.expanduser().resolve()
        for app in apps:
            if app.name in results["apps"]:
                runner.recompare(results["apps"][app.name], cache / "logs" / app.name)
        _save_results(results)
    _write_doc(results)
    return 0


def _one_line(result: dict[str, Any]) -> str:
    baseline = result.get("baseline", {})
    comparison = result.get("comparison", {})
    text = f"{result['name']}: baseline {baseline.get('passed', '?')} passed"
    text += f" (manifest says {result['baseline_expected']})"
    if comparison:
        text += (
            f"; on Quart {comparison['still_passing']}/{comparison['baseline_passing']}"
            f", {comparison['false_passes']} false passes"
        )
    return f"{text}; {result['status']}"


def _load_results() -> dict[str, Any]:
    if RESULTS.is_file():
        loaded: dict[str, Any] = json.loads(RESULTS.read_text())
        loaded.setdefault("apps", {})
        return loaded
    return {"meta": {}, "apps": {}}


def _save_results(results: dict[str, Any]) -> None:
    """Write the results of the apps still in the manifest (the in-memory results keep all)."""
    manifest_names = {app.name for app in load_manifest()}
    kept = {name: result for name, result in results["apps"].items() if name in manifest_names}
    text = json.dumps({**results, "apps": kept}, indent=1, sort_keys=True) + "\n"
    temporary = RESULTS.with_suffix(".json.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(RESULTS)  # a stop mid-write leaves the previous results whole


def _write_doc(results: dict[str, Any]) -> None:
    names = {app.name for app in load_manifest()}
    listed = [result for name, result in results["apps"].items() if name in names]
    DOC.write_text(markdown.render(listed, results.get("meta", {})))
    print(f"wrote {DOC.relative_to(REPO)} and {RESULTS.relative_to(REPO)}")


def _machine_meta() -> dict[str, Any]:
    return {
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"runner Python {platform.python_version()}, suites on Python 3.11",
        "stack": list(runner.QUART_STACK),
    }


def _run_meta(args: argparse.Namespace, started: str) -> dict[str, Any]:
    command = "python -m corpus run" + "".join(f" --app {name}" for name in args.app)
    return {"command": f"{command} --jobs {args.jobs}", "tool_commit": _git_head(), "date": started}


def _git_head() -> str:
    result = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
