"""Bad input fails `terraform plan` with an error naming the input and the bad value.

The cases live in tests/plan/cases.py, one root per kind for the whole run.
"""

from __future__ import annotations

import pytest

from tests.plan.api_limits import INPUT_COLLECTIONS, NOT_AN_API_COLLECTION, allowed
from tests.plan.cases import (
    DEFAULT_TAGS,
    IMAGE_PRECONDITION_CASES,
    IMAGE_VARIABLE_CASES,
    LIFECYCLE_PRECONDITION_CASES,
    LIFECYCLE_VARIABLE_CASES,
    PRECONDITION_CASES,
    REVIEW_PRECONDITION_CASES,
    REVIEW_VARIABLE_CASES,
    SCALING_VARIABLE_CASES,
    SIZE_VARIABLE_CASES,
    VARIABLE_CASES,
    assert_clear_error,
)

pytestmark = pytest.mark.plan


BAD_VARIABLES = {
    **VARIABLE_CASES,
    **IMAGE_VARIABLE_CASES,
    **REVIEW_VARIABLE_CASES,
    **SCALING_VARIABLE_CASES,
    **SIZE_VARIABLE_CASES,
    **LIFECYCLE_VARIABLE_CASES,
}


@pytest.mark.parametrize("call", sorted(BAD_VARIABLES))
def test_bad_variable_fails_plan_naming_it(variable_errors, call):
    _, variable, bad_value = BAD_VARIABLES[call]
    assert_clear_error(variable_errors[call], variable, bad_value)


INCONSISTENT_INPUTS = {
    **PRECONDITION_CASES,
    **IMAGE_PRECONDITION_CASES,
    **REVIEW_PRECONDITION_CASES,
    **LIFECYCLE_PRECONDITION_CASES,
}


@pytest.mark.parametrize("call", sorted(INCONSISTENT_INPUTS))
def test_inconsistent_inputs_fail_plan_naming_them(precondition_errors, call):
    _, variable, bad_value = INCONSISTENT_INPUTS[call]
    assert_clear_error(precondition_errors[call], variable, bad_value)


@pytest.mark.parametrize(
    "call",
    [
        "control",
        "control_custom_image_with_map",
        "control_digest_with_map",
        "control_mirror_with_known_tag",
        "control_tags_with_default_tags",
        "control_rules_per_family",
        "control_rules_quota_raised",
    ],
)
def test_valid_inputs_beside_bad_ones_raise_nothing(precondition_errors, call):
    assert precondition_errors[call] == []


@pytest.mark.parametrize("name", sorted(INPUT_COLLECTIONS))
def test_as_many_items_as_the_api_model_allows_plan(variable_errors, name):
    assert variable_errors[f"control_{name}_at_the_api_model"] == []


def test_tags_at_their_longest_plan(variable_errors):
    assert variable_errors["control_tags_at_their_longest"] == []


def test_every_list_or_map_input_is_held_to_the_api_model_or_says_why_not():
    """A new list or map variable must be sized against the API it reaches, or be listed with a reason."""
    from finfocus_ecs.module import variables

    collections = {
        name for name, variable in variables().items() if variable.type.startswith(("list(", "map(", "set("))
    }
    assert collections == set(INPUT_COLLECTIONS) | set(NOT_AN_API_COLLECTION), collections ^ (
        set(INPUT_COLLECTIONS) | set(NOT_AN_API_COLLECTION)
    )


def test_default_tags_count_toward_the_fifty(precondition_errors):
    assert_clear_error(
        precondition_errors["tags_with_default_tags"],
        f"tags ({allowed('tags')}) and the provider's default_tags ({len(DEFAULT_TAGS)}) make 60 tags",
        "at most 50",
    )


def test_an_unknown_tag_is_refused_with_the_newest_layout_ready_to_paste(precondition_errors):
    """A release after the newest the module knows: the error gives region_ports to paste and the check to run."""
    import re

    from finfocus_ecs.evaluate import parse_region_ports
    from finfocus_ecs.module import image_layouts, parse_hcl

    [message] = precondition_errors["unknown_tag_without_map"]
    newest = {region: int(port) for region, port in image_layouts()[-1]["region_ports"].items()}
    pasted = re.search(r"ready to paste: (region_ports = \{[^}]*\})", message)
    assert pasted, message
    assert parse_hcl(pasted.group(1) + "\n")["region_ports"] == newest
    command = re.search(r"finfocus-ecs verify HOST --image (\S+) --region-ports (\S+)", message)
    assert command, message
    assert parse_region_ports(command.group(2)) == newest
