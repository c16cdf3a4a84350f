"""The IAM actions an AWS API call needs, for checking the guide's IAM prerequisites against real calls.

Most calls need the IAM action of their own name: ecs:CreateService needs
ecs:CreateService, route53's GET /2013-04-01/hostedzone/{Id} (GetHostedZone)
needs route53:GetHostedZone. The exceptions are below, each with the AWS page
that states it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from pathlib import Path

from finfocus_ecs.deployer_policy import example, render

DOCS = "https://docs.aws.amazon.com"
EXECUTION_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

# "No permissions are required to perform this operation." (STS API reference, GetCallerIdentity)
NEEDS_NOTHING = {"sts:GetCallerIdentity"}

ECS_TAGGING = f"{DOCS}/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html"
EC2_TAGGING = f"{DOCS}/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html"
IAM_TAGGING = f"{DOCS}/IAM/latest/UserGuide/id_tags.html"
LOGS_TAGGING = f"{DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"
CLOUD_MAP = f"{DOCS}/cloud-map/latest/dg/cloud-map-api-permissions-ref.html"
ECS_ROLES = f"{DOCS}/AmazonECS/latest/developerguide/using-service-linked-roles.html"
PASS_ROLE = f"{DOCS}/AmazonECS/latest/developerguide/task_execution_IAM_role.html"
SERVICE_SCALING = f"{DOCS}/AmazonECS/latest/developerguide/auto-scaling-IAM.html"
SCALING_TAGGING = f"{DOCS}/autoscaling/application/userguide/resource-tagging-support.html"
CLOUDWATCH_TAGGING = f"{DOCS}/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"

# The call log names a service by its signing name; IAM by its action prefix. They differ for CloudWatch.
IAM_PREFIX = {"monitoring": "cloudwatch"}

# Call => (further actions it needs, the page that says so). Tag-on-create applies because the quick
# start tags every resource (default_tags), as most roots do.
ALSO_NEEDS: dict[str, tuple[set[str], str]] = {
    "ecs:CreateCluster": ({"ecs:TagResource", "iam:CreateServiceLinkedRole"}, f"{ECS_TAGGING}; {ECS_ROLES}"),
    "ecs:CreateService": ({"ecs:TagResource"}, ECS_TAGGING),
    "ecs:RegisterTaskDefinition": ({"ecs:TagResource", "iam:PassRole"}, f"{ECS_TAGGING}; {PASS_ROLE}"),
    "iam:CreateRole": ({"iam:TagRole"}, IAM_TAGGING),
    "logs:CreateLogGroup": ({"logs:TagResource"}, LOGS_TAGGING),
    # The first scalable target of an account creates Application Auto Scaling's role for ECS; target
    # tracking reads the service and creates and deletes its own alarms with the caller's rights.
    "application-autoscaling:RegisterScalableTarget": (
        {
            "iam:CreateServiceLinkedRole",
            "ecs:DescribeServices",
            "ecs:UpdateService",
            "application-autoscaling:TagResource",
        },
        f"{SERVICE_SCALING}; {SCALING_TAGGING}",
    ),
    "application-autoscaling:PutScalingPolicy": (
        {"cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms"},
        SERVICE_SCALING,
    ),
    "application-autoscaling:DeleteScalingPolicy": ({"cloudwatch:DeleteAlarms"}, SERVICE_SCALING),
    "cloudwatch:PutMetricAlarm": ({"cloudwatch:TagResource"}, CLOUDWATCH_TAGGING),
    "servicediscovery:CreatePrivateDnsNamespace": (
        {
            "route53:CreateHostedZone",
            "route53:GetHostedZone",
            "route53:ListHostedZonesByName",
            "ec2:DescribeVpcs",
            "ec2:DescribeRegions",
        },
        CLOUD_MAP,
    ),
    "servicediscovery:DeleteNamespace": ({"route53:DeleteHostedZone"}, CLOUD_MAP),
    **{
        f"ec2:{operation}": ({"ec2:CreateTags"}, EC2_TAGGING)
        for operation in (
            "CreateSecurityGroup",
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "CreateManagedPrefixList",
            "CreateVpc",
            "CreateSubnet",
            "CreateInternetGateway",
            "CreateNatGateway",
            "AllocateAddress",
            "CreateRouteTable",
        )
    },
}


def required_actions(calls: Iterable[str]) -> dict[str, str]:
    """IAM action => the call (or the rule) that needs it."""
    needed: dict[str, str] = {}
    for logged in calls:
        service, operation = logged.split(":", 1)
        call = f"{IAM_PREFIX.get(service, service)}:{operation}"
        if call in NEEDS_NOTHING:
            continue
        needed.setdefault(call, call)
        more, source = ALSO_NEEDS.get(call, (set(), ""))
        for action in more:
            needed.setdefault(action, f"{call} ({source})")
    return needed


def guide_iam_policy() -> list[str]:
    """The actions of the deployer policy the guide shows (docs/ecs-deployment.md section 2, generated from it)."""
    return [
        action
        for statement in example()["Statement"]
        if statement["Effect"] == "Allow"
        for action in statement["Action"]
    ]


def _terraform_lines(call_log: Path, start: int) -> list[list[str]]:
    """The fields of each call Terraform made, from the emulator's call log (CALL_LOG_ENV) from byte `start` on."""
    with call_log.open(encoding="utf-8") as log:
        log.seek(start)
        lines = log.read().splitlines()
    return [fields for line in lines if len(fields := line.split()) > 1 and fields[1] == "terraform"]


