"""Shared fixtures: planned roots, one emulator for the whole run."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from finfocus_ecs import emulator as emulator_control
from finfocus_ecs import shared_provider
from finfocus_ecs.cache import computed_once
from finfocus_ecs.emulator_server import CALL_LOG_ENV
from finfocus_ecs.evaluate import PlannedModule
from finfocus_ecs.roots import write_root
from finfocus_ecs.taskdef import PLACEHOLDER_EXECUTION_ROLE_ARN, render_task_definition
from finfocus_ecs.terraform import Terraform, planned_resources, skip_lock_hashes

# The longest files, first: pytest-xdist's loadfile scheduling hands files out
# in collection order (with --no-loadscope-reorder, as the Makefile runs it;
# by default it hands out the files with the most tests first), and a long file
# handed out last sets the wall time. The
# rehearsal's files mostly wait (health-check intervals, the bridge's linger):
# started early, their waits overlap other files' work instead of ending the run.
LONGEST_FIRST = (
    "tests/e2e/test_upgrade.py",
    "tests/scan/test_scan.py",
    "tests/cli/test_connect.py",
    "tests/e2e/test_changes_in_place.py",
    "tests/cli/test_rehearse.py",
    "tests/e2e/test_up_aws.py",
    "tests/e2e/test_service_lifecycle.py",
    "tests/e2e/test_quickstart.py",
    "tests/rehearsal/",
    "tests/e2e/",
    "tests/netns/",
)


RUN_DIR = pytest.StashKey[Path]()
_RUN_DIR_INPUT = "finfocus_run_dir"


def pytest_configure(config: pytest.Config) -> None:
    """Terraform commands attach to one AWS provider per worker and environment (shared_provider.py).

    What each test proves is unchanged: the same Terraform, the same provider
    release, the same plans; the provider is started once instead of per walk.
    tests/plan/test_shared_provider.py shows both ways plan alike. Their throwaway
    roots keep no provider hashes in their lock files (terraform.skip_lock_hashes),
    so Terraform does not hash the 700 MB provider before each of its commands.

    The results the workers share (planned roots) live in a directory made new
    for this run by the process that runs it (pytest-xdist's controller, or
    pytest alone) and removed when it ends: no later run can find it, whatever
    its process id.
    """
    shared_provider.enable()
    skip_lock_hashes()
    # Terraform and the AWS provider are Go programs that spend a third of their CPU collecting
    # garbage at Go's default (GOGC=100): a 26-call plan took 17.9 CPU-s, 12.1 at 400, with 0.7
    # instead of 0.35 GB of memory. The suite runs about 170 of them on two cores. The setting
    # changes when Go frees memory, never what a plan says. A value set by the caller wins.
    os.environ.setdefault("GOGC", "400")
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None:
        config.stash[RUN_DIR] = Path(worker_input[_RUN_DIR_INPUT])
        return
    config.stash[RUN_DIR] = Path(tempfile.mkdtemp(prefix="finfocus-tests-"))
    config.add_cleanup(lambda: shutil.rmtree(config.stash[RUN_DIR], ignore_errors=True))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Each pytest-xdist worker shares the controller's run directory."""
    node.workerinput[_RUN_DIR_INPUT] = str(node.config.stash[RUN_DIR])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)), len(LONGEST_FIRST))

    items.sort(key=rank)


class PlannedRoot:
    """A root planned once; lookups by module call name."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self.plan = plan
        self.resources = planned_resources(plan)

    def resource(self, call: str, address: str) -> dict[str, Any]:
        full = f"module.{call}.{address}"
        for resource in self.resources:
            if resource["address"] == full:
                return resource["values"]
        raise KeyError(f"{full} is not planned; planned: {sorted(r['address'] for r in self.resources)}")

    def resources_of(self, call: str, resource_type: str) -> dict[str, dict[str, Any]]:
        prefix = f"module.{call}."
        return {
            resource["address"][len(prefix) :]: resource["values"]
            for resource in self.resources
            if resource["address"].startswith(prefix) and resource["type"] == resource_type
        }

    def containers(self, call: str) -> dict[str, dict[str, Any]]:
        definitions = json.loads(self.resource(call, "aws_ecs_task_definition.this")["container_definitions"])
        return {container["name"]: container for container in definitions}

    def output(self, call: str) -> dict[str, Any]:
        return self.plan["output_changes"][call]["after"]

    def task_definition(self, call: str) -> dict[str, Any]:
        """The call's task definition as RegisterTaskDefinition takes it (what the rehearsal runs)."""
        prefix = f"module.{call}."
        resources = {
            resource["address"][len(prefix) :]: resource["values"]
            for resource in self.resources
            if resource["address"].startswith(prefix)
        }
        # A role the module creates has no ARN before apply; the rehearsal does not use it.
        task = resources["aws_ecs_task_definition.this"] = dict(resources["aws_ecs_task_definition.this"])
        task.setdefault("execution_role_arn", PLACEHOLDER_EXECUTION_ROLE_ARN)
        return render_task_definition(PlannedModule(resources, self.output(call), "us-east-1"))


