"""One `name` in several regions of an account: IAM role names are account-wide, so they carry the region.

Every other name the module gives is regional (cluster, service, log group,
namespace, alarms) or per VPC (security group); an IAM role's is unique in
the account, so a second region's deployment of the same name failed with
EntityAlreadyExists. tests/e2e/test_service_lifecycle.py applies one name in
two regions against the emulator, whose IAM is account-wide too.
"""

from __future__ import annotations

import pytest

from finfocus_ecs.roots import offline_inputs, offline_provider
from tests.plan.cases import assert_clear_error

pytestmark = pytest.mark.plan

# The longest names of region AWS has: 14 characters (ap-southeast-4 and others).
LONG_REGION = "ap-southeast-4"


@pytest.fixture(scope="module")
def long_region_errors(plan_diagnostics):
    calls = {
        "longest_name": offline_inputs(name="a" * 40, enable_execute_command=True),
        "one_shorter": offline_inputs(name="a" * 39, enable_execute_command=True),
    }
    return plan_diagnostics("long-region", calls, provider=offline_provider(LONG_REGION))


def test_role_names_carry_the_region(module_cases):
    roles = module_cases.resources_of("full_featured", "aws_iam_role")
    name = module_cases.resource("full_featured", "aws_ecs_task_definition.this")["family"]
    assert sorted(role["name"] for role in roles.values()) == [
        f"{name}-execution-us-east-1",
        f"{name}-task-us-east-1",
    ]


def test_a_role_name_over_iam_s_64_characters_fails_the_plan_saying_how_long_a_name_may_be(long_region_errors):
    assert_clear_error(
        long_region_errors["longest_name"],
        f'name = "{"a" * 40}" makes the execution role\'s name {"a" * 40}-execution-{LONG_REGION}, 65 characters',
        "Use a name of at most 39 characters",
    )
    assert long_region_errors["one_shorter"] == []
