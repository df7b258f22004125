"""docs/extensions.md lists every extension of the table with its verdict, and every verdict
other than "blocker" names a test file of this repository that exists."""

from __future__ import annotations

import re
from pathlib import Path

from flask2quart.codemods._extensions import EXTENSIONS

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| (?P<name>[^|]+) \| (?P<verdict>\w+) \| [^|]+ \| (?P<proof>[^|]+) \|$", re.M)


def documented() -> dict[str, tuple[str, str]]:
    text = (ROOT / "docs" / "extensions.md").read_text(encoding="utf-8")
    rows = {m["name"].strip(): (m["verdict"], m["proof"].strip()) for m in ROW.finditer(text)}
    rows.pop("extension", None)  # the header
    return rows


def test_every_extension_is_documented_with_its_verdict() -> None:
    rows = documented()
    for extension in EXTENSIONS:
        assert extension.name in rows, f"docs/extensions.md lacks {extension.name}"
        assert rows[extension.name][0] == extension.verdict, extension.name
    assert set(rows) == {extension.name for extension in EXTENSIONS}


def test_every_verdict_but_blocker_names_an_existing_test() -> None:
    for name, (verdict, proof) in documented().items():
        if verdict == "blocker":
            continue
        path = proof.strip("`")
        assert path.startswith("tests/test_") and (ROOT / path).is_file(), (name, proof)
