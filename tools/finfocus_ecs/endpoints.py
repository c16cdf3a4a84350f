"""Region, port and endpoint rows, from an `endpoints` output: the deployed quick start's or the planned module's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    region: str
    port: int
    endpoint: str


def endpoint_rows(endpoints: Mapping[str, str]) -> list[Endpoint]:
    """One row per region of an `endpoints` output (region => host:port), in port order."""
    rows = [Endpoint(region, int(endpoint.rsplit(":", 1)[1]), endpoint) for region, endpoint in endpoints.items()]
    return sorted(rows, key=lambda row: row.port)
