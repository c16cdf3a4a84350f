"""The task definition as it was before the rehearsal existed fails here, each fault with its reason.

fixtures/task-definition-before-issue-11.json is what `finfocus-ecs
task-definition` printed then. On Fargate it would never start; every test
passed anyway. These tests prove the rehearsal sees each fault.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.rehearsal.conftest import failure_report

pytestmark = pytest.mark.rehearsal

OLD = json.loads((Path(__file__).parent / "fixtures" / "task-definition-before-issue-11.json").read_text())


def test_old_task_definition_fails_on_bash_and_on_the_root_owned_volume(rehearse):
    with rehearse(OLD) as task:
        assert task.wait_until(lambda: task.last_status == "STOPPED", 20), failure_report(task)
        report = task.report()
        plugin, bridge = report.container("finfocus-plugin"), report.container("port-bridge")
        # Fault 1: the image's entrypoint is a bash script in an image without bash.
        assert plugin.exit_code != 0
        assert "exec /entrypoint.sh failed: No such file or directory" in plugin.reason
        # Fault 2: the bridge (uid 99) cannot write to a root-owned 0755 task volume.
        assert bridge.exit_code != 0
        assert bridge.reason == "/bin/sh: can't create /tmp/port-bridge.cfg: Permission denied"
        assert report.health != "HEALTHY"


def _bridge_without_haproxy(task_definition: dict, health_check: dict | None = None) -> dict:
    """Only the bridge container, with HAProxy never started: a dead HAProxy."""
    changed = copy.deepcopy(task_definition)
    bridge = next(c for c in changed["containerDefinitions"] if c["name"] == "port-bridge")
    bridge.update(entryPoint=["/bin/sh", "-c"], command=["exec sleep 600"], dependsOn=[])
    if health_check is not None:
        bridge["healthCheck"] = health_check
    changed["containerDefinitions"] = [bridge]
    return changed


def test_old_bridge_health_check_passes_with_haproxy_dead(rehearse, module_cases):
    """Fault 3: `kill -0 "$(cat missing.pid)"` is `kill -0 ""`, which BusyBox answers with 0."""
    with rehearse(_bridge_without_haproxy(OLD)) as task:
        assert task.wait_for_health("HEALTHY", 20), failure_report(task)
        assert not any("haproxy" in command for command in task.processes("port-bridge").values())

    new_check = next(
        c for c in module_cases.task_definition("defaults")["containerDefinitions"] if c["name"] == "port-bridge"
    )["healthCheck"]
    with rehearse(_bridge_without_haproxy(OLD, new_check)) as task:
        assert task.wait_for_health("UNHEALTHY", 20), failure_report(task)
