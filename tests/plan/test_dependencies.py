"""What the task definition and the service wait for, read from the planned configuration.

Timing cannot show an ordering fault: the emulator's IAM is consistent at
once, and AWS's is not. The dependency graph can: a task definition that does
not wait for its role's policies can start tasks that cannot yet write logs or
read secrets (ResourceInitializationError), and a service that does not wait
for the security group's rules can start tasks that cannot pull their image.
The edges are the references in each resource's configuration and its
depends_on, as `terraform show -json` reports them for the shared module_cases
plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

pytestmark = pytest.mark.plan

RESOURCE_REFERENCE = re.compile(r"^((?:data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+)")


def references(expressions: Any) -> Iterator[str]:
    """Every reference in a resource's expressions, nested blocks included."""
    if isinstance(expressions, Mapping):
        yield from expressions.get("references", [])
        for key, value in expressions.items():
            if key != "references":
                yield from references(value)
    elif isinstance(expressions, list):
        for item in expressions:
            yield from references(item)


def dependency_graph(plan: Mapping[str, Any], call: str) -> dict[str, set[str]]:
    """Resource address => the resources it references or names in depends_on (locals aside)."""
    module = plan["configuration"]["root_module"]["module_calls"][call]["module"]
    graph = {}
    for resource in module["resources"]:
        edges = [*references(resource.get("expressions", {})), *resource.get("depends_on", [])]
        graph[resource["address"]] = {match.group(1) for edge in edges if (match := RESOURCE_REFERENCE.match(edge))}
    return graph


def ancestors(graph: Mapping[str, set[str]], address: str) -> set[str]:
    seen: set[str] = set()
    pending = [address]
    while pending:
        for parent in graph.get(pending.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                pending.append(parent)
    return seen


@pytest.fixture(scope="module")
def graph(module_cases):
    # Every call shares the module's configuration; this one plans all of it.
    return dependency_graph(module_cases.plan, "full_featured")


def test_task_definition_waits_for_every_policy_of_the_module_roles(graph):
    policies = {address for address in graph if address.startswith(("aws_iam_role_policy.", "aws_iam_role_policy_"))}
    assert policies == {
        "aws_iam_role_policy.execute_command",
        "aws_iam_role_policy.secrets",
        "aws_iam_role_policy_attachment.execution",
    }
    assert policies <= ancestors(graph, "aws_ecs_task_definition.this")


@pytest.mark.parametrize("service", ["aws_ecs_service.this", "aws_ecs_service.autoscaled"])
def test_service_waits_for_the_task_definition_and_every_egress_rule_but_not_the_ingress_rules(graph, service):
    """Both services: tasks pull their image through the egress rules, so those come first.

    Not the ingress rules (service.tf): a create_before_destroy service that waits for their destroys
    made a cycle when an upgrade from an older release deleted a rule in the apply that replaced it.
    """
    egress = {address for address in graph if address.startswith("aws_vpc_security_group_egress_rule.")}
    assert len(egress) == 3
    waits_for = ancestors(graph, service)
    assert egress | {"aws_ecs_task_definition.this", "aws_iam_role_policy_attachment.execution"} <= waits_for
    assert "aws_vpc_security_group_ingress_rule.this" not in waits_for


def test_the_running_service_is_read_from_both_services(graph):
    """terraform_data.service reads both, so the old one is destroyed only after it is updated to the new one."""
    assert {"aws_ecs_service.this", "aws_ecs_service.autoscaled"} <= graph["terraform_data.service"]
