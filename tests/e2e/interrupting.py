"""Running `finfocus-ecs up` in a copy of the repository and pressing Ctrl-C at chosen moments.

Ctrl-C is sent to `up`'s process group, as a terminal sends it, at a moment
recognised from outside: the emulator's state file (written right after the
emulator is spawned, about a second before it answers), a `terraform init`
or `terraform apply` child process, the state lock file. The checks after
apply leave no outside sign, so `up` pauses there for the test when
FINFOCUS_TEST_PAUSE_AT names that step (a seam in up.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finfocus_ecs.project import REPO_ROOT

Moment = Callable[[subprocess.Popen], "dict[str, Any] | None"]


def copy_repo(copy: Path) -> Path:
    """The module and the quick start, without Terraform's working files."""
    for part in ("modules", "examples"):
        shutil.copytree(
            REPO_ROOT / part, copy / part, ignore=shutil.ignore_patterns(".terraform*", "terraform.tfstate*")
        )
    return copy


def emulator_processes(repo: Path) -> list[int]:
    """Emulator processes started from this copy of the repository."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if (
                b"finfocus_ecs.emulator_server" in cmdline.read_bytes()
                and Path(cmdline.parent, "cwd").resolve() == repo
            ):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def terraform_processes(repo: Path) -> list[int]:
    """Terraform processes (and their provider plugins) working in this copy of the repository."""
    found = []
    for exe in Path("/proc").glob("[0-9]*/exe"):
        try:
            if "terraform" in exe.resolve().name and Path(exe.parent, "cwd").resolve().is_relative_to(repo):
                found.append(int(exe.parent.name))
        except OSError:
            continue
    return found


def child_runs(pid: int, word: str) -> bool:
    """Whether a child of pid runs a command line with word in it (`terraform apply`)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] != str(pid):
                continue
            if word.encode() in Path(stat.parent, "cmdline").read_bytes().split(b"\0"):
                return True
        except (OSError, IndexError):
            continue
    return False


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def cli(repo: Path, *arguments: str, extra_env: dict[str, str | None] | None = None, **kwargs) -> subprocess.Popen:
    """`finfocus-ecs ARGUMENTS` in repo, with none of the caller's AWS settings but extra_env's (None: unset)."""
    env = {**os.environ, "FINFOCUS_REPO_ROOT": str(repo)}
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name, None)
    env = {name: value for name, value in {**env, **(extra_env or {})}.items() if value is not None}
    return subprocess.Popen(
        [sys.executable, "-m", "finfocus_ecs.cli", *arguments],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def interrupt_up(repo: Path, moment: Moment, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `up`, send Ctrl-C to its process group once moment(process) is not None; what it left behind.

    moment returns what it saw at that moment (proof that Ctrl-C landed where intended).
    """
    process = cli(repo, "up", start_new_session=True, extra_env=extra_env)
    deadline = time.monotonic() + 90
    seen = None
    while seen is None:
        assert process.poll() is None, f"up ended before the moment: {process.communicate()[1]}"
        assert time.monotonic() < deadline, "the moment never came"
        seen = moment(process)
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    _, stderr = process.communicate(timeout=60)
    return {
        **seen,
        "returncode": process.returncode,
        "stderr": stderr,
        "emulators": emulator_processes(repo),
        "terraform": terraform_processes(repo),
        "recorded": (repo / ".finfocus" / "emulator.json").exists(),
        "state left": workspace(repo).exists(),
    }


def workspace(repo: Path) -> Path:
    return repo / "examples" / "quickstart" / "terraform.tfstate.d" / "emulator"


def while_the_emulator_starts(repo: Path) -> Moment:
    """Its state file is written right after it is spawned; it answers about a second later."""
    state = repo / ".finfocus" / "emulator.json"

    def moment(process: subprocess.Popen) -> dict[str, Any] | None:
        if not state.exists() or not state.read_text():
            return None
        return {"answered": answers(json.loads(state.read_text())["port"])}

    return moment


def during_init(repo: Path) -> Moment:
    """A `terraform init` child runs (an interrupted init leaves no marker, so the next `up` inits again)."""
    return lambda process: {} if child_runs(process.pid, "init") else None


def apply_before_the_lock(repo: Path) -> tuple[Moment, dict[str, str]]:
    """`terraform apply` has started and not yet taken the state lock: (the moment, the environment that makes it).

    Terraform takes the lock a fraction of a second after it starts, so a
    moment polled from outside missed it under load. A `terraform` first on
    up's PATH holds every `apply` there instead: it writes where it is, then
    waits, as a Terraform that had not reached its lock; Ctrl-C ends it as it
    ends such a Terraform, and any other command runs the real Terraform.
    """
    shim = repo / ".finfocus" / "hold-apply"
    shim.mkdir(parents=True, exist_ok=True)
    holding = shim / "holding"
    real = shutil.which("terraform")
    (shim / "terraform").write_text(
        "#!/bin/sh\n"
        'for argument in "$@"; do\n'
        '  if [ "$argument" = apply ]; then\n'
        f'    echo "$$ $*" > "{holding}"\n'
        "    while :; do sleep 1; done\n"
        "  fi\n"
        "done\n"
        f'exec "{real}" "$@"\n'
    )
    (shim / "terraform").chmod(0o755)
    lock = workspace(repo) / ".terraform.tfstate.lock.info"

    def moment(process: subprocess.Popen) -> dict[str, Any] | None:
        if not holding.exists() or not child_runs(process.pid, "apply"):
            return None
        return {"locked": lock.exists(), "held": holding.read_text().split()}

    return moment, {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}


def apply_holding_the_lock(repo: Path) -> Moment:
    lock = workspace(repo) / ".terraform.tfstate.lock.info"
    return lambda process: {} if lock.exists() else None


def assert_stopped_everything(left: dict[str, Any]) -> None:
    assert left["returncode"] == 130, left["stderr"]
    assert "interrupted" in left["stderr"]
    assert left["emulators"] == [], "Ctrl-C left an emulator running"
    assert not left["recorded"], "Ctrl-C left the stopped emulator recorded"
    assert left["terraform"] == [], "Ctrl-C left Terraform running"
    assert not left["state left"], "Ctrl-C left the state (and lock) of an emulator that is gone"
