"""CKV_FINFOCUS_3: Cloud Map publishes A records only.

An SRV record carries one port, so it would bind clients to one region; an A
record resolves to the task IP, on which every regional port answers.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class CloudMapARecords(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="FinFocus: the Cloud Map service publishes A records (SRV binds clients to one port)",
            id="CKV_FINFOCUS_3",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_service_discovery_service"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        types = []
        for dns_config in conf.get("dns_config", []) or []:
            if not isinstance(dns_config, dict):
                continue
            for record in dns_config.get("dns_records", []) or []:
                if isinstance(record, dict):
                    value = record.get("type", [None])
                    types.append(value[0] if isinstance(value, list) else value)
        if not types or any(kind != "A" for kind in types):
            return CheckResult.FAILED
        return CheckResult.PASSED


check = CloudMapARecords()
