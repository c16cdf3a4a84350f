"""A failing region or image shows as ECS would show it: an UNHEALTHY task, or a stopped one that names the region."""

from __future__ import annotations

import json
import sys

import pytest

from finfocus_ecs.rehearsal.network import TASK_IP
from tests.netns.harness import STANDIN
from tests.rehearsal.conftest import HEALTHY_WITHIN, failure_report, healths_since_last_pass

pytestmark = pytest.mark.rehearsal


def test_a_dead_region_turns_the_task_unhealthy_at_the_retries_th_failed_check(module_cases, rehearse):
    task_definition = module_cases.task_definition("defaults")
    check = next(c for c in task_definition["containerDefinitions"] if c["name"] == "finfocus-plugin")["healthCheck"]
    with rehearse(task_definition) as task:
        assert task.wait_for_health("HEALTHY", HEALTHY_WITHIN), failure_report(task)
        assert task.kill_process("finfocus-plugin", "finfocus-plugin-aws-public-eu-west-1") == 1
        assert task.wait_for_health("UNHEALTHY", 60), failure_report(task)
        # ECS: UNHEALTHY after `retries` consecutive failures, not before.
        plugin = task.report().container("finfocus-plugin")
        failing = healths_since_last_pass(plugin)
        assert failing[: check["retries"]] == ["HEALTHY"] * (check["retries"] - 1) + ["UNHEALTHY"], failure_report(task)
        assert plugin.state == "RUNNING", "the health check, not the start script, reports a dead region"
        assert plugin.last_health_output.endswith("region eu-west-1 (port 8003) does not answer /healthz")
        assert "finfocus-start: eu-west-1 (port 8003) exited: the health check fails until ECS replaces the task" in (
            task.log("finfocus-plugin")
        ), "the start script logs the death once"
        neighbours = task.network.probe({"us-west-2": 8002, "eu-west-1": 8003, "ap-southeast-1": 8004}, with_grpc=False)
        answering = {port: result["http"] == 200 for port, result in neighbours.items()}
        assert answering == {8002: True, 8003: False, 8004: True}
        # Through the bridge, a client's call to the dead region fails inside a 1 s deadline, and can fail over.
        dead = task.network.on_client([sys.executable, str(STANDIN), "dead-call", TASK_IP, "8003", "1", "1"])
        calls = json.loads(dead.stdout)
        assert (calls["grpc"][0]["ended"], calls["http"][0]["ended"]) in {
            ("UNAVAILABLE", "RemoteDisconnected"),
            ("UNAVAILABLE", "ConnectionResetError"),
        }, dead.stderr


def test_an_image_without_a_regions_binary_fails_the_start_naming_the_region(module_cases, rehearse):
    task_definition = module_cases.task_definition("defaults")
    regions = [region for region in module_cases.output("defaults")["region_ports"] if region != "ap-south-1"]
    with rehearse(task_definition, plugin_regions=regions) as task:
        assert task.wait_until(lambda: task.last_status == "STOPPED", 30), failure_report(task)
        report = task.report()
        plugin = report.container("finfocus-plugin")
        assert plugin.exit_code == 1
        assert "no binary for region(s) ap-south-1" in plugin.reason
        assert report.stopped_reason == "Essential container in task exited: finfocus-plugin (exit code 1)"
        assert report.health != "HEALTHY"
        assert task.network.wait_for_listeners({8001}, TASK_IP, timeout=0.1) == set()
