"""The planned start periods do their job: a slow start is not judged, as ECS's rules say for startPeriod.

ECS does not count a failed check during a container's start period (fargate-runtime.md). The
plugin's start period covers regions that are slow to answer; the port bridge's covers HAProxy
waiting for the task metadata endpoint. Here each start is held up for more failed checks than
`retries`, then let go: the container must turn HEALTHY without ever having been UNHEALTHY. A
start period planned too short (0) turns it UNHEALTHY while it is held.
"""

from __future__ import annotations

import copy
import signal
import subprocess

import pytest

from finfocus_ecs.rehearsal.network import IP, METADATA_IP
from tests.rehearsal.conftest import HEALTHY_WITHIN, failure_report

pytestmark = pytest.mark.rehearsal


def failed_checks(task, name: str) -> int:
    return sum(check.exit_code != 0 for check in task.report().container(name).health_checks)


def test_a_region_slow_to_start_does_not_turn_the_plugin_unhealthy(module_cases, rehearse):
    task_definition = module_cases.task_definition("defaults")
    plugin = next(c for c in task_definition["containerDefinitions"] if c["name"] == "finfocus-plugin")
    held = plugin["healthCheck"]["retries"] + 2
    with rehearse(task_definition) as task:
        # Stopped as soon as it exists: it answers nothing until it is let go.
        binary = "finfocus-plugin-aws-public-eu-west-1"
        stopped = task.wait_until(lambda: task.kill_process("finfocus-plugin", binary, signal.SIGSTOP) == 1, 30)
        assert stopped, failure_report(task)
        assert task.wait_until(lambda: failed_checks(task, "finfocus-plugin") >= held, 120), failure_report(task)
        assert task.kill_process("finfocus-plugin", binary, signal.SIGCONT) == 1
        assert task.wait_for_health("HEALTHY", HEALTHY_WITHIN), failure_report(task)
        checks = task.report().container("finfocus-plugin").health_checks
        first_pass = next(index for index, check in enumerate(checks) if check.exit_code == 0)
        assert first_pass >= held, "every check failed while the region was held"
        assert [check.health for check in checks[: first_pass + 1]] == ["UNKNOWN"] * first_pass + ["HEALTHY"]


def test_a_slow_metadata_endpoint_does_not_turn_the_bridge_unhealthy(module_cases, rehearse):
    """The bridge reads the task IP from the metadata endpoint before HAProxy starts; the endpoint can answer late."""
    task_definition = copy.deepcopy(module_cases.task_definition("defaults"))
    bridge = next(c for c in task_definition["containerDefinitions"] if c["name"] == "port-bridge")
    # Enough tries that the bridge outlasts the hold rather than giving up (exit 78) first.
    bridge["environment"] = [{"name": "PORT_BRIDGE_METADATA_ATTEMPTS", "value": "60"}]
    held = bridge["healthCheck"]["retries"]
    with rehearse(task_definition) as task:
        metadata = [IP, "-n", task.network.task_ns, "addr", "{}", f"{METADATA_IP}/32", "dev", "lo"]
        subprocess.run([part.format("del") for part in metadata], check=True)
        assert task.wait_until(lambda: failed_checks(task, "port-bridge") >= held, 60), failure_report(task)
        subprocess.run([part.format("add") for part in metadata], check=True)
        assert task.wait_for_health("HEALTHY", HEALTHY_WITHIN), failure_report(task)
        checks = task.report().container("port-bridge").health_checks
        first_pass = next(index for index, check in enumerate(checks) if check.exit_code == 0)
        assert first_pass >= held
        assert "UNHEALTHY" not in [check.health for check in checks], failure_report(task)
        assert "no answer from the task metadata endpoint" not in "\n".join(task.log("port-bridge"))
