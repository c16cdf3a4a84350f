"""What a Cloud Map name answered with while an apply ran: how many task addresses, at every change.

The emulator registers one Cloud Map instance per desired task of an ECS
service and deregisters them as the service scales in or is deleted
(emulator_server.register_service_tasks), as ECS does, and records every
change of a service's instance count in order (CLOUD_MAP_HISTORY). A watch
reads that record, so no moment is missed between samples. What it cannot
show: on AWS a task registers once RUNNING and its start takes minutes,
where here it is at once; so a moment without an address here is an order
of calls, and on AWS the same order leaves the name dark for a task's start.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

from finfocus_ecs.emulator import Emulator


class CloudMapWatch:
    """A context manager: the fewest addresses each watched Cloud Map service had while it was open."""

    def __init__(self, emulator: Emulator, services: Mapping[str, str]) -> None:
        """services: a label (the module call) => the Cloud Map service's ARN."""
        self._emulator = emulator
        self._ids = {label: arn.rsplit("/", 1)[-1] for label, arn in services.items()}
        self._client = emulator.client("servicediscovery")
        self._at_start: dict[str, int] = {}
        self._changes: list[tuple[int, str, int]] = []

    def __enter__(self) -> CloudMapWatch:
        self._from = len(self._emulator.cloud_map_history())
        self._at_start = {
            label: len(self._client.list_instances(ServiceId=service_id)["Instances"])
            for label, service_id in self._ids.items()
        }
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._changes = self._emulator.cloud_map_history()[self._from :]

    def counts(self, label: str) -> list[int]:
        """The label's address count when the watch began, then after each change, in order."""
        service_id = self._ids[label]
        return [self._at_start[label], *(count for _, changed, count in self._changes if changed == service_id)]

    def darkest(self, label: str) -> int:
        """The fewest task addresses the label's name answered with during the watch (0: no address at all)."""
        return min(self.counts(label))


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
