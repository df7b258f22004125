from __future__ import annotations

from pathlib import Path

import pytest

# Fixture projects hold apps' own test files (test_*.py, conftest.py) as input: data, not tests.
collect_ignore = ["fixtures"]


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own migrate cache, outside the working tree."""
    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("FLASK2QUART_CACHE_DIR", str(directory))
    return directory
