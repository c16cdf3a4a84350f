"""What the deployer policy (docs/ecs-deployment.md section 2) lets its holder do with IAM: only the module's roles.

An unscoped iam:PassRole with iam:CreateRole and iam:PutRolePolicy lets whoever
holds them make a role with any policy and pass it, or any role of the
account, to any service: privilege escalation. Each statement is evaluated
here (tests/iam_simulator.py) for the requests that matter, and audited with
parliament against AWS's catalogue of actions and condition keys. The calls
an apply and a destroy really make are checked against it in tests/e2e
(permissions.py), role by role.
"""

from __future__ import annotations

import pytest

from finfocus_ecs.deployer_policy import example, render
from finfocus_ecs.iam_audit import AuditedPolicy, audit
from tests.iam_simulator import allowed

ACCOUNT = "123456789012"
NAME = "finfocus-plugin-aws-public"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/{NAME}-execution-us-east-1"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{NAME}-task-eu-west-1"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAdmin"
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/finfocus-boundary"
ROLE_CHANGES = ("iam:CreateRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:TagRole")


@pytest.fixture(scope="module")
def policy():
    return render(NAME, ACCOUNT)


def passing(policy, role: str, service: str | None) -> bool:
    return allowed(policy, "iam:PassRole", role, {"iam:PassedToService": service} if service else {})


def test_the_module_s_roles_pass_to_ecs_tasks_and_nowhere_else(policy):
    assert passing(policy, ROLE, "ecs-tasks.amazonaws.com")
    assert passing(policy, TASK_ROLE, "ecs-tasks.amazonaws.com")
    for service in ("ec2.amazonaws.com", "lambda.amazonaws.com", "ecs.amazonaws.com", None):
        assert not passing(policy, ROLE, service), service


def test_no_other_role_of_the_account_can_be_passed_created_or_changed(policy):
    for role in (ADMIN_ROLE, f"arn:aws:iam::{ACCOUNT}:role/other-{NAME}", f"arn:aws:iam::210987654321:role/{NAME}-x"):
        assert not passing(policy, role, "ecs-tasks.amazonaws.com"), role
        for action in (*ROLE_CHANGES, "iam:AttachRolePolicy"):
            assert not allowed(policy, action, role, {"iam:PolicyARN": EXECUTION_POLICY}), (action, role)
    for action in ROLE_CHANGES:
        assert allowed(policy, action, ROLE), action


def test_the_only_managed_policy_it_may_attach_is_the_execution_role_policy(policy):
    assert allowed(policy, "iam:AttachRolePolicy", ROLE, {"iam:PolicyARN": EXECUTION_POLICY})
    for other in ("arn:aws:iam::aws:policy/AdministratorAccess", f"arn:aws:iam::{ACCOUNT}:policy/anything"):
        assert not allowed(policy, "iam:AttachRolePolicy", ROLE, {"iam:PolicyARN": other}), other


def test_service_linked_roles_of_ecs_and_its_autoscaling_only(policy):
    linked = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
    for service in ("ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"):
        assert allowed(policy, "iam:CreateServiceLinkedRole", linked, {"iam:AWSServiceName": service})
    for service in ("elasticloadbalancing.amazonaws.com", "organizations.amazonaws.com"):
        assert not allowed(policy, "iam:CreateServiceLinkedRole", linked, {"iam:AWSServiceName": service})


def test_no_statement_grants_an_iam_role_action_beyond_the_module_s_roles():
    """Whatever the name, the account, the partition: every IAM statement names NAME-* roles or service-linked ones."""
    for name, account, partition in ((NAME, ACCOUNT, "aws"), ("pricing", "111122223333", "aws-us-gov")):
        for statement in render(name, account, partition)["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if not any(action.startswith("iam:") for action in actions):
                continue
            assert all(action.startswith("iam:") for action in actions), statement["Sid"]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            assert resources == [f"arn:{partition}:iam::{account}:role/{name}-*"] or resources == [
                f"arn:{partition}:iam::{account}:role/aws-service-role/*"
            ], statement["Sid"]


def test_roles_of_your_own_are_passed_only_to_ecs_tasks_too():
    yours = f"arn:aws:iam::{ACCOUNT}:role/my-ecs-execution"
    policy = render(NAME, ACCOUNT, passed_roles=[yours])
    assert passing(policy, yours, "ecs-tasks.amazonaws.com")
    assert not passing(policy, yours, "ec2.amazonaws.com")
    assert not allowed(policy, "iam:PutRolePolicy", yours)


def test_with_a_boundary_every_role_it_creates_or_changes_keeps_it():
    policy = render(NAME, ACCOUNT, boundary=BOUNDARY)
    within = {"iam:PermissionsBoundary": BOUNDARY}
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"):
        assert allowed(policy, action, ROLE, within), action
        assert not allowed(policy, action, ROLE), f"{action} without the boundary"
        assert not allowed(policy, action, ROLE, {"iam:PermissionsBoundary": f"{BOUNDARY}-wider"}), action
    # Removing what a role may do needs no boundary: the roles of a release before it must be emptied and deleted.
    for action in ("iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRole"):
        assert allowed(policy, action, f"arn:aws:iam::{ACCOUNT}:role/{NAME}-execution"), action
    assert allowed(policy, "iam:AttachRolePolicy", ROLE, {**within, "iam:PolicyARN": EXECUTION_POLICY})
    assert not allowed(policy, "iam:AttachRolePolicy", ROLE, {"iam:PolicyARN": EXECUTION_POLICY})
    assert not allowed(policy, "iam:DeleteRolePermissionsBoundary", ROLE, within)
    assert allowed(policy, "iam:GetRole", ROLE)


@pytest.mark.parametrize("boundary", [None, BOUNDARY])
def test_parliament_finds_no_unknown_action_resource_or_condition_key(boundary):
    document = render(NAME, ACCOUNT, boundary=boundary)
    audited = audit(AuditedPolicy(address="deployer-policy", kind="permissions", document=document))
    # Resource "*" on the actions that need it (Describe*, List*, create calls with no ARN yet) is the accepted one.
    assert [finding for finding in audited.findings if finding.issue != "RESOURCE_STAR"] == []


def test_the_guide_shows_the_policy_for_the_module_s_default_name():
    from finfocus_ecs.docsgen import GUIDE

    assert '"Resource": "arn:aws:iam::123456789012:role/finfocus-plugin-aws-public-*"' in GUIDE.read_text()
    assert example() == render(NAME, ACCOUNT)
