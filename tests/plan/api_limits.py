"""How many items AWS's own API model lets each module input put into the list or map it flows into.

The numbers are read from botocore's service models: a member's `max`, or
else the limit its documentation states ("There's a limit of 16 subnets").
Nothing here copies a number from the AWS docs. A module input that flows
into one of these lists and is not validated against the model's size passes
`terraform plan` and fails halfway through an apply.
"""

from __future__ import annotations

import re
from functools import cache

import botocore.session

# Module input => how many items the module adds to the same list or map, and the API members it
# flows into (service, operation, path of member names; "member" steps into a list's items).
INPUT_COLLECTIONS: dict[str, tuple[int, tuple[tuple[str, str, tuple[str, ...]], ...]]] = {
    "alarm_actions": (
        0,
        (
            ("cloudwatch", "PutMetricAlarm", ("AlarmActions",)),
            ("cloudwatch", "PutMetricAlarm", ("OKActions",)),
        ),
    ),
    # Every resource gets var.tags; the security group also gets Name (network.tf).
    "tags": (
        1,
        (
            ("ecs", "CreateCluster", ("tags",)),
            ("ecs", "RegisterTaskDefinition", ("tags",)),
            ("ecs", "CreateService", ("tags",)),
            ("iam", "CreateRole", ("Tags",)),
            ("logs", "CreateLogGroup", ("tags",)),
            ("servicediscovery", "CreatePrivateDnsNamespace", ("Tags",)),
            ("servicediscovery", "CreateService", ("Tags",)),
            ("cloudwatch", "PutMetricAlarm", ("Tags",)),
            ("application-autoscaling", "RegisterScalableTarget", ("Tags",)),
            ("ec2", "CreateSecurityGroup", ("TagSpecifications", "member", "Tags")),
        ),
    ),
    "subnet_ids": (0, (("ecs", "CreateService", ("networkConfiguration", "awsvpcConfiguration", "subnets")),)),
}
# List and map inputs that reach no API list of their own, and why.
NOT_AN_API_COLLECTION = {
    "allowed_cidr_blocks": "one security group rule each (its own AuthorizeSecurityGroupIngress)",
    "allowed_security_group_ids": "one security group rule each",
    "metrics_allowed_cidr_blocks": "one security group rule each",
    "metrics_allowed_security_group_ids": "one security group rule each",
    "egress_cidr_blocks": "one security group rule each",
    "dns_egress_cidr_blocks": "two security group rules each",
    "region_ports": "port mappings, which the model does not bound; the layouts give the ports",
    "environment": "container environment, which the model does not bound",
    "secrets": "container secrets, which the model does not bound",
    "capacity_provider_strategy": "FARGATE and FARGATE_SPOT at most once each (a validation), inside the model's 20",
    "cors_allowed_origins": "one environment variable",
    "secrets_kms_key_arns": "the Resource of one IAM policy statement, bounded by the policy's size, not by a count",
}
_STATED_LIMIT = re.compile(r"(?:limit|maximum) of (\d+)", re.IGNORECASE)


@cache
def model_maximum(service: str, operation: str, path: tuple[str, ...]) -> int | None:
    """The most items the API takes in that member: the model's `max`, else its documentation's stated limit."""
    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    for step in path:
        shape = shape.member if step == "member" else shape.members[step]
    if "max" in shape.metadata:
        return int(shape.metadata["max"])
    stated = _STATED_LIMIT.search(re.sub(r"<[^>]+>", "", shape.documentation or ""))
    return int(stated.group(1)) if stated else None


def allowed(name: str) -> int:
    """How many items the input may hold: the smallest maximum of the members it reaches, less what the module adds."""
    added, members = INPUT_COLLECTIONS[name]
    maxima = [maximum for member in members if (maximum := model_maximum(*member)) is not None]
    assert maxima, f"no API member {name} reaches states a maximum"
    return min(maxima) - added


def items(name: str, count: int) -> object:
    """count valid items of the input."""
    if name == "alarm_actions":
        return [f"arn:aws:sns:us-east-1:123456789012:finfocus-pager-{index}" for index in range(count)]
    if name == "tags":
        return {f"team-{index}": "finfocus" for index in range(count)}
    if name == "subnet_ids":
        return [f"subnet-{index:017x}" for index in range(count)]
    raise KeyError(name)
