"""Environments built as a user's are: uv, the lock files, and a copy of this checkout with its own .venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from finfocus_ecs.project import CACHE_DIR, REPO_ROOT


def uv() -> str:
    """The uv the Makefile bootstrapped (FINFOCUS_UV under make), else one on the PATH."""
    bootstrapped = CACHE_DIR / "uv" / "bin" / "uv"
    found = os.environ.get("FINFOCUS_UV") or (str(bootstrapped) if bootstrapped.exists() else shutil.which("uv"))
    if not found:
        raise RuntimeError("no uv: run through `make`, which bootstraps it into .cache/uv")
    return found


def environment(venv: Path, lock: str, editable: Path = REPO_ROOT) -> Path:
    """A virtual environment at venv with exactly a lock file's packages and this package (editable); its python.

    Not compiled to bytecode as the Makefile's are: these run a few commands each, and compiling
    moto and botocore costs more CPU than it saves them.
    """
    env = {**os.environ, "UV_CACHE_DIR": str(CACHE_DIR / "uv-cache"), "UV_PYTHON_DOWNLOADS": "never"}
    python = venv / "bin" / "python"
    for step in (
        [uv(), "venv", "-q", "--python", sys.executable, str(venv)],
        [uv(), "pip", "install", "-q", "--python", str(python), "-r", str(editable / "requirements" / lock)],
        [uv(), "pip", "install", "-q", "--python", str(python), "--no-deps", "-e", str(editable)],
    ):
        subprocess.run(step, check=True, env=env, capture_output=True)
    return python


def checkout_copy(copy: Path) -> Path:
    """This checkout's package and lock files, copied to copy, with the .venv `make up` gives a clone a user could move.

    requirements/up.txt: what the main job and the commands that call the deployment need, as a user has it.
    """
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in listed.stdout.split():
        if name.startswith(("tools/", "requirements/")) or name in ("pyproject.toml", "README.md"):
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, copy / name)
    environment(copy / ".venv", "up.txt", editable=copy)
    return copy