def terraform_calls(call_log: Path, start: int = 0) -> set[str]:
    """The calls Terraform made (SERVICE:Operation), from byte `start` of the emulator's call log on."""
    return {fields[0] for fields in _terraform_lines(call_log, start)}


def role_calls_outside_policy(call_log: Path, start: int, account_id: str, passed_roles: Iterable[str]) -> list[str]:
    """IAM role calls Terraform made, and roles passed to ECS tasks, that the deployer policy does not allow.

    The policy is rendered for the account, and each call is evaluated on the
    role it names (the module's own iam:AttachRolePolicy with its managed
    policy). Empty when every one is allowed.
    """
    from tests.iam_simulator import allowed

    # The policy is rendered for the module `name` each role is named after, as a deployer renders it.
    outside = []
    for fields in _terraform_lines(call_log, start):
        if len(fields) < 3:
            continue
        action, role = "iam:" + fields[0].split(":", 1)[1], fields[2].removeprefix("role/")
        arn = f"arn:aws:iam::{account_id}:role/{role}"
        context = {"iam:PolicyARN": EXECUTION_ROLE_POLICY} if action == "iam:AttachRolePolicy" else {}
        policy = render(_module_name(role), account_id)
        if not allowed(policy, action, arn, context):
            outside.append(f"{action} on {arn}")
    for arn in passed_roles:
        policy = render(_module_name(arn.rsplit("/", 1)[-1]), account_id)
        if not allowed(policy, "iam:PassRole", arn, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}):
            outside.append(f"iam:PassRole of {arn} to ecs-tasks.amazonaws.com")
    return outside


def _module_name(role: str) -> str:
    """The module's `name` a role of its was named after: NAME-execution-REGION or NAME-task-REGION (NAME-execution
    and NAME-task before the region joined them, as an upgrade deletes them)."""
    return re.sub(r"-(execution|task)(-[a-z]{2}(-gov)?-[a-z]+-[0-9])?$", "", role)


def lacking_from_guide(calls: Iterable[str]) -> str:
    """Each action the calls need that the guide's policy does not grant, with why; empty when none."""
    granted = guide_iam_policy()
    missing = {
        action: reason
        for action, reason in required_actions(calls).items()
        if not any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in granted)
    }
    return "\n".join(f"{action}  <- {reason}" for action, reason in sorted(missing.items()))