@pytest.fixture(scope="session")
def run_dir(pytestconfig: pytest.Config) -> Path:
    """The folder the workers of this test run share, and no other run (pytest_configure)."""
    return pytestconfig.stash[RUN_DIR]


@pytest.fixture(scope="session")
def plan_root(tmp_path_factory: pytest.TempPathFactory, run_dir: Path):
    """Plan a root with the given module calls; one init and one plan per root and test run.

    A plan costs seconds of CPU, so the first worker that needs a root plans it
    and the others, waiting on a lock, read its result.
    """

    def plan(name: str, modules: Mapping[str, Mapping[str, Any]], root: Mapping[str, Any]) -> dict[str, Any]:
        directory = tmp_path_factory.mktemp(name)
        write_root(directory, modules, **root)
        terraform = Terraform(directory)
        terraform.init()
        return terraform.plan_json()

    def build(name: str, modules: Mapping[str, Mapping[str, Any]], **root: Any) -> PlannedRoot:
        return PlannedRoot(computed_once(run_dir / f"{name}.plan.json", lambda: plan(name, modules, root)))

    return build


@pytest.fixture(scope="session")
def module_cases(plan_root) -> PlannedRoot:
    """tests/module_cases.py's calls, planned once for every test that reads them."""
    from tests.module_cases import CALLS, NETWORK

    return plan_root("module-cases", CALLS, extra=NETWORK)


@pytest.fixture(scope="session")
def plan_diagnostics(tmp_path_factory: pytest.TempPathFactory, run_dir: Path):
    """Plan a root expected to fail; return its error diagnostics by module call."""

    def build(
        name: str,
        modules: Mapping[str, Mapping[str, Any]],
        extra: Mapping[str, Any] | None = None,
        provider: Mapping[str, Any] | None = None,
    ) -> dict[str, list[str]]:
        """One plan per root and test run, shared between workers like plan_root's.

        `extra` adds top-level blocks; an output of it whose name starts with
        `CALL__` counts as that call's. `provider` replaces the offline provider block.
        """
        return computed_once(run_dir / f"{name}.errors.json", lambda: diagnose(name, modules, extra, provider))

    def diagnose(
        name: str,
        modules: Mapping[str, Mapping[str, Any]],
        extra: Mapping[str, Any] | None,
        provider: Mapping[str, Any] | None,
    ) -> dict[str, list[str]]:
        directory = tmp_path_factory.mktemp(name)
        write_root(directory, modules, provider=provider, extra=extra, copy_module=True)
        terraform = Terraform(directory)
        terraform.init()
        found: dict[str, list[str]] = {call: [] for call in modules}
        for diagnostic in terraform.plan_diagnostics():
            if diagnostic["severity"] != "error":
                continue
            text = f"{diagnostic['summary']}: {diagnostic['detail']}"
            calls = [call for call in modules if _diagnostic_names_call(diagnostic, call)]
            assert len(calls) == 1, f"cannot tell which call this error is about: {diagnostic}"
            found[calls[0]].append(" ".join(text.split()))
        return found

    return build


def _diagnostic_names_call(diagnostic: Mapping[str, Any], call: str) -> bool:
    """An error belongs to a call if it points at the call's block or into its copy of the module."""
    snippet = diagnostic.get("snippet") or {}
    if snippet.get("context") in (f'module "{call}"', f"module.{call}"):
        return True
    if str(snippet.get("context", "")).startswith(f'output "{call}__'):
        return True
    filename = str((diagnostic.get("range") or {}).get("filename", ""))
    return filename.startswith(f".terraform/modules/{call}/")


@pytest.fixture(scope="session")
def emulator_call_log(tmp_path_factory) -> Path:
    """Every AWS call the session's emulator serves (CALL_LOG_ENV), for checking the guide's IAM policy."""
    return tmp_path_factory.mktemp("emulator") / "calls.log"


@pytest.fixture(scope="session")
def emulator(emulator_call_log) -> Iterator[emulator_control.Emulator]:
    """One moto server for the whole run, stopped at the end even on failure."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CALL_LOG_ENV, str(emulator_call_log))
        running = emulator_control.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def rehearsal_available() -> None:
    """Skip the Fargate rehearsal where namespaces cannot be built, but never in CI, where a skip would hide it."""
    from finfocus_ecs.rehearsal.network import namespaces_unavailable

    reason = namespaces_unavailable()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the Fargate rehearsal, but {reason}")
    if reason:
        pytest.skip(f"cannot rehearse here: {reason}")
