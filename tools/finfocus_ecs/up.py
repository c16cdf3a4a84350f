"""The main job: deploy examples/quickstart, print its endpoints, check them.

Against the local emulator by default (no account, no network); against real
AWS with target "aws". Each target has its own Terraform workspace, so a local
run never reads or writes a real deployment's state.

On AWS nothing is created before the caller has seen what will be: the
credentials are checked first (STS GetCallerIdentity: the account and the
region), then the plan is saved, shown to the caller's `confirm` (the
account, the region, what the plan creates and what it costs a month), and
only that saved plan is applied.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions

from finfocus_ecs import emulator, shared_provider
from finfocus_ecs.deployment import WORKSPACES, Finding, check_deployment, quickstart_state
from finfocus_ecs.interrupts import InterruptGuard
from finfocus_ecs.project import QUICKSTART_DIR, RUN_DIR
from finfocus_ecs.terraform import Terraform, TerraformError


class CredentialsError(RuntimeError):
    """No AWS credentials or region that work, found before anything was planned or created."""


class Cancelled(Exception):
    """The caller declined the plan: nothing was applied."""


@dataclass(frozen=True)
class AwsIdentity:
    """Who the credentials are (STS GetCallerIdentity) and where the quick start would go."""

    account: str
    arn: str
    region: str


@dataclass
class AwsPlan:
    """The saved plan `up --target aws` applies once confirmed, and `terraform show -json` of it."""

    identity: AwsIdentity
    plan: dict[str, Any]
    plan_file: Path

    def actions(self) -> dict[str, int]:
        """add / change / destroy counts, as Terraform's "Plan:" line counts them (a replacement is one of each)."""
        counts = {"add": 0, "change": 0, "destroy": 0}
        for change in self.plan.get("resource_changes", []):
            actions = change["change"]["actions"]
            counts["add"] += "create" in actions
            counts["change"] += "update" in actions
            counts["destroy"] += "delete" in actions
        return counts

    def created(self) -> dict[str, int]:
        """Resource type => how many the plan creates."""
        created: dict[str, int] = {}
        for change in self.plan.get("resource_changes", []):
            if "create" in change["change"]["actions"]:
                created[change["type"]] = created.get(change["type"], 0) + 1
        return created


Confirm = Callable[[AwsPlan], bool]


@dataclass
class UpResult:
    """What `up` did and found."""

    target: str
    outputs: dict[str, Any]
    findings: list[Finding]
    timings: dict[str, float] = field(default_factory=dict)
    emulator_url: str | None = None
    identity: AwsIdentity | None = None

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
    """The state of a target's workspace: the file for AWS, the workspace's folder (state and lock) locally."""
    state = quickstart_state(target, root)
    return state if target == "aws" else state.parent


def terraform_for(
    target: str, aws_env: dict[str, str], root: Path = QUICKSTART_DIR, variables: Mapping[str, str] | None = None
) -> Terraform:
    """Terraform in the quick start, in the target's workspace, with the quick start's variables as TF_VAR_NAME.

    TF_VAR_ rather than -var: Terraform reads a value there exactly as from
    -var (a string for a string variable, HCL for the others), for every
    command, saved plans included.
    """
    env = dict(aws_env) | {f"TF_VAR_{name}": value for name, value in (variables or {}).items()}
    if WORKSPACES[target] != "default":
        env["TF_WORKSPACE"] = WORKSPACES[target]
    return Terraform(root, env=env)


