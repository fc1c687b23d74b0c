"""A throw-away copy of the project for tests that run make or the command line.

Tests must not change the working tree's build state (``.build/``, ``report/``, the
parameter file), so they run in a copy: the files git knows about (tracked, and new files not
ignored) as they are on disk, with their modification times, and the project's ``.venv`` linked
rather than rebuilt. ``PYTHONPATH`` points at the copy's ``src/`` so that the copy's package,
and so its own ``report/`` and ``.build/``, is the one that runs (the shared virtualenv's
editable install points at the original tree).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from incidents import config

#: make options that keep a copy from re-running the set-up: the shared virtualenv is never
#: reinstalled from a copy, and no system package is installed by a test.
KEEP_SETUP = ("-o", ".venv/.installed", "-o", ".build/.system-packages")


def project_files(root: Path = config.PROJECT_ROOT) -> list[str]:
    """Paths (relative to ``root``) of every file git tracks or would track."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=root, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def make_copy(dest: Path, root: Path = config.PROJECT_ROOT) -> Path:
    """Copy the project into ``dest`` (created) and link its virtualenv; return ``dest``."""
    for name in project_files(root):
        source = root / name
        if not source.is_file():  # deleted in the working tree but not yet in the index
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    (dest / ".venv").symlink_to(root / ".venv", target_is_directory=True)
    return dest


def environment(copy: Path) -> dict[str, str]:
    """The environment a command in ``copy`` runs with: the copy's package first."""
    env = {key: value for key, value in os.environ.items()
           if key not in (config.DATA_ENV, config.VENDORS_ENV, "MAKEFLAGS", "MAKELEVEL")}
    env["PYTHONPATH"] = str(copy / "src")
    return env


def run_make(copy: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``make -s ARGS`` in ``copy`` without touching the set-up; output captured."""
    return subprocess.run(["make", "-s", *KEEP_SETUP, *args], cwd=copy, env=environment(copy),
                          capture_output=True, text=True, timeout=timeout, check=False)
