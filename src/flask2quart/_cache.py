"""The on-disk cache: per-file analysis facts by content hash, and whole-run results.

* ``facts/<key>.json``: a file's :class:`FileFacts` (or its parse error), keyed by the file's
  content, module name, the tool's version and what the enabled rules record. A file that did
  not change is never parsed again for the analysis.
* ``results/<run key>.pickle``: every file's conversion result for one exact input (every
  analysed file's key, the rules, the settings). A ``--check`` rerun on an unchanged tree loads
  it and parses nothing. Only the newest few are kept.

Writes go through a temp file and ``os.replace``; a corrupt or unreadable entry is a miss, never
an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from flask2quart import __version__

_KEPT_RUNS = 4


def digest(*parts: bytes | str) -> str:
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        hasher.update(part.encode("utf-8") if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def code_fingerprint() -> str:
    """Changes whenever the tool's own code does (a development checkout edits its rules without
    changing ``__version__``): sizes and modification times of every module of the package."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        package = Path(__file__).resolve().parent
        parts = [__version__]
        for path in sorted(package.rglob("*.py")):
            with contextlib.suppress(OSError):
                stat = path.stat()
                parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
        _FINGERPRINT = digest(*parts)
    return _FINGERPRINT


_FINGERPRINT: str | None = None


def facts_key(content: bytes, module: str, is_package: bool, recorded: str) -> str:
    return digest(code_fingerprint(), module, str(is_package), recorded, content)


class Cache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _write(self, path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written only costs speed
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)

    def get_facts(self, key: str) -> dict[str, Any] | None:
        try:
            loaded = json.loads((self.directory / "facts" / f"{key}.json").read_bytes())
        except (OSError, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None

    def put_facts(self, key: str, value: dict[str, Any]) -> None:
        self._write(self.directory / "facts" / f"{key}.json", json.dumps(value).encode())

    def get_results(self, run_key: str) -> Any:
        try:
            return pickle.loads((self.directory / "results" / f"{run_key}.pickle").read_bytes())
        except Exception:  # a stale or foreign pickle is a miss
            return None

    def put_results(self, run_key: str, value: Any) -> None:
        folder = self.directory / "results"
        self._write(folder / f"{run_key}.pickle", pickle.dumps(value))
        with contextlib.suppress(OSError):
            runs = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in runs[_KEPT_RUNS:]:
                old.unlink()
        with contextlib.suppress(OSError):
            (self.directory / ".gitignore").write_text("*\n")
