"""Issue 13, real-AWS hardening: each item's good value, bad value and message.

ECS's health check limits, Fargate's task sizes, the wait for the service,
trust policies with confused-deputy conditions and DNS egress are planned
offline, many module calls to a root as in test_validation.py. An existing
namespace is looked up through Route 53, so those cases plan against the
emulator; the wait and the trust policies' values (the account is known only
once the log group exists) are checked by one apply against it.
"""

from __future__ import annotations

import json

import pytest

from finfocus_ecs.roots import write_root
from finfocus_ecs.terraform import Terraform
from tests.module_cases import HIGH_HEALTH, LOW_HEALTH
from tests.plan.cases import (
    HARDENING_PRECONDITION_CASES,
    HARDENING_VARIABLE_CASES,
    assert_clear_error,
)

pytestmark = pytest.mark.plan



@pytest.fixture(scope="module")
def good(module_cases):
    """GOOD_CALLS are planned with tests/module_cases.py's, one plan for both."""
    return module_cases


@pytest.mark.parametrize("call", sorted(HARDENING_VARIABLE_CASES))
def test_bad_value_fails_plan_with_its_message(variable_errors, call):
    _, variable, fragment = HARDENING_VARIABLE_CASES[call]
    assert_clear_error(variable_errors[call], variable, fragment)


@pytest.mark.parametrize("call", sorted(HARDENING_PRECONDITION_CASES))
def test_inconsistent_values_fail_plan_with_their_message(precondition_errors, call):
    _, variable, fragment = HARDENING_PRECONDITION_CASES[call]
    assert_clear_error(precondition_errors[call], variable, fragment)


def test_16_vcpu_with_120_gib_on_platform_140_plans(precondition_errors):
    assert precondition_errors["control_16_vcpu"] == []


# --- ECS health check limits --------------------------------------------------


@pytest.mark.parametrize(
    ("call", "expected"), [("health_high", HIGH_HEALTH), ("health_low", {**LOW_HEALTH, "timeout": 30})]
)
def test_health_check_limits_reach_the_plugin_container(good, call, expected):
    check = good.containers(call)["finfocus-plugin"]["healthCheck"]
    got = {"interval": check["interval"], "timeout": check["timeout"], "retries": check["retries"]}
    assert {**got, "start_period": check["startPeriod"]} == expected


# --- Fargate sizes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "cpu", "memory"), [("largest_task", "32768", "249856"), ("smallest_32_vcpu", "32768", "61440")]
)
def test_32_vcpu_sizes_reach_the_task_definition(good, call, cpu, memory):
    task = good.resource(call, "aws_ecs_task_definition.this")
    assert (task["cpu"], task["memory"]) == (cpu, memory)


# --- The wait for the service ---------------------------------------------------


def test_apply_waits_for_the_service_by_default_within_15_minutes(module_cases):
    service = module_cases.resource("defaults", "aws_ecs_service.this")
    assert service["wait_for_steady_state"] is True
    assert (service["timeouts"]["create"], service["timeouts"]["update"]) == ("15m", "15m")


def test_the_wait_can_be_turned_off(good):
    assert good.resource("no_wait", "aws_ecs_service.this")["wait_for_steady_state"] is False


# --- Trust policies -------------------------------------------------------------


def planned_read(planned, address: str) -> dict:
    """A data source read that waits for apply: its known values as planned."""
    for change in planned.plan["resource_changes"]:
        if change["address"] == address:
            assert change["change"]["actions"] == ["read"]
            return change["change"]["after"]
    raise KeyError(address)


def conditions(document: dict) -> dict[str, str]:
    [statement] = document["statement"]
    assert statement["principals"] == [{"identifiers": ["ecs-tasks.amazonaws.com"], "type": "Service"}]
    return {condition["variable"]: condition["test"] for condition in statement["condition"]}


def test_execution_role_trust_policy_requires_this_account(module_cases):
    document = planned_read(module_cases, "module.defaults.data.aws_iam_policy_document.ecs_execution_assume_role[0]")
    assert conditions(document) == {"aws:SourceAccount": "StringEquals"}


def test_exec_task_role_trust_policy_requires_this_account_and_its_ecs_resources(module_cases):
    document = planned_read(module_cases, "module.extras.data.aws_iam_policy_document.ecs_tasks_assume_role[0]")
    assert conditions(document) == {"aws:SourceAccount": "StringEquals", "aws:SourceArn": "ArnLike"}


# --- DNS egress -----------------------------------------------------------------


def test_no_dns_rule_by_default(module_cases):
    rules = module_cases.resources_of("defaults", "aws_vpc_security_group_egress_rule")
    assert {(rule["from_port"], rule["to_port"]) for rule in rules.values()} == {(443, 443)}


