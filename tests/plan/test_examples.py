"""The examples a user copies, planned as written with their READMEs' values (tests/plan/examples.py)."""

from __future__ import annotations

import pytest

from finfocus_ecs.module import default_region_ports, image_layout_for, image_tag
from tests.plan.examples import errors_with, example_root, planned_example, readme_values

pytestmark = pytest.mark.plan

CALL = "finfocus"


@pytest.fixture(scope="module")
def existing(tmp_path_factory, run_dir):
    return planned_example(
        "existing-network", lambda: example_root(tmp_path_factory.mktemp("existing"), "existing-network"), run_dir
    )


@pytest.fixture(scope="module")
def production_root(tmp_path_factory):
    return example_root(tmp_path_factory.mktemp("production"), "production")


@pytest.fixture(scope="module")
def production(production_root, run_dir):
    return planned_example("production", lambda: production_root, run_dir)


def managed(plan, prefix: str = "") -> dict[str, dict]:
    """Address => planned values of the managed resources under prefix."""
    return {
        resource["address"]: resource["values"]
        for resource in plan.resources
        if resource["mode"] == "managed" and resource["address"].startswith(prefix)
    }


def change(plan, address: str) -> dict:
    [found] = [item["change"] for item in plan.plan["resource_changes"] if item["address"] == address]
    return found


def output(plan, name: str):
    return plan.plan["output_changes"][name]["after"]


def test_existing_network_creates_no_network_and_no_namespace(existing):
    created = {
        resource["type"]
        for resource in existing.resources
        if resource["mode"] == "managed" and resource["address"].startswith(f"module.{CALL}.")
    }
    assert not created & {"aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_service_discovery_private_dns_namespace"}
    assert {"aws_ecs_service", "aws_service_discovery_service", "aws_security_group"} <= created


def test_existing_network_checks_the_namespace_name_in_route53(existing):
    """The namespace's name is checked once its VPC is known (at apply): the read is planned."""
    read = change(existing, f"module.{CALL}.data.aws_route53_zone.existing_namespace[0]")
    assert read["actions"] == ["read"]
    assert read["after"]["name"] == readme_values("existing-network")["namespace_name"]
    assert read["after"]["private_zone"] is True and read["after_unknown"]["vpc_id"] is True


def test_existing_network_answers_in_the_users_namespace(existing):
    assert output(existing, "dns_name") == "aws-public.corp.internal"
    assert output(existing, "endpoints") == {
        region: f"aws-public.corp.internal:{port}" for region, port in default_region_ports().items()
    }


def test_existing_network_opens_the_ports_to_the_clients_and_the_vpc_only(existing):
    rules = existing.resources_of(CALL, "aws_vpc_security_group_ingress_rule")
    ports = default_region_ports().values()
    span = f"{min(ports)}-{max(ports)}"
    assert sorted(rules) == [
        f'aws_vpc_security_group_ingress_rule.this["{span}/allowed_security_group_ids[0]"]',
        f'aws_vpc_security_group_ingress_rule.this["{span}/the VPC CIDR blocks"]',
    ]
    service = existing.resource(CALL, "aws_ecs_service.this[0]")
    assert service["network_configuration"][0]["assign_public_ip"] is False


def test_production_runs_two_tasks_mostly_on_spot_with_an_on_demand_base(production):
    service = production.resource(CALL, "aws_ecs_service.autoscaled[0]")
    assert service["desired_count"] == 2
    strategy = {
        item["capacity_provider"]: (item["base"], item["weight"]) for item in service["capacity_provider_strategy"]
    }
    assert strategy == {"FARGATE": (1, 1), "FARGATE_SPOT": (0, 3)}
    task = production.resource(CALL, "aws_ecs_task_definition.this")
    # Fargate Spot takes X86_64 Linux tasks only (ECS Developer Guide, Fargate capacity providers).
    assert task["runtime_platform"] == [{"cpu_architecture": "X86_64", "operating_system_family": "LINUX"}]
    image = production.containers(CALL)["finfocus-plugin"]["image"]
    assert image_tag(image) not in (None, "latest"), "a pinned release"
    assert output(production, "endpoints").keys() == image_layout_for(image_tag(image)).keys()


def test_production_scales_on_cpu_and_memory_from_two_tasks(production):
    target = production.resource(CALL, "aws_appautoscaling_target.this[0]")
    assert (target["min_capacity"], target["max_capacity"]) == (2, 6)
    targets = {
        configuration["predefined_metric_specification"][0]["predefined_metric_type"]: configuration["target_value"]
        for policy in production.resources_of(CALL, "aws_appautoscaling_policy").values()
        for configuration in policy["target_tracking_scaling_policy_configuration"]
    }
    assert targets == {"ECSServiceAverageCPUUtilization": 60, "ECSServiceAverageMemoryUtilization": 70}


def test_production_sends_every_alarm_to_its_topic(production):
    alarms = managed(production, f"module.{CALL}.aws_cloudwatch_metric_alarm.")
    assert len(alarms) == 4
    for address in alarms:
        unknown = change(production, address)["after_unknown"]
        assert unknown["alarm_actions"] is True and unknown["ok_actions"] is True, address
    expressions = production.plan["configuration"]["root_module"]["module_calls"][CALL]["expressions"]
    assert "aws_sns_topic.alarms.arn" in expressions["alarm_actions"]["references"]
    assert managed(production, "aws_sns_topic.")["aws_sns_topic.alarms"]["name"] == "finfocus-pricing-alarms"
    [subscription] = managed(production, "aws_sns_topic_subscription.").values()
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "platform-oncall@example.com")


def test_production_keeps_logs_two_years_and_tags_everything(production):
    assert production.resource(CALL, "aws_cloudwatch_log_group.this")["retention_in_days"] == 731
    company = readme_values("production")["tags"]
    # The provider's default_tags, in tags_all where the plan knows it (for some resources only at apply).
    known = {address: values["tags_all"] for address, values in managed(production).items() if values.get("tags_all")}
    assert {
        "aws_sns_topic.alarms",
        f"module.{CALL}.aws_cloudwatch_log_group.this",
        f"module.{CALL}.aws_ecs_cluster.this[0]",
        f"module.{CALL}.aws_security_group.this",
    } <= known.keys()
    assert all(company.items() <= tags.items() for tags in known.values()), known
    assert production.resource(CALL, "aws_ecs_service.autoscaled[0]")["propagate_tags"] == "SERVICE"


@pytest.fixture(scope="module")
def production_errors(production_root):
    """One plan with both bad values: root variables are all validated before it stops."""
    bad = {"tags": {"Owner": "platform-team", "Environment": "production"}, "min_tasks": 1}
    return errors_with(production_root, {**readme_values("production"), **bad})


@pytest.mark.parametrize(
    "expected",
    ["tags lacks CostCenter: every resource carries Owner, CostCenter and Environment", "min_tasks = 1 is not allowed"],
)
def test_production_refuses_what_the_company_does_not_allow(production_errors, expected):
    assert sum(expected in error for error in production_errors) == 1, production_errors
