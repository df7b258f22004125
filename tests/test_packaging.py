"""The tool as users install it: an sdist, a wheel built from it, a fresh venv, not editable.

The editable install the rest of the suite runs on maps the source tree into place, so a
sub-package missing from the wheel goes unseen there. This builds what ``pip install
flask2quart``, ``pipx install`` and pre-commit (which runs ``pip install .`` on a clone of the
hook's repository) would install, from the files a clean clone holds, and runs the CLI from it.

The fresh venv borrows the already-installed dependencies (click, libcst, Flask...) through a
``.pth`` line, so the test needs no network; only flask2quart itself comes from the wheel, and
the test checks that it is imported from there.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Installed:
    sdist: Path
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def _clean_clone(into: Path) -> Path:
    """The tracked and not-ignored files only: what `git clone` of this commit would give."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in listed)):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result


def _build(clone: Path, dist: Path) -> tuple[Path, Path]:
    build_sdist = "import setuptools.build_meta as b, sys; print(b.build_sdist(sys.argv[1]))"
    name = _run(PYTHON, "-c", build_sdist, dist, cwd=clone).stdout.strip().splitlines()[-1]
    sdist = dist / name
    # pip builds the wheel from the unpacked sdist: a file missing from the sdist fails here
    with tarfile.open(sdist) as archive:
        archive.extractall(dist / "unpacked", filter="data")
    (unpacked,) = (dist / "unpacked").iterdir()
    pip_wheel = [PYTHON, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    _run(*pip_wheel, "-w", dist, unpacked)
    (wheel,) = dist.glob("flask2quart-*.whl")
    return sdist, wheel


def _fresh_venv(venv: Path, wheel: Path) -> None:
    _run(PYTHON, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(PYTHON, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    # dependencies from this interpreter; a path added by a .pth line has its own .pth files
    # (the editable install's finder among them) ignored, so flask2quart comes from the wheel
    Path(site.stdout.strip(), "_borrowed_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("packaging")
    clone = _clean_clone(base / "clone")
    dist = base / "dist"
    dist.mkdir()
    sdist, wheel = _build(clone, dist)
    _fresh_venv(base / "venv", wheel)
    return Installed(sdist, wheel, base / "venv")


def _package_sources() -> set[str]:
    package = ROOT / "src"
    return {
        path.relative_to(package).as_posix()
        for path in (package / "flask2quart").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc")
    }


def test_the_wheel_holds_every_module_and_data_file(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = {name for name in wheel.namelist() if name.startswith("flask2quart/")}
    expected = _package_sources()
    assert "flask2quart/verify/cli.py" in expected and "flask2quart/py.typed" in expected
    assert expected - shipped == set()


def test_the_sdist_holds_every_module(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {f"src/{name}" for name in _package_sources()} - names == set()
    assert "pyproject.toml" in names and "README.md" in names


def test_the_installed_cli_starts_and_comes_from_the_wheel(installed: Installed) -> None:
    where = _run(installed.bin / "python", "-c", "import flask2quart; print(flask2quart.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(installed.venv)
    assert "migrate" in _run(installed.bin / "flask2quart", "--help").stdout
    assert "ORIGINAL" in _run(installed.bin / "flask2quart", "verify", "--help").stdout
    listed = _run(installed.bin / "flask2quart", "migrate", "--list-rules").stdout
    assert "F2Q101" in listed


def test_the_installed_cli_migrates_a_sample_app(installed: Installed, tmp_path: Path) -> None:
    app = shutil.copytree(ROOT / "sample_apps" / "fullapp", tmp_path / "fullapp")
    result = subprocess.run(
        [installed.bin / "flask2quart", "migrate", app, "--diff", "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # changes pending
    assert "+from quart import" in result.stdout
    assert "files scanned" in result.stderr.splitlines()[-1]


def test_the_pre_commit_hook_runs_from_a_non_editable_install(
    installed: Installed, tmp_path: Path
) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "flask2quart-check")
    command = [*shlex.split(hook["entry"]), *hook["args"]]
    command[0] = str(installed.bin / command[0])  # pre-commit puts its venv's bin first on PATH
    (tmp_path / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    pending = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert pending.returncode == 1 and "would convert app.py" in pending.stdout, pending.stderr
