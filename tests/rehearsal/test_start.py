"""The planned task starts as Fargate runs it: HEALTHY, and every region reachable through the bridge.

Rehearsed for the default (v0.1.8, 10 regions) and for each documented
layout's tag, from the same plan the module makes (tests/module_cases.py).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from finfocus_ecs.rehearsal.region_service import price_table
from tests.rehearsal.conftest import HEALTHY_WITHIN, failure_report

pytestmark = pytest.mark.rehearsal

# The release each call's image tag names: its binaries report it in GetPluginInfo.
RELEASES = {"defaults": "0.1.8", "twelve_regions": "0.1.2", "nine_regions": "0.1.3"}


@pytest.mark.parametrize("call", ["defaults", "twelve_regions", "nine_regions"])
def test_task_turns_healthy_and_every_region_answers_through_the_bridge(module_cases, rehearse, call):
    task_definition = module_cases.task_definition(call)
    region_ports = module_cases.output(call)["region_ports"]
    with rehearse(task_definition) as task:
        assert task.wait_for_health("HEALTHY", HEALTHY_WITHIN), failure_report(task)
        report = task.report()
        assert report.container("volume-init").exit_code == 0
        assert {container.name: container.health for container in report.containers} == {
            "volume-init": "UNKNOWN",
            "finfocus-plugin": "HEALTHY",
            "port-bridge": "HEALTHY",
        }
        results = task.network.probe(region_ports)
        http = {port: (result["http"], result["http_body"], result["region"]) for port, result in results.items()}
        assert http == {port: (200, "ok", region) for region, port in region_ports.items()}
        assert {port: result["grpc"] for port, result in results.items()} == dict.fromkeys(region_ports.values(), "ok")
        # One EC2 t3.micro per port over Connect JSON on HTTP/1.1, Connect on h2c and gRPC: the
        # stand-in's hourly price for the port's own region x 730 hours, the same over each.
        hourly = price_table()["ec2"]["prices"]
        assert {port: result["prices"] for port, result in results.items()} == {
            port: dict.fromkeys(("connect", "connect-h2c", "grpc"), hourly[region]["t3.micro"] * 730)
            for region, port in region_ports.items()
        }
        assert {result["version"] for result in results.values()} == {RELEASES[call]}
        # No long-running container runs as root: only volume-init did, and it is done.
        assert report.container("volume-init").state == "STOPPED"
        assert {name: process_uids(task, name) for name in ("finfocus-plugin", "port-bridge")} == {
            "finfocus-plugin": {65532},
            "port-bridge": {99},
        }


def process_uids(task, name: str) -> set[int]:
    """The users of the container's own processes: its PID 1 and what descends from it.

    A health check joins the container's PID namespace from outside (nsenter), and is root for a
    moment before it takes the container's user: that is ECS's exec, not the container's process.
    """
    container_pid = task.containers[name].pid
    uids = set()
    for pid in task.processes(name):
        # The start script's `sleep 1` and a health check's curl come and go between listing and reading.
        with contextlib.suppress(FileNotFoundError):
            if container_pid in ancestry(pid):
                status = Path(f"/proc/{pid}/status").read_text()
                uids.add(int(status.split("Uid:")[1].split()[0]))
    return uids


def ancestry(pid: int) -> list[int]:
    """pid and its parents, up to the host's PID 1."""
    chain = [pid]
    while chain[-1] > 1:
        chain.append(int(Path(f"/proc/{chain[-1]}/stat").read_text().rsplit(")", 1)[1].split()[1]))
    return chain
