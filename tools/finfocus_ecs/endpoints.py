"""Region, port and endpoint rows, from the module's `endpoints` output."""

from __future__ import annotations

from dataclasses import dataclass

from finfocus_ecs.evaluate import PlannedModule


@dataclass(frozen=True)
class Endpoint:
    region: str
    port: int
    endpoint: str


def endpoint_rows(planned: PlannedModule) -> list[Endpoint]:
    """One row per region, in port order."""
    rows = [
        Endpoint(region, int(endpoint.rsplit(":", 1)[1]), endpoint)
        for region, endpoint in planned.outputs["endpoints"].items()
    ]
    return sorted(rows, key=lambda row: row.port)
