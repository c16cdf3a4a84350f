"""CKV_FINFOCUS_2: the ECS service registers in Cloud Map and has no public IP."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class EcsServicePrivateDiscovery(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="FinFocus: the ECS service registers in Cloud Map (service_registries) and assigns no public IP",
            id="CKV_FINFOCUS_2",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_ecs_service"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        registries = [entry for entry in conf.get("service_registries", []) or [] if entry]
        if not registries:
            return CheckResult.FAILED
        for network in conf.get("network_configuration", []) or []:
            if not isinstance(network, dict):
                continue
            public = network.get("assign_public_ip", [False])
            public = public[0] if isinstance(public, list) and public else public
            if public is True or str(public).lower() == "true":
                return CheckResult.FAILED
        return CheckResult.PASSED


check = EcsServicePrivateDiscovery()
