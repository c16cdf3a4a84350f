"""The main job: deploy examples/quickstart, print its endpoints, check them.

Against the local emulator by default (no account, no network); against real
AWS with target "aws". Each target has its own Terraform workspace, so a local
run never reads or writes a real deployment's state.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from finfocus_ecs import emulator
from finfocus_ecs.deployment import Finding, check_deployment
from finfocus_ecs.project import QUICKSTART_DIR, RUN_DIR
from finfocus_ecs.terraform import Terraform, TerraformError

WORKSPACES = {"local": "emulator", "aws": "default"}
TARGETS = tuple(WORKSPACES)


@dataclass
class UpResult:
    """What `up` did and found."""

    target: str
    outputs: dict[str, Any]
    findings: list[Finding]
    timings: dict[str, float] = field(default_factory=dict)
    emulator_url: str | None = None

    @property
    def ok(self) -> bool:
        return all(finding.ok for finding in self.findings)


Progress = Callable[[str], None]


@contextmanager
def timed(timings: dict[str, float], step: str, progress: Progress) -> Iterator[None]:
    progress(step)
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = time.perf_counter() - started


def _workspace_state(root: Path, target: str) -> Path:
    workspace = WORKSPACES[target]
    if workspace == "default":
        return root / "terraform.tfstate"
    return root / "terraform.tfstate.d" / workspace


def terraform_for(target: str, aws_env: dict[str, str], root: Path = QUICKSTART_DIR) -> Terraform:
    env = dict(aws_env)
    if WORKSPACES[target] != "default":
        env["TF_WORKSPACE"] = WORKSPACES[target]
    return Terraform(root, env=env)


def _needs_init(root: Path) -> bool:
    return (
        not (root / ".terraform" / "modules" / "modules.json").exists()
        or not (root / ".terraform" / "providers").exists()
    )


def local_emulator(root: Path) -> tuple[emulator.Emulator, Future[float] | None]:
    """The emulator an earlier `up` left (and None), or a new one still starting.

    A new emulator boots (about 2 s) while Terraform loads its provider (about
    4 s before its first API call), so neither waits for the other. The future
    gives the seconds it took to answer, or raises EmulatorError.
    """
    running = emulator.recorded()
    if running is not None:
        return running, None
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    started = emulator.spawn(log_file=RUN_DIR / "emulator.log")
    # A new emulator holds nothing: state from an earlier one would name
    # resources that no longer exist.
    shutil.rmtree(_workspace_state(root, "local"), ignore_errors=True)
    emulator.save(started)
    ready: Future[float] = Future()

    def wait() -> None:
        began = time.perf_counter()
        try:
            emulator.wait_ready(started)
            ready.set_result(time.perf_counter() - began)
        except emulator.EmulatorError as error:
            ready.set_exception(error)

    threading.Thread(target=wait, daemon=True).start()
    return started, ready


def up(
    target: str = "local",
    destroy_after: bool = False,
    progress: Progress = lambda step: None,
    root: Path = QUICKSTART_DIR,
) -> UpResult:
    """Apply the quick start to the target, read its outputs and check them."""
    timings: dict[str, float] = {}
    started_here = False
    running: emulator.Emulator | None = None
    ready: Future[float] | None = None
    try:
        if target == "local":
            running, ready = local_emulator(root)
            started_here = ready is not None
            aws_env = running.aws_env()
            session = running.session()
        else:
            aws_env = {}
            session = boto3.Session()
        terraform = terraform_for(target, aws_env, root)
        if _needs_init(root):
            with timed(timings, "terraform init", progress):
                terraform.init()
        with timed(timings, "terraform apply", progress):
            try:
                terraform.apply()
            except TerraformError:
                if ready is not None:
                    ready.result()  # an emulator that never came up is the real cause
                raise
        if ready is not None:
            timings["start emulator (during init and apply)"] = ready.result()
        outputs = terraform.outputs()
        with timed(timings, "verify through AWS APIs", progress):
            findings = check_deployment(outputs, session, running.endpoint_url if running else None)
        result = UpResult(target, outputs, findings, timings, running.endpoint_url if running else None)
        if destroy_after:
            with timed(timings, "terraform destroy", progress):
                terraform.destroy()
            if running is not None:
                running.stop()
                emulator.forget()
        return result
    except KeyboardInterrupt:
        # Terraform got the same Ctrl-C and stops by itself, releasing its
        # lock; an emulator we started holds nothing worth keeping.
        _wait_for_children(timeout=15, ignore={running.pid} if running else set())
        if started_here and running is not None:
            running.stop()
            emulator.forget()
            shutil.rmtree(_workspace_state(root, "local"), ignore_errors=True)
        raise


def down(target: str = "local", root: Path = QUICKSTART_DIR) -> bool:
    """Destroy the quick start on the target; for local, stop the emulator. True if anything was up."""
    if target == "local":
        running = emulator.recorded()
        if running is None:
            shutil.rmtree(_workspace_state(root, "local"), ignore_errors=True)
            emulator.forget()
            return False
        try:
            if _state_has_resources(_workspace_state(root, "local") / "terraform.tfstate"):
                terraform_for(target, running.aws_env(), root).destroy()
        finally:
            running.stop()
            emulator.forget()
            shutil.rmtree(_workspace_state(root, "local"), ignore_errors=True)
        return True
    terraform_for(target, {}, root).destroy()
    return True


def _state_has_resources(state_file: Path) -> bool:
    """Whether a local state file records any resource; destroying nothing takes seconds."""
    try:
        return bool(json.loads(state_file.read_text()).get("resources"))
    except (OSError, ValueError):
        return False


def _wait_for_children(timeout: float, ignore: set[int]) -> None:
    """Wait until no child process (Terraform) of ours but those in ignore is left, reading /proc."""
    deadline = time.monotonic() + timeout
    me = str(os.getpid())
    while time.monotonic() < deadline:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # A zombie has exited: tftest's Popen was interrupted before it could reap it.
            if fields[1] == me and fields[0] != "Z" and int(stat.parent.name) not in ignore:
                children.append(stat.parent.name)
        if not children:
            return
        time.sleep(0.1)
