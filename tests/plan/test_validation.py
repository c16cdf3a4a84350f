"""Bad input fails `terraform plan` with an error naming the input and the bad value.

All cases of a kind share one root (one module call each), so the whole table
costs two plans; each error is matched to its call by where it points.
"""

from __future__ import annotations

import pytest

from finfocus_ecs.roots import offline_inputs

pytestmark = pytest.mark.plan

# call name: (inputs, variable the error must name, bad value it must quote)
VARIABLE_CASES = {
    "cpu_not_fargate": ({"cpu": 3000}, "cpu", "3000"),
    "port_above_range": ({"region_ports": {"us-east-1": 70000}}, "region_ports", "us-east-1 = 70000"),
    "port_zero": ({"region_ports": {"us-east-1": 0, "us-west-2": 8002}}, "region_ports", "us-east-1 = 0"),
    "port_duplicated": ({"region_ports": {"us-east-1": 8001, "us-west-2": 8001}}, "region_ports", "8001"),
    "region_ports_empty": ({"region_ports": {}}, "region_ports", "empty"),
    "region_not_aws": ({"region_ports": {"us-east-1": 8001, "mars-north-1": 8002}}, "region_ports", "mars-north-1"),
    "metrics_port_out_of_range": ({"metrics_port": 70000}, "metrics_port", "70000"),
    "namespace_not_dns": ({"namespace_name": "Fin_Focus..local"}, "namespace_name", "Fin_Focus..local"),
    "service_name_not_dns": ({"service_discovery_name": "-aws-public"}, "service_discovery_name", "-aws-public"),
    "cidr_invalid": ({"allowed_cidr_blocks": ["10.0.0.300/16"]}, "allowed_cidr_blocks", "10.0.0.300/16"),
    "cidr_world_ipv4": ({"allowed_cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}, "allowed_cidr_blocks", "0.0.0.0/0"),
    "cidr_world_ipv6": ({"allowed_cidr_blocks": ["::/0"]}, "allowed_cidr_blocks", "::/0"),
    "metrics_cidr_world": ({"metrics_allowed_cidr_blocks": ["0.0.0.0/0"]}, "metrics_allowed_cidr_blocks", "0.0.0.0/0"),
    "subnets_empty": ({"subnet_ids": []}, "subnet_ids", "empty"),
    "subnet_not_an_id": ({"subnet_ids": ["subnet-xyz"]}, "subnet_ids", "subnet-xyz"),
    "vpc_not_an_id": ({"vpc_id": "vpc-nothex"}, "vpc_id", "vpc-nothex"),
    "desired_count_negative": ({"desired_count": -1}, "desired_count", "-1"),
    "retention_not_cloudwatch": ({"log_retention_in_days": 42}, "log_retention_in_days", "42"),
    "health_interval_too_long": ({"health_check": {"interval": 301}}, "health_check.interval", "301"),
    "health_timeout_too_short": ({"health_check": {"timeout": 1}}, "health_check.timeout", "= 1 "),
    "health_retries_too_many": ({"health_check": {"retries": 11}}, "health_check.retries", "11"),
    "health_start_period_too_long": ({"health_check": {"start_period": 301}}, "health_check.start_period", "301"),
    "cpu_architecture_unknown": ({"cpu_architecture": "ARM32"}, "cpu_architecture", "ARM32"),
    "log_level_unknown": ({"log_level": "verbose"}, "log_level", "verbose"),
    "capacity_weights_all_zero": (
        {"capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 0}]},
        "capacity_provider_strategy",
        "FARGATE = 0",
    ),
    "capacity_provider_unknown": (
        {"capacity_provider_strategy": [{"capacity_provider": "EC2"}]},
        "capacity_provider_strategy",
        "EC2",
    ),
    "environment_sets_managed_name": (
        {"environment": {"FINFOCUS_LOG_LEVEL": "debug"}},
        "environment",
        "FINFOCUS_LOG_LEVEL",
    ),
    "secret_not_an_arn": ({"secrets": {"TOKEN": "my-secret"}}, "secrets", "my-secret"),
    "name_too_odd": ({"name": "9-finfocus"}, "name", "9-finfocus"),
    "grace_beyond_stop_timeout": ({"termination_grace_seconds": 200}, "termination_grace_seconds", "200"),
    "dns_ttl_negative": ({"dns_ttl": -5}, "dns_ttl", "-5"),
    "bridge_image_latest": ({"port_bridge_image": "haproxy:latest"}, "port_bridge_image", "haproxy:latest"),
    "cluster_arn_not_an_arn": ({"cluster_arn": "shared"}, "cluster_arn", "shared"),
}

# Inconsistent pairs of inputs: caught by preconditions, still at plan time.
PRECONDITION_CASES = {
    "cpu_memory_pair": ({"cpu": 2048, "memory": 3072}, "memory", "memory = 3072"),
    "metrics_clashes_with_region": ({"metrics_port": 8003}, "metrics_port", "metrics_port = 8003"),
    "bridge_leaves_plugin_too_little": (
        {"cpu": 256, "memory": 512, "port_bridge_cpu": 200},
        "port_bridge_cpu",
        "port_bridge_cpu = 200",
    ),
}


@pytest.fixture(scope="module")
def variable_errors(plan_diagnostics):
    return plan_diagnostics(
        "variable-cases", {call: offline_inputs(**inputs) for call, (inputs, _, _) in VARIABLE_CASES.items()}
    )


@pytest.fixture(scope="module")
def precondition_errors(plan_diagnostics):
    calls = {call: offline_inputs(**inputs) for call, (inputs, _, _) in PRECONDITION_CASES.items()}
    calls["control"] = offline_inputs()
    return plan_diagnostics("precondition-cases", calls)


def assert_clear_error(errors: list[str], variable: str, bad_value: str) -> None:
    assert errors, "plan accepted the bad input"
    assert any(variable in error and bad_value in error for error in errors), errors


@pytest.mark.parametrize("call", sorted(VARIABLE_CASES))
def test_bad_variable_fails_plan_naming_it(variable_errors, call):
    _, variable, bad_value = VARIABLE_CASES[call]
    assert_clear_error(variable_errors[call], variable, bad_value)


@pytest.mark.parametrize("call", sorted(PRECONDITION_CASES))
def test_inconsistent_inputs_fail_plan_naming_them(precondition_errors, call):
    _, variable, bad_value = PRECONDITION_CASES[call]
    assert_clear_error(precondition_errors[call], variable, bad_value)


def test_valid_inputs_beside_bad_ones_raise_nothing(precondition_errors):
    assert precondition_errors["control"] == []
