"""Watching the Cloud Map name while an apply runs: how many task addresses each service's name answers with.

The emulator registers one Cloud Map instance per desired task of an ECS
service and deregisters them as the service scales in or is deleted
(emulator_server.register_service_tasks), as ECS does; a thread lists each
watched Cloud Map service's instances over and over during the apply. What
it cannot show: on AWS a task registers once RUNNING and its start takes
minutes, where here it is at once; so a gap here is an order of calls, and
on AWS the same order is a gap as long as a task's start.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType

from finfocus_ecs.emulator import Emulator


class CloudMapWatch:
    """A context manager: the fewest instances each watched Cloud Map service had, and how often it had none."""

    def __init__(self, emulator: Emulator, services: Mapping[str, str]) -> None:
        """services: a label (the module call) => the Cloud Map service's ARN."""
        self._client = emulator.client("servicediscovery")
        self._ids = {label: arn.rsplit("/", 1)[-1] for label, arn in services.items()}
        self._fewest: dict[str, int] = {}
        self._empty_reads: dict[str, int] = dict.fromkeys(self._ids, 0)
        self._reads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> CloudMapWatch:
        self._read_all()  # before the apply: a watch that started late would miss the first state
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._read_all()

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            self._read_all()

    def _read_all(self) -> None:
        for label, service_id in self._ids.items():
            count = len(self._client.list_instances(ServiceId=service_id)["Instances"])
            self._fewest[label] = min(count, self._fewest.get(label, count))
            if count == 0:
                self._empty_reads[label] += 1
        self._reads += 1

    def darkest(self, label: str) -> int:
        """The fewest task addresses the label's name answered with during the watch (0: no address at all)."""
        return self._fewest[label]

    @property
    def reads(self) -> int:
        """How many times every service was read: a watch that read too little proves nothing."""
        return self._reads


def active_services(emulator: Emulator, cluster: str, region: str = "us-east-1") -> list[str]:
    """Names of the cluster's ACTIVE ECS services (DescribeServices takes ten at a time)."""
    ecs = emulator.client("ecs", region)
    arns = [arn for page in ecs.get_paginator("list_services").paginate(cluster=cluster) for arn in page["serviceArns"]]
    services = [
        service
        for start in range(0, len(arns), 10)
        for service in ecs.describe_services(cluster=cluster, services=arns[start : start + 10])["services"]
    ]
    return sorted(service["serviceName"] for service in services if service["status"] == "ACTIVE")
