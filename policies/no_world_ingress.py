"""CKV_FINFOCUS_1: no ingress to a plugin port from the whole internet."""

from __future__ import annotations

import os
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

WORLD = {"0.0.0.0/0", "::/0"}


def plugin_port_ranges() -> list[tuple[int, int]]:
    """Ranges from FINFOCUS_PLUGIN_PORTS ("8001-8012,9090"); every port when unset."""
    spec = os.environ.get("FINFOCUS_PLUGIN_PORTS", "").strip()
    if not spec:
        return [(0, 65535)]
    ranges = []
    for part in spec.split(","):
        low, _, high = part.strip().partition("-")
        ranges.append((int(low), int(high or low)))
    return ranges


def first(conf: dict[str, Any], key: str) -> Any:
    value = conf.get(key)
    return value[0] if isinstance(value, list) and value else value


def as_port(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def opens_plugin_port(from_port: Any, to_port: Any, protocol: Any) -> bool:
    """Unknown ports count as open: the check must not pass what it cannot read."""
    if str(protocol) in {"-1", "all"}:
        return True
    low, high = as_port(from_port), as_port(to_port)
    if low is None or high is None:
        return True
    return any(low <= end and high >= start for start, end in plugin_port_ranges())


def world_sources(values: Any) -> bool:
    items = values if isinstance(values, list) else [values]
    flat = [item for entry in items for item in (entry if isinstance(entry, list) else [entry])]
    return any(str(item) in WORLD for item in flat)


class NoWorldIngressToPluginPorts(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="FinFocus: no ingress to the plugin's regional or metrics ports from 0.0.0.0/0 or ::/0",
            id="CKV_FINFOCUS_1",
            categories=[CheckCategories.NETWORKING],
            supported_resources=[
                "aws_vpc_security_group_ingress_rule",
                "aws_security_group_rule",
                "aws_security_group",
            ],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == "aws_vpc_security_group_ingress_rule":
            rules = [
                (
                    first(conf, "from_port"),
                    first(conf, "to_port"),
                    first(conf, "ip_protocol"),
                    [first(conf, "cidr_ipv4"), first(conf, "cidr_ipv6")],
                )
            ]
        elif self.entity_type == "aws_security_group_rule":
            if first(conf, "type") != "ingress":
                return CheckResult.PASSED
            rules = [
                (
                    first(conf, "from_port"),
                    first(conf, "to_port"),
                    first(conf, "protocol"),
                    [first(conf, "cidr_blocks"), first(conf, "ipv6_cidr_blocks")],
                )
            ]
        else:
            rules = [
                (
                    first(block, "from_port"),
                    first(block, "to_port"),
                    first(block, "protocol"),
                    [first(block, "cidr_blocks"), first(block, "ipv6_cidr_blocks")],
                )
                for block in conf.get("ingress", []) or []
                if isinstance(block, dict)
            ]
        for from_port, to_port, protocol, sources in rules:
            if world_sources(sources) and opens_plugin_port(from_port, to_port, protocol):
                return CheckResult.FAILED
        return CheckResult.PASSED


check = NoWorldIngressToPluginPorts()