def aws_identity(region: str | None = None) -> AwsIdentity:
    """The account and the region the quick start would be deployed to, or CredentialsError saying what to set."""
    try:
        session = boto3.Session()
    except botocore.exceptions.ProfileNotFound as error:
        raise CredentialsError(f"{error}: set AWS_PROFILE to a profile of your AWS config, or unset it") from None
    # As the provider reads it: AWS_REGION first (which boto3 does not read), then AWS_DEFAULT_REGION, the profile's.
    region = region or os.environ.get("AWS_REGION") or session.region_name
    if not region:
        raise CredentialsError(
            "no AWS region: set AWS_REGION (or a region in your AWS profile), or give --var aws_region=REGION"
        )
    try:
        answer = session.client("sts", region_name=region).get_caller_identity()
    except botocore.exceptions.NoCredentialsError:
        raise CredentialsError(
            "no AWS credentials found: set AWS_PROFILE (after `aws sso login` for an SSO profile), or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ) from None
    except botocore.exceptions.ClientError as error:
        details = error.response.get("Error", {})
        raise CredentialsError(
            f"AWS refused the credentials ({details.get('Code')}: {details.get('Message')}): "
            "renew them, or choose another AWS_PROFILE"
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise CredentialsError(f"cannot check the AWS credentials: {error}") from None
    return AwsIdentity(answer["Account"], answer["Arn"], region)


INIT_MARKER = Path(".terraform") / "finfocus-initialized"


def _needs_init(root: Path) -> bool:
    """Whether `terraform init` must run: no init has finished here since the last one started.

    A marker written after a successful init, not the folders init creates:
    an init interrupted after creating .terraform/providers leaves a tree
    that looks initialized, and every later apply would fail on it.
    """
    return not (root / INIT_MARKER).exists()


def _init(terraform: Terraform, root: Path) -> None:
    (root / INIT_MARKER).unlink(missing_ok=True)
    terraform.init()
    (root / INIT_MARKER).write_text("terraform init finished\n")


def local_emulator(root: Path, guard: InterruptGuard) -> tuple[emulator.Emulator, Future[float] | None]:
    """The emulator an earlier `up` left (and None), or a new one still starting.

    A new emulator boots (about 2 s) while Terraform loads its provider (about
    4 s before its first API call), so neither waits for the other. The future
    gives the seconds it took to answer, or raises EmulatorError. A new one is
    recorded, and its clean-up registered with the guard, before a Ctrl-C can
    interrupt: otherwise an interrupt right after the start would leave it
    running, unknown to `down`.
    """
    running = emulator.recorded()
    if running is not None:
        return running, None
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with guard.held():
        started = emulator.spawn(log_file=RUN_DIR / "emulator.log")
        guard.on_interrupt(lambda: _abandon(started, root))
        # A new emulator holds nothing: state from an earlier one would name
        # resources that no longer exist.
        shutil.rmtree(_workspace_state(root, "local"), ignore_errors=True)
        emulator.save(started)
    ready: Future[float] = Future()

    def wait() -> None:
        # Ctrl-C must go to the main thread, which may be blocked reading Terraform's output.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        began = time.perf_counter()
        try:
            emulator.wait_ready(started)
            ready.set_result(time.perf_counter() - began)
        except emulator.EmulatorError as error:
            ready.set_exception(error)

    threading.Thread(target=wait, daemon=True).start()
    return started, ready


def _abandon(started: emulator.Emulator, root: Path) -> None:
    """After Ctrl-C: stop the emulator this run started, and drop the state that only it could honour.

    Terraform, which got the same Ctrl-C, has been waited for (and killed if
    it hung), so nothing writes the state as it is removed; the lock goes
    with it, and the next `up` starts clean.
    """
    _stop_terraform(ignore={started.pid})
    started.stop()
    emulator.forget()
    shutil.rmtree(_workspace_state(root, "local"), ignore_errors=True)


def up(
    target: str = "local",
    destroy_after: bool = False,
    progress: Progress = lambda step: None,
    root: Path = QUICKSTART_DIR,
    guard: InterruptGuard | None = None,
    variables: Mapping[str, str] | None = None,
    confirm: Confirm | None = None,
) -> UpResult:
    """Apply the quick start to the target, read its outputs and check them.

    variables are the quick start's (name => value as -var takes it). On
    AWS, confirm is shown the saved plan before it is applied; False raises
    Cancelled. Ctrl-C, wherever it lands (the question included), raises
    KeyboardInterrupt here once Terraform has stopped and an emulator this run
    started is stopped; also when Terraform, stopped by the same Ctrl-C,
    failed first. With a guard from the caller, a Ctrl-C that comes after
    this returns stops that emulator when the caller settles the guard.
    """
    if guard is None:
        with InterruptGuard() as own:
            return up(target, destroy_after, progress, root, own, variables, confirm)
    # Whatever else stops, Terraform finishes its own graceful stop first (it releases the state lock).
    guard.on_interrupt(lambda: _stop_terraform(ignore=set()))
    try:
        with guard.interruptible():
            return _up(target, destroy_after, progress, root, guard, dict(variables or {}), confirm)
    except BaseException:
        if guard.settle():
            raise KeyboardInterrupt from None
        raise


def _up(
    target: str,
    destroy_after: bool,
    progress: Progress,
    root: Path,
    guard: InterruptGuard,
    variables: dict[str, str],
    confirm: Confirm | None,
) -> UpResult:
    timings: dict[str, float] = {}
    running: emulator.Emulator | None = None
    ready: Future[float] | None = None
    identity: AwsIdentity | None = None
    if target == "local":
        running, ready = local_emulator(root, guard)
        aws_env = running.aws_env()
        session = running.session()
    else:
        aws_env = {}
        with timed(timings, "check AWS credentials", progress):
            # The quick start's aws_region, as Terraform would read it (--var, else the environment); unset,
            # the provider takes the region boto3 does (AWS_REGION, the profile's).
            region = variables.get("aws_region") or os.environ.get("TF_VAR_aws_region")  # noqa: SIM112
            identity = aws_identity(region)
        session = boto3.Session(region_name=identity.region)
    terraform = terraform_for(target, aws_env, root, variables)
    if _needs_init(root):
        with timed(timings, "terraform init", progress):
            _init(terraform, root)
    if running is not None:
        share_provider(terraform, root)
    # Terraform saves a plan that failed too (it cannot be applied): none is left behind, whatever happens.
    plan_file = root / PLAN_FILE if identity is not None else None
    try:
        if identity is not None and plan_file is not None:
            with timed(timings, "terraform plan", progress):
                planned = AwsPlan(identity, _saved_plan(terraform, plan_file), plan_file)
            if confirm is not None and not confirm(planned):
                raise Cancelled
        with timed(timings, "terraform apply", progress):
            try:
                outputs = terraform.apply(plan_file=plan_file)
            except TerraformError:
                if ready is not None and not guard.received:
                    ready.result()  # an emulator that never came up is the real cause
                raise
    finally:
        if plan_file is not None:
            plan_file.unlink(missing_ok=True)
    if ready is not None:
        timings["start emulator (during init and apply)"] = ready.result()
    with timed(timings, "verify through AWS APIs", progress):
        _test_pause("verify through AWS APIs")
        findings = check_deployment(outputs, session, running.endpoint_url if running else None)
    result = UpResult(target, outputs, findings, timings, running.endpoint_url if running else None, identity)
    if destroy_after:
        with timed(timings, "terraform destroy", progress):
            terraform.destroy()
        if running is not None:
            running.stop()
            emulator.forget()
    return result


# The plan `up --target aws` shows, then applies; *.tfplan is ignored by git.
PLAN_FILE = "finfocus-aws.tfplan"


def _saved_plan(terraform: Terraform, plan_file: Path) -> dict[str, Any]:
    """Plan into plan_file (kept for apply) and return `terraform show -json` of it."""
    terraform.run("plan", "-input=false", "-no-color", f"-out={plan_file}")
    return json.loads(terraform.run("show", "-json", "-no-color", str(plan_file)).out)


def share_provider(terraform: Terraform, root: Path) -> None:
    """Run the AWS provider init installed once, for every walk of the apply (shared_provider.py).

    Terraform otherwise starts it anew for each walk, about 1.4 s of the
    local apply. Only for the emulator: a user's own AWS session may need
    what a shared provider cannot honour (a CA bundle, credentials that
    change while it runs). Without an installed binary Terraform runs its own.
    """
    binary = shared_provider.installed_binary(root)
    if binary is not None:
        shared_provider.start(terraform.env, binary)


# A test seam, for the one moment no outside sign marks: tests/e2e sets it to the
# name of a step; `up` then writes FINFOCUS_TEST_PAUSE_FILE when the step starts
# and waits there (at most 30 s) for the test's Ctrl-C. Unset, it does nothing.
PAUSE_STEP_ENV = "FINFOCUS_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "FINFOCUS_TEST_PAUSE_FILE"


def _test_pause(step: str) -> None:
    if os.environ.get(PAUSE_STEP_ENV) != step or not os.environ.get(PAUSE_FILE_ENV):
        return
    Path(os.environ[PAUSE_FILE_ENV]).write_text(step)
    time.sleep(30)


def down(target: str = "local", root: Path = QUICKSTART_DIR, variables: Mapping[str, str] | None = None) -> bool:
    """Tear the quick start down on the target; for local, stop the emulator. True if anything was up.

    Locally the deployment lives only in the emulator's memory: stopping the
    emulator removes every resource at once, so no `terraform destroy` runs
    (it would spend the provider's 10 s waits on a cluster and a NAT gateway
    about to vanish anyway) and the state that named them goes with it.
    tests/e2e/test_quickstart.py destroys the quick start with Terraform, as
    `down --target aws` does.
    """
    if target == "local":
        running = emulator.recorded()
        try:
            if running is not None:
                running.stop()
        finally:
            emulator.forget()
            shutil.rmtree(_workspace_state(root, "local"), ignore_errors=True)
        return running is not None
    terraform_for(target, {}, root, variables).destroy()
    return True


def _stop_terraform(ignore: set[int], timeout: float = 15, kill: bool = False) -> None:
    """Wait until no child process of ours (Terraform) but those in ignore is left, reading /proc.

    Terraform got the same Ctrl-C and stops by itself, writing its state and
    releasing its lock. With kill (an emulator that is going away anyway), one
    that has not stopped within the timeout is killed, so that it cannot write
    state after its folder is removed.
    """
    deadline = time.monotonic() + timeout
    while True:
        children = _children(ignore)
        if not children:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if kill:
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _children(ignore: set[int]) -> list[int]:
    """Our live child processes (Terraform), but those in ignore and the shared providers."""
    me = str(os.getpid())
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # A zombie has exited: tftest's Popen was interrupted before it could reap it.
        if fields[1] == me and fields[0] != "Z" and int(stat.parent.name) not in ignore | shared_provider.pids():
            children.append(int(stat.parent.name))
    return children
