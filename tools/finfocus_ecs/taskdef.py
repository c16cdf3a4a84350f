"""The task definition as `aws ecs register-task-definition --cli-input-json` takes it."""

from __future__ import annotations

import json
from typing import Any

from finfocus_ecs.evaluate import PlannedModule

# A stand-in for when the user gives no role: the role ECS's console creates
# under this name. register-task-definition fails clearly if it is missing.
PLACEHOLDER_EXECUTION_ROLE_ARN = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"


def render_task_definition(planned: PlannedModule) -> dict[str, Any]:
    """RegisterTaskDefinition input, from the planned aws_ecs_task_definition."""
    task = planned.resource("aws_ecs_task_definition.this")
    platform = task["runtime_platform"][0]
    rendered: dict[str, Any] = {
        "family": task["family"],
        "networkMode": task["network_mode"],
        "requiresCompatibilities": task["requires_compatibilities"],
        "cpu": task["cpu"],
        "memory": task["memory"],
        "runtimePlatform": {
            "cpuArchitecture": platform["cpu_architecture"],
            "operatingSystemFamily": platform["operating_system_family"],
        },
        "executionRoleArn": task["execution_role_arn"],
        "containerDefinitions": json.loads(task["container_definitions"]),
        "volumes": [{"name": volume["name"]} for volume in task["volume"]],
    }
    if task.get("task_role_arn"):
        rendered["taskRoleArn"] = task["task_role_arn"]
    return rendered
