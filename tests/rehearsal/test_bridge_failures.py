"""A dead or hung HAProxy shows as ECS would show it: a stopped task, or a failing bridge health check."""

from __future__ import annotations

import signal

import pytest

from tests.rehearsal.conftest import HEALTHY_WITHIN, failure_report, healths_since_last_pass

pytestmark = pytest.mark.rehearsal


def test_dead_haproxy_stops_the_task(module_cases, rehearse):
    with rehearse(module_cases.task_definition("defaults")) as task:
        assert task.wait_for_health("HEALTHY", HEALTHY_WITHIN), failure_report(task)
        assert task.kill_process("port-bridge", "haproxy") >= 1
        assert task.wait_until(lambda: task.last_status == "STOPPED", 60), failure_report(task)
        report = task.report()
        assert report.stopped_reason.startswith("Essential container in task exited: port-bridge")
        assert report.container("port-bridge").exit_code == 137, "SIGKILL, as ECS reports it: 128 + 9"


def test_hung_haproxy_fails_the_bridge_health_check(module_cases, rehearse):
    """A stopped (SIGSTOP) HAProxy keeps its process and its listening sockets: only an answer proves it works."""
    task_definition = module_cases.task_definition("defaults")
    check = next(c for c in task_definition["containerDefinitions"] if c["name"] == "port-bridge")["healthCheck"]
    with rehearse(task_definition) as task:
        assert task.wait_for_health("HEALTHY", HEALTHY_WITHIN), failure_report(task)
        assert task.kill_process("port-bridge", "haproxy", signal.SIGSTOP) >= 1
        assert task.wait_for_health("UNHEALTHY", 60), failure_report(task)
        bridge = task.report().container("port-bridge")
        assert (bridge.state, bridge.health) == ("RUNNING", "UNHEALTHY")
        # ECS: UNHEALTHY after `retries` consecutive failures, a timeout being one, not before.
        failing = healths_since_last_pass(bridge)
        assert failing[: check["retries"]] == ["HEALTHY"] * (check["retries"] - 1) + ["UNHEALTHY"], failure_report(task)
        timed_out = [c.exit_code for c in bridge.health_checks[-len(failing) :]]
        assert timed_out == [None] * len(failing) and "timed out" in bridge.last_health_output
        task.kill_process("port-bridge", "haproxy", signal.SIGCONT)
