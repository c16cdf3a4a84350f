"""CKV_FINFOCUS_6: no container in a task definition runs privileged.

CKV_AWS_334 reads the wrong key, so `privileged = true` passes it.
"""

from __future__ import annotations

import json
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def containers(value: Any) -> list[dict[str, Any]]:
    """container_definitions as a list of dicts, from a JSON string or parsed HCL."""
    if isinstance(value, list) and len(value) == 1 and not isinstance(value[0], dict):
        value = value[0]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, dict):
        value = [value]
    return [item for item in value or [] if isinstance(item, dict)]


class NoPrivilegedContainers(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="FinFocus: no container in the task definition runs privileged",
            id="CKV_FINFOCUS_6",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["aws_ecs_task_definition"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        for container in containers(conf.get("container_definitions")):
            flag = container.get("privileged")
            if flag is True or str(flag).lower() == "true":
                return CheckResult.FAILED
        return CheckResult.PASSED


check = NoPrivilegedContainers()
