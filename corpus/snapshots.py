"""Export each app's pinned commit from a local bare mirror into a pristine snapshot folder.

Mirrors are laid out as the fetch tool makes them: <mirror>/<owner>+<name>/repo (bare, or a
checkout with .git). A snapshot is exported under a temporary name and renamed last, so no run
ever sees a half-written one.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .manifest import App


class SnapshotError(RuntimeError):
    """A snapshot cannot be made; the message says what to fetch or fix."""


def git_dir(mirror_root: Path, app: App) -> Path:
    """The git directory of the app's mirror, or SnapshotError naming what to fetch."""
    repo = mirror_root / app.mirror_name / "repo"
    for candidate in (repo / ".git", repo):
        if (candidate / "HEAD").is_file():
            return candidate
    raise SnapshotError(
        f"{app.name}: no mirror at {repo}; fetch github:{app.repository} there first"
    )


def export_snapshot(app: App, mirror_root: Path, snapshots: Path) -> Path:
    """Write the pinned commit's subfolder to snapshots/<name> (replacing an older export)."""
    source = git_dir(mirror_root, app)
    treeish = f"{app.commit}:{app.subfolder}" if app.subfolder else app.commit
    snapshots.mkdir(parents=True, exist_ok=True)
    target = snapshots / app.name
    with tempfile.TemporaryDirectory(dir=snapshots, prefix=f".{app.name}-") as temp:
        archive = Path(temp) / "export.tar"
        excluded = [f":(exclude){path}" for path in missing_blobs(source, treeish)]
        with archive.open("wb") as handle:
            result = subprocess.run(
                ["git", "--git-dir", str(source), "archive", "--format=tar", treeish, *excluded],
                stdout=handle,
                stderr=subprocess.PIPE,
                text=False,
                check=False,
            )
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace").strip()
            raise SnapshotError(f"{app.name}: git archive {treeish} failed: {message}")
        tree = Path(temp) / "tree"
        with tarfile.open(archive) as tar:
            tar.extractall(tree, filter="data")
        if target.exists():
            shutil.rmtree(target)
        tree.rename(target)
    return target


def missing_blobs(source: Path, treeish: str) -> list[str]:
    """Paths whose content the mirror lacks (the fetch tool leaves out files of 4 MiB and more).

    They are left out of the export: git archive would stop at the first one."""
    listing = subprocess.run(
        ["git", "--git-dir", str(source), "ls-tree", "-r", "-z", treeish],
        capture_output=True,
        check=True,
    ).stdout.decode(errors="surrogateescape")
    entries = [line.split("\t", 1) for line in listing.split("\0") if line]
    blobs = [(meta.split()[2], path) for meta, path in entries if meta.split()[1] == "blob"]
    if not blobs:
        return []
    check = subprocess.run(
        ["git", "--git-dir", str(source), "cat-file", "--batch-check"],
        input="".join(f"{sha}\n" for sha, _ in blobs).encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [
        path
        for (_, path), line in zip(blobs, check.splitlines(), strict=True)
        if line.endswith(" missing")
    ]


def snapshot_path(snapshots: Path, app: App) -> Path:
    path = snapshots / app.name
    if not path.is_dir():
        raise SnapshotError(f"{app.name}: no snapshot at {path}; run `python -m corpus fetch`")
    return path
