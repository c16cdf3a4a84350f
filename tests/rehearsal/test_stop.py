"""Stopping the task as ECS does: the bridge first (it depends on the plugin), each within its stopTimeout."""

from __future__ import annotations

import json

import pytest

from tests.rehearsal.conftest import HEALTHY_WITHIN, failure_report

pytestmark = pytest.mark.rehearsal


def test_every_container_exits_within_its_stop_timeout_and_regions_get_sigterm(module_cases, rehearse):
    task_definition = module_cases.task_definition("defaults")
    stop_timeouts = {c["name"]: c.get("stopTimeout", 30) for c in task_definition["containerDefinitions"]}
    regions = module_cases.output("defaults")["region_ports"]
    with rehearse(task_definition) as task:
        assert task.wait_for_health("HEALTHY", HEALTHY_WITHIN), failure_report(task)
        report = task.stop()
        assert report.last_status == "STOPPED", failure_report(task)
        bridge, plugin = report.container("port-bridge"), report.container("finfocus-plugin")
        for container in (bridge, plugin):
            assert not container.killed, f"{container.name} needed SIGKILL"
            assert container.stopped_at - container.stop_signal_at < stop_timeouts[container.name]
            assert container.exit_code == 0, failure_report(task)
        # ECS reverses start-up dependencies on shutdown: the bridge goes first.
        assert bridge.stopped_at <= plugin.stop_signal_at
        events = [text for _, text in report.events]
        assert "port-bridge: SIGUSR1" in events and "finfocus-plugin: SIGTERM" in events
        log = task.log("finfocus-plugin")
        forwarded = next(i for i, line in enumerate(log) if "SIGTERM received: SIGTERM to every region" in line)
        # Each region logs this once as it stops (its lines carry no region: the start script adds none).
        logged = [json.loads(line) for line in log[forwarded:] if line.startswith("{")]
        stopped = [line for line in logged if line.get("message") == "received shutdown signal"]
        assert len(stopped) == len(regions), "every region got SIGTERM from the start script"
        assert log[-1] == "finfocus-start: every process stopped"
