"""One price from every region of a deployment, side by side.

Each region's process answers only for its own region, on its own port, so
the same resource is sent to every port at once, each copy naming that
port's region. A region that fails does not hold the others: each call has
its own connection and deadline.

The plugin's $0 answers are not prices: an unknown SKU, a service without
data in the region and a type it does not price come back as HTTP 200 with
a cost of 0 and a billing detail that says so. They become failed rows
here, as a refused or mis-mapped port does. A type that costs nothing (a
VPC, a subnet) is a real $0 and stays a price.

A port whose plugin runs with web mode off serves gRPC only: a Connect or
gRPC-Web call there fails in the transport, saying nothing of why. When
such a call fails and the port answers GetPluginInfo over gRPC, the row
says so: "web mode off: use --protocol grpc".
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from finfocus_ecs.plugin_api import PluginClient, PluginError, Protocol, resolve, resource
from finfocus_ecs.plugin_api.facts import NOT_IN_PRICING_DATA, NOT_SUPPORTED, PRICING_UNAVAILABLE, REGION_KEY, unit_of


@dataclass
class RegionPrice:
    """The answer of one region's port: a price, or why there is none."""

    region: str
    port: int
    unit_price: float | None = None
    unit: str | None = None
    currency: str | None = None
    cost_per_month: float | None = None
    # What the month is made of, when the release says (SDK v0.7.0 and later; the keys are the plugin's).
    cost_breakdown: dict[str, float] | None = None
    billing_detail: str = ""
    error: PluginError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        error = None
        if self.error is not None:
            error = {
                "kind": self.error.kind,
                "code": self.error.code,
                "message": self.error.message,
                "cause": self.error.cause,
            }
        return {
            "region": self.region,
            "port": self.port,
            "unit_price": self.unit_price,
            "unit": self.unit,
            "currency": self.currency,
            "cost_per_month": self.cost_per_month,
            "cost_breakdown": self.cost_breakdown,
            "billing_detail": self.billing_detail,
            "error": error,
        }


def _zero_answer(billing_detail: str) -> PluginError | None:
    """The failure a $0 answer stands for, read from its billing detail; None for a real price."""
    if billing_detail.endswith(NOT_IN_PRICING_DATA):
        return PluginError("unknown-sku", "OK", billing_detail, "OK")
    if PRICING_UNAVAILABLE in billing_detail:
        return PluginError("no-pricing-data", "OK", billing_detail, "OK")
    if billing_detail.endswith(NOT_SUPPORTED):
        return PluginError("unsupported-type", "OK", billing_detail, "OK")
    return None


# Failures of a call that never got an HTTP answer: what a Connect or gRPC-Web client sees of a gRPC-only port.
TRANSPORT_FAILURES = ("closed", "http1", "error")
WEB_MODE_OFF = "web mode off: use --protocol grpc"


def _answers_grpc(address: str, port: int, timeout: float) -> bool:
    """True if the port answers GetPluginInfo over gRPC."""
    try:
        with PluginClient(address, port, "grpc", timeout) as client:
            client.plugin_info()
    except PluginError:
        return False
    return True


def _served_region(client: PluginClient) -> str:
    """The region a port really serves (GetPluginInfo), or "" when it does not say."""
    try:
        return client.plugin_info().metadata.get(REGION_KEY, "")
    except PluginError:
        return ""


def price_region(
    address: str,
    region: str,
    port: int,
    resource_type: str,
    sku: str,
    tags: dict[str, str],
    protocol: Protocol,
    timeout: float,
) -> RegionPrice:
    """GetProjectedCost for the resource in region, on region's port."""
    started = time.perf_counter()
    row = RegionPrice(region, port)
    with PluginClient(address, port, protocol, timeout) as client:
        try:
            answer = client.projected_cost(resource(resource_type, sku, region, tags))
        except PluginError as error:
            if error.kind == "wrong-region":
                served = _served_region(client)
                error.message = f"port {port} serves {served or 'another region'}, not {region}"
            elif protocol != "grpc" and error.kind in TRANSPORT_FAILURES and _answers_grpc(address, port, timeout):
                error = PluginError("web-off", error.code, WEB_MODE_OFF, error.wire_code)
            row.error = error
        else:
            row.billing_detail = answer.billing_detail
            row.error = _zero_answer(answer.billing_detail) if answer.cost_per_month == 0 else None
            if row.error is None:
                row.unit_price = answer.unit_price
                row.unit = unit_of(resource_type)
                row.currency = answer.currency
                row.cost_per_month = answer.cost_per_month
                row.cost_breakdown = dict(answer.cost_breakdown) or None
    row.seconds = time.perf_counter() - started
    return row


def price(
    host: str,
    region_ports: dict[str, int],
    resource_type: str,
    sku: str,
    tags: dict[str, str] | None = None,
    protocol: Protocol = "connect",
    timeout: float = 3.0,
) -> list[RegionPrice]:
    """Every region's price for one resource, cheapest first, then the failures in port order."""
    addresses = resolve(host)
    if not addresses:
        failed = PluginError("dns", "UNAVAILABLE", f"{host} does not resolve", "UNAVAILABLE")
        return [RegionPrice(region, port, error=failed) for region, port in sorted(region_ports.items(), key=_port)]
    with ThreadPoolExecutor(max_workers=len(region_ports) or 1) as pool:
        rows = list(
            pool.map(
                lambda item: price_region(addresses[0], *item, resource_type, sku, tags or {}, protocol, timeout),
                region_ports.items(),
            )
        )
    priced = sorted((row for row in rows if row.ok), key=lambda row: (row.cost_per_month, row.port))
    failed = sorted((row for row in rows if not row.ok), key=lambda row: row.port)
    return priced + failed


def _port(item: tuple[str, int]) -> int:
    return item[1]
