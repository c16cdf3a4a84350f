"""The planned task starts as Fargate runs it: HEALTHY, and every region reachable through the bridge.

Rehearsed for the default (v0.1.8, 10 regions) and for each documented
layout's tag, from the same plan the module makes (tests/module_cases.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rehearsal.conftest import failure_report

pytestmark = pytest.mark.rehearsal

# Start-up here is a few seconds; the first check runs one scaled interval in.
HEALTHY_WITHIN = 30


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
        results = task.network.probe(region_ports.values())
        http = {port: (result["http"], result["http_body"], result["http_region"]) for port, result in results.items()}
        assert http == {port: (200, "ok", region) for region, port in region_ports.items()}
        assert {port: (result["grpc"], result.get("grpc_region")) for port, result in results.items()} == {
            port: ("ok", region) for region, port in region_ports.items()
        }
        # No long-running container runs as root: only volume-init did, and it is done.
        assert report.container("volume-init").state == "STOPPED"
        assert {name: process_uids(task, name) for name in ("finfocus-plugin", "port-bridge")} == {
            "finfocus-plugin": {65532},
            "port-bridge": {99},
        }


def process_uids(task, name: str) -> set[int]:
    uids = set()
    for pid in task.processes(name):
        status = Path(f"/proc/{pid}/status").read_text()
        uids.add(int(status.split("Uid:")[1].split()[0]))
    return uids
