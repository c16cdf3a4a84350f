"""The module plans when every id-like input comes from a resource of the same root.

Most users create the client's security group, a shared cluster or a KMS key
beside the module. Such values are known only after apply, and Terraform
refuses to plan a for_each key or a count that depends on one ("Invalid
for_each argument", "Invalid count argument"). The calls `from_resources` and
`from_resources_own_roles` in tests/module_cases.py take every id-like input
from a resource; the shared offline plan needs no AWS call to plan them.
"""

from __future__ import annotations

import re

import pytest

from finfocus_ecs.module import variables
from tests.module_cases import CALLS

pytestmark = pytest.mark.plan

FROM_RESOURCE_CALLS = ("from_resources", "from_resources_own_roles")
# Inputs that name an AWS resource or network: ids, ARNs, CIDR blocks, secrets.
ID_LIKE = re.compile(r"(_ids?|_arns?|cidr_blocks|_key_id|^secrets)$")


def references_a_resource(value) -> bool:
    values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    return bool(values) and all(isinstance(item, str) and "${" in item for item in values)


def test_every_id_like_input_comes_from_a_resource():
    """Guards the class: a new id-like input must be added to the calls."""
    id_like = sorted(name for name in variables() if ID_LIKE.search(name))
    covered = {
        name for call in FROM_RESOURCE_CALLS for name, value in CALLS[call].items() if references_a_resource(value)
    }
    assert len(id_like) >= 14
    assert set(id_like) <= covered, f"not taken from a resource in {FROM_RESOURCE_CALLS}: {set(id_like) - covered}"


def test_given_ids_known_only_after_apply_plan(module_cases):
    rules = module_cases.resources_of("from_resources", "aws_vpc_security_group_ingress_rule")
    # Keys name the input and the position, so they are known while the values are not.
    assert sorted(rules) == [
        'aws_vpc_security_group_ingress_rule.this["8001-8010/allowed_cidr_blocks[0]"]',
        'aws_vpc_security_group_ingress_rule.this["8001-8010/allowed_cidr_blocks[1]"]',
        'aws_vpc_security_group_ingress_rule.this["8001-8010/allowed_security_group_ids[0]"]',
        'aws_vpc_security_group_ingress_rule.this["metrics/metrics_allowed_cidr_blocks[0]"]',
        'aws_vpc_security_group_ingress_rule.this["metrics/metrics_allowed_security_group_ids[0]"]',
    ]
    egress = module_cases.resources_of("from_resources", "aws_vpc_security_group_egress_rule")
    assert sorted(egress) == [
        'aws_vpc_security_group_egress_rule.dns_tcp["dns_egress_cidr_blocks[0]"]',
        'aws_vpc_security_group_egress_rule.dns_udp["dns_egress_cidr_blocks[0]"]',
        'aws_vpc_security_group_egress_rule.https["egress_cidr_blocks[0]"]',
    ]
    # The given cluster, namespace and roles are used, not created.
    for kind in ("aws_ecs_cluster", "aws_service_discovery_private_dns_namespace", "aws_iam_role"):
        assert module_cases.resources_of("from_resources", kind) == {}, kind
    assert module_cases.resource("from_resources", "aws_ecs_service.this[0]")["name"] == "from-resources"


def test_own_roles_read_exactly_the_secrets_known_after_apply(module_cases):
    roles = module_cases.resources_of("from_resources_own_roles", "aws_iam_role")
    assert sorted(roles) == ["aws_iam_role.execution[0]", "aws_iam_role.task[0]"]
    assert "aws_iam_role_policy.secrets[0]" in module_cases.resources_of(
        "from_resources_own_roles", "aws_iam_role_policy"
    )
