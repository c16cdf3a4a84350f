"""Upgrading from the previous release of the module: one `terraform init` and one apply, nothing replaced.

A user who bumps the module's `ref` gets every change since their release in
one plan. The previous release here is PREVIOUS_RELEASE, read from the
repository's history: the module before the alarm for replaced tasks got its
own resource (with a `moved` block from `this["tasks-replaced-repeatedly"]`),
before `terraform_data.service_variant` joined the services, and before the
start script gave each region its port as FINFOCUS_PLUGIN_PORT (a new task
definition revision, so a deployment). Two calls are applied with that
module: the defaults with alarms, and autoscaling with alarms. Then the
source moves to this checkout, and the plan must neither replace nor delete
the service, the namespace, the Cloud Map service, the log group
or the security group, must move the alarm instead of recreating it, and
must apply; a plan after it changes nothing.

The emulator runs no tasks (docs/emulator.md): the deployment the new task
definition starts completes at once; on AWS it replaces the tasks one by one
behind the deployment circuit breaker.
"""

from __future__ import annotations

import subprocess
import tarfile
from io import BytesIO

import pytest

from finfocus_ecs.project import MODULE_DIR, REPO_ROOT
from finfocus_ecs.roots import write_root
from finfocus_ecs.terraform import Terraform
from tests.e2e.permissions import terraform_calls

pytestmark = pytest.mark.e2e

# The module as main held it before issues 23 to 26 (December 2026); move it forward with each release.
PREVIOUS_RELEASE = "0ff3594"
MUST_STAY = {
    "plain": (
        "aws_ecs_service.this[0]",
        "aws_service_discovery_private_dns_namespace.this[0]",
        "aws_service_discovery_service.this",
        "aws_cloudwatch_log_group.this",
        "aws_security_group.this",
    ),
    "scaled": (
        "aws_ecs_service.autoscaled[0]",
        "aws_appautoscaling_target.this[0]",
        "aws_service_discovery_private_dns_namespace.this[0]",
        "aws_service_discovery_service.this",
    ),
}


def previous_module(directory) -> None:
    """modules/finfocus_ecs at PREVIOUS_RELEASE, into directory/modules/finfocus_ecs."""
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", PREVIOUS_RELEASE, "modules/finfocus_ecs"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.fail(
            f"the upgrade test needs the repository's history to read the module at {PREVIOUS_RELEASE} "
            f"(a full clone, not a shallow one): {archive.stderr.decode().strip()}"
        )
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(directory, filter="data")


@pytest.fixture(scope="module")
def upgrade(emulator, tmp_path_factory):
    """Both calls applied with the previous release, then planned with this checkout's module."""
    emulator.reset()
    ec2 = emulator.client("ec2")
    topic = emulator.client("sns").create_topic(Name="upgrade-pager")["TopicArn"]
    # A cluster of the user's: the provider waits 10 s after creating one, and ecs.tf did not change.
    cluster_arn = emulator.client("ecs").create_cluster(clusterName="upgrade", capacityProviders=["FARGATE"])[
        "cluster"
    ]["clusterArn"]
    calls = {}
    for call, extra in (("plain", {}), ("scaled", {"autoscaling": {"max_capacity": 4}})):
        vpc_id = ec2.create_vpc(CidrBlock="10.63.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.63.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        calls[call] = {
            "name": f"upgrade-{call}",
            "vpc_id": vpc_id,
            "subnet_ids": [subnet["SubnetId"]],
            "allowed_cidr_blocks": ["10.63.0.0/16"],
            "alarm_actions": [topic],
            "cluster_arn": cluster_arn,
            **extra,
        }
    previous = tmp_path_factory.mktemp("previous")
    previous_module(previous)
    root = tmp_path_factory.mktemp("upgrade")
    provider = {"region": "us-east-1"}
    write_root(root, calls, provider=provider, module_source=previous / "modules" / "finfocus_ecs")
    terraform = Terraform(root, env=emulator.aws_env())
    terraform.init()
    terraform.apply()
    ecs = emulator.client("ecs")
    before = {
        call: ecs.describe_services(cluster="upgrade", services=[name])["services"][0] for call, name in names(calls)
    }

    write_root(root, calls, provider=provider, module_source=MODULE_DIR)
    terraform.init()
    plan = terraform.plan_json()
    return terraform, calls, before, plan


def names(calls: dict) -> list[tuple[str, str]]:
    return [(call, inputs["name"]) for call, inputs in calls.items()]


def changes_of(plan: dict, call: str) -> dict[str, dict]:
    """Address in the module => the planned change, for one call."""
    prefix = f"module.{call}."
    return {
        change["address"].removeprefix(prefix): change
        for change in plan["resource_changes"]
        if change["address"].startswith(prefix) and change["mode"] == "managed"
    }


@pytest.mark.parametrize("call", sorted(MUST_STAY))
def test_upgrade_keeps_every_stateful_resource(upgrade, call):
    _, _, _, plan = upgrade
    changes = changes_of(plan, call)
    kept = {address: changes[address]["change"]["actions"] for address in MUST_STAY[call]}
    assert all(actions in (["no-op"], ["update"]) for actions in kept.values()), kept
    assert changes["aws_ecs_task_definition.this"]["change"]["actions"] == ["create", "delete"], (
        "a new revision before the old one goes: the start script changed"
    )


@pytest.mark.parametrize("call", sorted(MUST_STAY))
def test_upgrade_moves_the_alarm_for_replaced_tasks(upgrade, call):
    _, _, _, plan = upgrade
    alarm = changes_of(plan, call)["aws_cloudwatch_metric_alarm.tasks_replaced_repeatedly[0]"]
    assert alarm["previous_address"] == f'module.{call}.aws_cloudwatch_metric_alarm.this["tasks-replaced-repeatedly"]'
    assert alarm["change"]["actions"] == ["update"], "the alarm takes its new expression in place"


def test_upgrade_applies_onto_the_same_services(emulator, emulator_call_log, upgrade):
    terraform, calls, before, _ = upgrade
    calls_from = emulator_call_log.stat().st_size
    terraform.apply()
    made = terraform_calls(emulator_call_log, start=calls_from)
    # moto's DescribeServices gives no createdAt: a replaced service shows in the calls instead.
    assert "ecs:UpdateService" in made and not made & {"ecs:CreateService", "ecs:DeleteService"}, sorted(made)
    ecs = emulator.client("ecs")
    for call, name in names(calls):
        [after] = ecs.describe_services(cluster="upgrade", services=[name])["services"]
        assert after["status"] == "ACTIVE", call
        assert after["taskDefinition"] != before[call]["taskDefinition"], f"{call} runs the new revision"
    alarms = emulator.client("cloudwatch").describe_alarms(AlarmNamePrefix="upgrade-")["MetricAlarms"]
    replaced = {
        alarm["AlarmName"]: alarm for alarm in alarms if alarm["AlarmName"].endswith("tasks-replaced-repeatedly")
    }
    assert sorted(replaced) == ["upgrade-plain-tasks-replaced-repeatedly", "upgrade-scaled-tasks-replaced-repeatedly"]
    assert all(alarm.get("Metrics") for alarm in replaced.values()), "now a metric-math alarm"
    assert terraform.planned_actions() == {}, "a plan after the upgrade changes nothing"
