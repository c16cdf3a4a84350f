"""CKV_FINFOCUS_4: egress is TCP 443 only.

CKV_AWS_382 passes an `aws_vpc_security_group_egress_rule` with protocol -1
to 0.0.0.0/0; this check reads every egress form.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def first(conf: dict[str, Any], key: str) -> Any:
    value = conf.get(key)
    return value[0] if isinstance(value, list) and value else value


def https_only(from_port: Any, to_port: Any, protocol: Any) -> bool:
    return str(protocol).lower() in {"tcp", "6"} and str(from_port) == "443" and str(to_port) == "443"


class HttpsOnlyEgress(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="FinFocus: security group egress allows TCP 443 only",
            id="CKV_FINFOCUS_4",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_vpc_security_group_egress_rule", "aws_security_group_rule", "aws_security_group"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == "aws_vpc_security_group_egress_rule":
            rules = [(first(conf, "from_port"), first(conf, "to_port"), first(conf, "ip_protocol"))]
        elif self.entity_type == "aws_security_group_rule":
            if first(conf, "type") != "egress":
                return CheckResult.PASSED
            rules = [(first(conf, "from_port"), first(conf, "to_port"), first(conf, "protocol"))]
        else:
            rules = [
                (first(block, "from_port"), first(block, "to_port"), first(block, "protocol"))
                for block in conf.get("egress", []) or []
                if isinstance(block, dict)
            ]
        if all(https_only(*rule) for rule in rules):
            return CheckResult.PASSED
        return CheckResult.FAILED


check = HttpsOnlyEgress()
