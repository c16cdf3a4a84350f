"""The IAM policy a deployer needs for the module and the quick start, least privilege, for one account.

Its one source is data/deployer-policy.json; the guide's copy (section 2) is
generated from it and `finfocus-ecs deployer-policy` prints it filled in.
Every call an apply and a destroy make is checked against it in tests/e2e
(tests/e2e/permissions.py), and what it lets a deployer do with IAM is
checked statement by statement (tests/static/test_deployer_policy.py).

Its IAM actions reach only the module's roles (`NAME-*`: NAME-execution-REGION
and NAME-task-REGION), iam:PassRole passes them only to ECS tasks, and the only
managed policy it may attach is AmazonECSTaskExecutionRolePolicy: whoever holds
it cannot create or pass a role of their choosing (the privilege escalation of
an unscoped PassRole and CreateRole). It can still write the module's roles'
inline policies, and so run a task with whatever those grant; a permissions
boundary (the module's iam_role_permissions_boundary, and `boundary` here)
caps that too, as AWS's delegation pattern does (IAM User Guide, permissions
boundaries for IAM entities).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE_FILE = Path(__file__).with_name("data") / "deployer-policy.json"
DEFAULT_PARTITION = "aws"
# The guide shows the policy for this account (AWS's own example account id).
EXAMPLE_ACCOUNT_ID = "123456789012"
# The role actions that grant, each of which takes the iam:PermissionsBoundary condition key (IAM service
# authorization reference). DeleteRolePolicy and DetachRolePolicy take it too, but only remove what a role
# may do, and must reach roles made before the boundary (an upgrade deletes the old roles' policies).
BOUNDED_ACTIONS = (
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
)


@cache
def template() -> dict[str, Any]:
    """The policy with {partition}, {account_id} and {name} unfilled."""
    document = json.loads(TEMPLATE_FILE.read_text())
    document.pop("_about")
    return document


def partition_of(region: str) -> str:
    """The partition a region belongs to (aws-cn for cn-*, aws-us-gov for us-gov-*)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return DEFAULT_PARTITION


def _filled(value: Any, fields: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for field, filler in fields.items():
            value = value.replace("{" + field + "}", filler)
        return value
    if isinstance(value, list):
        return [_filled(item, fields) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, fields) for key, item in value.items()}
    return value


def render(
    name: str,
    account_id: str,
    partition: str = DEFAULT_PARTITION,
    passed_roles: Iterable[str] = (),
    boundary: str | None = None,
) -> dict[str, Any]:
    """The policy for one account and one module `name`.

    passed_roles: ARNs of roles of your own that the module is given
    (execution_role_arn, task_role_arn), which ECS tasks must also be passed.
    boundary: the module's iam_role_permissions_boundary; the role actions then
    require it on every role they create or change, and may not remove it.
    """
    document = _filled(copy.deepcopy(template()), {"partition": partition, "account_id": account_id, "name": name})
    statements = {statement["Sid"]: statement for statement in document["Statement"]}
    passing = statements["PassModuleRolesToEcsTasks"]
    passing["Resource"] = [passing["Resource"], *passed_roles] if passed_roles else passing["Resource"]
    if boundary is None:
        return document
    roles = statements["ModuleRoles"]
    bounded = [action for action in roles["Action"] if action in BOUNDED_ACTIONS]
    roles["Action"] = [action for action in roles["Action"] if action not in BOUNDED_ACTIONS]
    # The key holds an ARN: ArnEquals, as parliament checks against AWS's catalogue of condition key types.
    require = {"ArnEquals": {"iam:PermissionsBoundary": boundary}}
    attach = statements["AttachTheExecutionRolePolicy"]
    attach["Condition"] = {**attach["Condition"], **require}
    position = document["Statement"].index(roles) + 1
    document["Statement"][position:position] = [
        {
            "Sid": "ModuleRolesWithinTheBoundary",
            "Effect": "Allow",
            "Action": [*bounded, "iam:PutRolePermissionsBoundary"],
            "Resource": roles["Resource"],
            "Condition": require,
        },
        {
            "Sid": "KeepTheBoundary",
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary"],
            "Resource": roles["Resource"],
        },
    ]
    return document


def example() -> dict[str, Any]:
    """The policy as the guide shows it: the module's default name, AWS's example account."""
    from finfocus_ecs.module import variables

    return render(variables()["name"].default, EXAMPLE_ACCOUNT_ID)
