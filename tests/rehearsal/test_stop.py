"""Stopping the task as ECS does: the bridge first, answering for the DNS TTL, each container within its stopTimeout.

ECS deregisters a stopping task from Cloud Map and signals it at once; clients that resolved the
name keep the task's address for up to the record's TTL. ECS stops a container only once the
containers that depend on it have stopped (the API's ContainerDependency: "for container shutdown
it is reversed"), so the port bridge goes first and the plugin only after it. short_timings_two_regions
has a 4 s TTL and a 3 s grace, so that the whole stop takes seconds.
"""

from __future__ import annotations

import json

import pytest

from tests.rehearsal.conftest import HEALTHY_WITHIN, failure_report

pytestmark = pytest.mark.rehearsal

DNS_TTL = 4
ANSWERED = "regions answer /healthz"


def test_the_bridge_answers_for_the_dns_ttl_after_the_stop_signal_then_every_container_exits_in_order(
    module_cases, rehearse
):
    task_definition = module_cases.task_definition("short_timings_two_regions")
    stop_timeouts = {c["name"]: c["stopTimeout"] for c in task_definition["containerDefinitions"] if "stopTimeout" in c}
    regions = module_cases.output("short_timings_two_regions")["region_ports"]
    with rehearse(task_definition, plugin_regions=list(regions)) as task:
        assert task.wait_until(lambda: any(ANSWERED in line for line in task.log("finfocus-plugin")), 60)
        answered = task.elapsed()
        assert task.wait_for_health("HEALTHY", HEALTHY_WITHIN), failure_report(task)
        # A plugin whose check passed outlives the start script's first-pass limit: its
        # (1 + 1) x (5 + 2) = 14 s after every region answered.
        task.wait_until(lambda: task.elapsed() > answered + 14 + 2, 30)
        assert (task.last_status, task.health) == ("RUNNING", "HEALTHY"), failure_report(task)
        task.request_stop()
        assert task.wait_until(lambda: task.report().container("port-bridge").stop_signal_at is not None, 10)
        # A client that still holds the task's address connects after the stop signal and gets its answer.
        during = task.network.probe({"eu-west-1": regions["eu-west-1"], "us-west-1": regions["us-west-1"]})
        answered_at = task.elapsed()
        assert {port: (result["http"], result.get("region")) for port, result in during.items()} == {
            regions["eu-west-1"]: (200, "eu-west-1"),
            regions["us-west-1"]: (200, "us-west-1"),
        }, failure_report(task)
        assert task.wait_until(lambda: task.last_status == "STOPPED", 60), failure_report(task)
        report = task.report()
        bridge, plugin = report.container("port-bridge"), report.container("finfocus-plugin")
        assert answered_at < bridge.stopped_at, "the bridge was still running when the client got its answer"
        assert bridge.stopped_at - bridge.stop_signal_at >= DNS_TTL, "the bridge listened for the whole TTL"
        for container in (bridge, plugin):
            assert not container.killed, f"{container.name} needed SIGKILL"
            assert container.stopped_at - container.stop_signal_at < stop_timeouts[container.name]
            assert container.exit_code == 0, failure_report(task)
        # The plugin got its SIGTERM only once the bridge had exited.
        assert bridge.stopped_at <= plugin.stop_signal_at
        events = [text for _, text in report.events]
        assert events.index("port-bridge: SIGUSR1") < events.index("finfocus-plugin: SIGTERM")
        assert any("Scheduling a soft-stop in 4000 ms" in line for line in task.log("port-bridge"))
        log = task.log("finfocus-plugin")
        forwarded = next(i for i, line in enumerate(log) if "SIGTERM received: SIGTERM to every region" in line)
        # Each region logs this once as it stops (its lines carry no region: the start script adds none).
        logged = [json.loads(line) for line in log[forwarded:] if line.startswith("{")]
        stopped = [line for line in logged if line.get("message") == "received shutdown signal"]
        assert len(stopped) == len(regions), "every region got SIGTERM from the start script"
        assert log[-1] == "finfocus-start: every process stopped"
        # Once the task has stopped, nothing listens on its address.
        after = task.network.probe({"eu-west-1": regions["eu-west-1"]}, with_grpc=False)
        assert after[regions["eu-west-1"]]["http"] == "refused"
