"""Issue 13, real-AWS hardening: each item's good value, bad value and message.

ECS's health check limits, Fargate's task sizes, the wait for the service,
trust policies with confused-deputy conditions and DNS egress are planned
offline, in the shared roots of tests/plan/cases.py and tests/module_cases.py.
An existing namespace and the apply are in tests/e2e/test_hardening_apply.py.
"""

from __future__ import annotations

import pytest

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
def test_bad_value_fails_plan_with_its_message(hardening_variable_errors, call):
    _, variable, fragment = HARDENING_VARIABLE_CASES[call]
    assert_clear_error(hardening_variable_errors[call], variable, fragment)


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
    service = module_cases.resource("defaults", "aws_ecs_service.this[0]")
    assert service["wait_for_steady_state"] is True
    assert (service["timeouts"]["create"], service["timeouts"]["update"]) == ("15m", "15m")


def test_the_wait_can_be_turned_off(good):
    assert good.resource("no_wait", "aws_ecs_service.this[0]")["wait_for_steady_state"] is False


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
