"""Bad input fails `terraform plan` with an error naming the input and the bad value.

The cases live in tests/plan/cases.py, one root per kind for the whole run.
"""

from __future__ import annotations

import pytest

from tests.plan.cases import (
    IMAGE_PRECONDITION_CASES,
    IMAGE_VARIABLE_CASES,
    PRECONDITION_CASES,
    REVIEW_PRECONDITION_CASES,
    REVIEW_VARIABLE_CASES,
    SCALING_VARIABLE_CASES,
    VARIABLE_CASES,
    assert_clear_error,
)

pytestmark = pytest.mark.plan


BAD_VARIABLES = {**VARIABLE_CASES, **IMAGE_VARIABLE_CASES, **REVIEW_VARIABLE_CASES, **SCALING_VARIABLE_CASES}


@pytest.mark.parametrize("call", sorted(BAD_VARIABLES))
def test_bad_variable_fails_plan_naming_it(variable_errors, call):
    _, variable, bad_value = BAD_VARIABLES[call]
    assert_clear_error(variable_errors[call], variable, bad_value)


INCONSISTENT_INPUTS = {**PRECONDITION_CASES, **IMAGE_PRECONDITION_CASES, **REVIEW_PRECONDITION_CASES}


@pytest.mark.parametrize("call", sorted(INCONSISTENT_INPUTS))
def test_inconsistent_inputs_fail_plan_naming_them(precondition_errors, call):
    _, variable, bad_value = INCONSISTENT_INPUTS[call]
    assert_clear_error(precondition_errors[call], variable, bad_value)


@pytest.mark.parametrize(
    "call", ["control", "control_custom_image_with_map", "control_digest_with_map", "control_mirror_with_known_tag"]
)
def test_valid_inputs_beside_bad_ones_raise_nothing(precondition_errors, call):
    assert precondition_errors[call] == []
