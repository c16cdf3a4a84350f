"""The IAM actions an AWS API call needs, for checking the guide's IAM prerequisites against real calls.

Most calls need the IAM action of their own name: ecs:CreateService needs
ecs:CreateService, route53's GET /2013-04-01/hostedzone/{Id} (GetHostedZone)
needs route53:GetHostedZone. The exceptions are below, each with the AWS page
that states it.
"""

from __future__ import annotations

from collections.abc import Iterable

DOCS = "https://docs.aws.amazon.com"

# "No permissions are required to perform this operation." (STS API reference, GetCallerIdentity)
NEEDS_NOTHING = {"sts:GetCallerIdentity"}

ECS_TAGGING = f"{DOCS}/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html"
EC2_TAGGING = f"{DOCS}/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html"
IAM_TAGGING = f"{DOCS}/IAM/latest/UserGuide/id_tags.html"
LOGS_TAGGING = f"{DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"
CLOUD_MAP = f"{DOCS}/cloud-map/latest/dg/cloud-map-api-permissions-ref.html"
ECS_ROLES = f"{DOCS}/AmazonECS/latest/developerguide/using-service-linked-roles.html"
PASS_ROLE = f"{DOCS}/AmazonECS/latest/developerguide/task_execution_IAM_role.html"

# Call => (further actions it needs, the page that says so). Tag-on-create applies because the quick
# start tags every resource (default_tags), as most roots do.
ALSO_NEEDS: dict[str, tuple[set[str], str]] = {
    "ecs:CreateCluster": ({"ecs:TagResource", "iam:CreateServiceLinkedRole"}, f"{ECS_TAGGING}; {ECS_ROLES}"),
    "ecs:CreateService": ({"ecs:TagResource"}, ECS_TAGGING),
    "ecs:RegisterTaskDefinition": ({"ecs:TagResource", "iam:PassRole"}, f"{ECS_TAGGING}; {PASS_ROLE}"),
    "iam:CreateRole": ({"iam:TagRole"}, IAM_TAGGING),
    "logs:CreateLogGroup": ({"logs:TagResource"}, LOGS_TAGGING),
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
    for call in calls:
        if call in NEEDS_NOTHING:
            continue
        needed.setdefault(call, call)
        more, source = ALSO_NEEDS.get(call, (set(), ""))
        for action in more:
            needed.setdefault(action, f"{call} ({source})")
    return needed
