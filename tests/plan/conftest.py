"""Errors of the bad-input roots (tests/plan/cases.py), planned once per test run for every file."""

from __future__ import annotations

import pytest

from tests.plan.cases import PRECONDITION_CALLS, VARIABLE_CALLS


@pytest.fixture(scope="module")
def variable_errors(plan_diagnostics):
    return plan_diagnostics("variable-cases", VARIABLE_CALLS)


@pytest.fixture(scope="module")
def precondition_errors(plan_diagnostics):
    return plan_diagnostics("precondition-cases", PRECONDITION_CALLS)
