from __future__ import annotations

from pathlib import Path

import pytest

# fixture projects hold their own test suites (input to migrate, not tests of flask2quart)
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own migrate cache, outside the working tree."""
    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("FLASK2QUART_CACHE_DIR", str(directory))
    return directory
