"""CKV_FINFOCUS_4: egress is TCP 443, plus DNS (TCP/UDP 53) to named servers only.

CKV_AWS_382 passes an `aws_vpc_security_group_egress_rule` with protocol -1
to 0.0.0.0/0; this check reads every egress form. Port 53 is allowed because
a VPC whose DHCP options name DNS servers of its own needs it (the module's
`dns_egress_cidr_blocks`), but only to those servers: DNS to 0.0.0.0/0 or
::/0 is a channel out of the VPC and fails.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

WORLD = {"0.0.0.0/0", "::/0"}


def first(conf: dict[str, Any], key: str) -> Any:
    value = conf.get(key)
    return value[0] if isinstance(value, list) and value else value


def all_values(conf: dict[str, Any], *keys: str) -> list[str]:
    """Every destination named under the keys, flattened: checkov wraps values in lists, sometimes twice."""
    found: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                collect(item)
        elif value is not None:
            found.append(str(value))

    for key in keys:
        collect(conf.get(key))
    return found


def https(from_port: Any, to_port: Any, protocol: Any) -> bool:
    return str(protocol).lower() in {"tcp", "6"} and str(from_port) == "443" and str(to_port) == "443"


def dns_to_named_servers(from_port: Any, to_port: Any, protocol: Any, destinations: list[str]) -> bool:
    """Port 53 over TCP or UDP, to destinations that are not the whole internet.

    A destination Terraform has not resolved yet (an expression, in a scan of
    the source) is not the world; a plan scan sees the real value.
    """
    return (
        str(protocol).lower() in {"tcp", "6", "udp", "17"}
        and str(from_port) == "53"
        and str(to_port) == "53"
        and not WORLD.intersection(destinations)
    )


def allowed(from_port: Any, to_port: Any, protocol: Any, destinations: list[str]) -> bool:
    return https(from_port, to_port, protocol) or dns_to_named_servers(from_port, to_port, protocol, destinations)


class HttpsOnlyEgress(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="FinFocus: security group egress allows TCP 443, and DNS (53) only to named DNS servers",
            id="CKV_FINFOCUS_4",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_vpc_security_group_egress_rule", "aws_security_group_rule", "aws_security_group"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == "aws_vpc_security_group_egress_rule":
            rules = [
                (
                    first(conf, "from_port"),
                    first(conf, "to_port"),
                    first(conf, "ip_protocol"),
                    all_values(conf, "cidr_ipv4", "cidr_ipv6"),
                )
            ]
        elif self.entity_type == "aws_security_group_rule":
            if first(conf, "type") != "egress":
                return CheckResult.PASSED
            rules = [
                (
                    first(conf, "from_port"),
                    first(conf, "to_port"),
                    first(conf, "protocol"),
                    all_values(conf, "cidr_blocks", "ipv6_cidr_blocks"),
                )
            ]
        else:
            rules = [
                (
                    first(block, "from_port"),
                    first(block, "to_port"),
                    first(block, "protocol"),
                    all_values(block, "cidr_blocks", "ipv6_cidr_blocks"),
                )
                for block in conf.get("egress", []) or []
                if isinstance(block, dict)
            ]
        if all(allowed(*rule) for rule in rules):
            return CheckResult.PASSED
        return CheckResult.FAILED


check = HttpsOnlyEgress()
