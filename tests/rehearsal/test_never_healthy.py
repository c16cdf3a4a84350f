"""A plugin that never turns HEALTHY ends its task, so that ECS replaces it instead of leaving it PENDING.

The port bridge waits for the plugin to be HEALTHY. ECS waits as long as it takes (an UNHEALTHY
dependency is not final to its agent, Fargate's startTimeout is at most 120 s and the circuit
breaker sees no failure: containers-roadmap#2379), so the task would sit in PENDING. The start
script ends the container instead: at once when a region dies before the first passing check, or
when no check has passed some time after every region answered.

Here the plugin's planned health check is held closed (it runs, but cannot pass), which stands for
the moments between the start script's last region answering and the first check that passes.
"""

from __future__ import annotations

import copy

import pytest

from tests.rehearsal.conftest import failure_report

pytestmark = pytest.mark.rehearsal

ANSWERED = "regions answer /healthz"


def with_check_held_closed(task_definition: dict) -> dict:
    changed = copy.deepcopy(task_definition)
    plugin = next(c for c in changed["containerDefinitions"] if c["name"] == "finfocus-plugin")
    kind, line = plugin["healthCheck"]["command"]
    plugin["healthCheck"]["command"] = [kind, f"test -e /tmp/open-the-health-check && {{ {line}; }}"]
    return changed


def assert_ended_by_the_plugin(task, why: str) -> None:
    report = task.report()
    plugin, bridge = report.container("finfocus-plugin"), report.container("port-bridge")
    assert report.stopped_reason == "Essential container in task exited: finfocus-plugin (exit code 1)"
    assert plugin.exit_code == 1 and why in plugin.reason, failure_report(task)
    assert (bridge.started_at, bridge.reason) == (None, "never started: the task stopped first")
    assert "every process stopped" in task.log("finfocus-plugin")[-1], "the regions were stopped first"


def test_a_region_that_dies_before_the_first_passing_check_ends_the_task(module_cases, rehearse):
    two_regions = module_cases.output("short_timings_two_regions")["region_ports"]
    task_definition = with_check_held_closed(module_cases.task_definition("short_timings_two_regions"))
    with rehearse(task_definition, plugin_regions=list(two_regions)) as task:
        answered = task.wait_until(lambda: any(ANSWERED in line for line in task.log("finfocus-plugin")), 60)
        assert answered, failure_report(task)
        assert task.kill_process("finfocus-plugin", "finfocus-plugin-aws-public-eu-west-1") == 1
        assert task.wait_until(lambda: task.last_status == "STOPPED", 60), failure_report(task)
        assert_ended_by_the_plugin(task, "region eu-west-1 (port 8003) exited before the first passing health check")
        assert "HEALTHY" not in {check.health for check in task.report().container("finfocus-plugin").health_checks}


def test_a_plugin_with_no_passing_check_ends_the_task_instead_of_leaving_it_pending(module_cases, rehearse):
    """Interval 5 s, timeout 2 s, retries 1, so the start script gives up 2 x 7 = 14 s after."""
    two_regions = module_cases.output("short_timings_two_regions")["region_ports"]
    task_definition = with_check_held_closed(module_cases.task_definition("short_timings_two_regions"))
    with rehearse(task_definition, plugin_regions=list(two_regions)) as task:
        answered = task.wait_until(lambda: any(ANSWERED in line for line in task.log("finfocus-plugin")), 60)
        assert answered, failure_report(task)
        # What ECS would keep: the bridge waiting for HEALTHY, the task PENDING.
        assert (task.last_status, task.report().container("port-bridge").state) == ("PENDING", "PENDING")
        assert task.wait_until(lambda: task.last_status == "STOPPED", 60), failure_report(task)
        assert_ended_by_the_plugin(task, "no health check passed within 14s of every region answering")
        checks = task.report().container("finfocus-plugin").health_checks
        assert checks and all(check.exit_code != 0 for check in checks)