def test_dns_servers_get_udp_and_tcp_53_each(good):
    rules = good.resources_of("dns", "aws_vpc_security_group_egress_rule")
    dns = sorted(
        (rule["ip_protocol"], rule["from_port"], rule["to_port"], rule["cidr_ipv4"] or rule["cidr_ipv6"])
        for rule in rules.values()
        if rule["from_port"] == 53
    )
    assert dns == [
        ("tcp", 53, 53, "10.0.0.2/32"),
        ("tcp", 53, 53, "fd00::53/128"),
        ("udp", 53, 53, "10.0.0.2/32"),
        ("udp", 53, 53, "fd00::53/128"),
    ]
    assert all(rule["description"] for rule in rules.values())


# --- Against the emulator: an existing namespace, the wait, the trust policies ---


@pytest.fixture
def emulator_network(emulator):
    """A fresh emulator with a VPC, a subnet and a cluster made with boto3: no Terraform waits for them."""
    emulator.reset()
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.61.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    cluster_arn = emulator.client("ecs").create_cluster(clusterName="hardening")["cluster"]["clusterArn"]
    return {
        "vpc_id": vpc_id,
        "subnet_ids": [subnet_id],
        "allowed_cidr_blocks": ["10.61.0.0/16"],
        "cluster_arn": cluster_arn,
    }


def emulator_root(emulator, directory, modules) -> Terraform:
    write_root(directory, modules, provider={"region": "us-east-1"}, copy_module=True)
    terraform = Terraform(directory, env=emulator.aws_env())
    terraform.init()
    return terraform


@pytest.mark.e2e
def test_existing_namespace_name_is_checked_against_the_vpc(emulator, emulator_network, tmp_path):
    """namespace_id is used as given; a namespace_name that is not its name in this VPC fails the plan.

    The emulator cannot show the good case: its Cloud Map makes no Route 53 zone
    of the namespace's name and links none (on AWS the zone's LinkedService
    description is the namespace's ARN). A zone of the name in the VPC that
    Cloud Map does not own stands for "another namespace".
    """
    discovery = emulator.client("servicediscovery")
    operation = discovery.create_private_dns_namespace(Name="finfocus.local", Vpc=emulator_network["vpc_id"])
    namespace_id = discovery.get_operation(OperationId=operation["OperationId"])["Operation"]["Targets"]["NAMESPACE"]
    emulator.client("route53").create_hosted_zone(
        Name="finfocus.local",
        CallerReference="hardening",
        HostedZoneConfig={"PrivateZone": True, "Comment": "not made by Cloud Map"},
        VPC={"VPCRegion": "us-east-1", "VPCId": emulator_network["vpc_id"]},
    )
    base = {**emulator_network, "namespace_id": namespace_id}
    calls = {
        "not_that_namespace": {**base, "name": "other-zone", "namespace_name": "finfocus.local"},
        "no_such_name": {**base, "name": "no-zone", "namespace_name": "elsewhere.local"},
    }
    terraform = emulator_root(emulator, tmp_path, calls)
    errors = {call: [] for call in calls}
    for diagnostic in terraform.plan_diagnostics():
        if diagnostic["severity"] == "error":
            call = (diagnostic.get("range") or {}).get("filename", "").split("/")[2]
            errors[call].append(f"{diagnostic['summary']}: {diagnostic['detail']}")
    assert_clear_error(
        errors["not_that_namespace"],
        f'namespace_name = "finfocus.local" is not the name of namespace_id = "{namespace_id}"',
        "belongs to no Cloud Map namespace",
    )
    assert_clear_error(errors["no_such_name"], "no matching Route 53 Hosted Zone found", "")


@pytest.mark.e2e
def test_apply_waits_for_every_desired_task_and_trust_policies_name_the_account(emulator, emulator_network, tmp_path):
    calls = {
        "waits": {
            **emulator_network,
            "name": "waits",
            "desired_count": 2,
            "enable_execute_command": True,
            "dns_egress_cidr_blocks": ["10.61.0.2/32"],
        }
    }
    terraform = emulator_root(emulator, tmp_path, calls)
    terraform.apply()  # wait_for_steady_state is on: this returns only once 2 of 2 tasks run

    service = emulator.client("ecs").describe_services(cluster=emulator_network["cluster_arn"], services=["waits"])[
        "services"
    ][0]
    assert (service["runningCount"], service["desiredCount"]) == (2, 2)
    iam = emulator.client("iam")
    trust = {
        role: iam.get_role(RoleName=f"waits-{role}")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
        for role in ("execution", "task")
    }
    assert trust == {
        "execution": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        "task": {
            "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"},
            "StringEquals": {"aws:SourceAccount": "123456789012"},
        },
    }
    state = json.loads((tmp_path / "terraform.tfstate").read_text())
    dns_rules = [resource for resource in state["resources"] if resource["name"] in ("dns_udp", "dns_tcp")]
    assert sorted(
        (instance["attributes"]["ip_protocol"], instance["attributes"]["cidr_ipv4"])
        for resource in dns_rules
        for instance in resource["instances"]
    ) == [("tcp", "10.61.0.2/32"), ("udp", "10.61.0.2/32")]
