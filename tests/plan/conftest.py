"""Errors of the bad-input roots (tests/plan/cases.py), planned once per test run for every file."""

from __future__ import annotations

import pytest

from finfocus_ecs.roots import offline_provider
from tests.plan.cases import DEFAULT_TAGS, HARDENING_VARIABLE_CALLS, PRECONDITION_CALLS, VARIABLE_CALLS


@pytest.fixture(scope="module")
def variable_errors(plan_diagnostics):
    return plan_diagnostics("variable-cases", VARIABLE_CALLS)


@pytest.fixture(scope="module")
def hardening_variable_errors(plan_diagnostics):
    return plan_diagnostics("hardening-variable-cases", HARDENING_VARIABLE_CALLS)


@pytest.fixture(scope="module")
def precondition_errors(plan_diagnostics):
    provider = {**offline_provider(), "default_tags": {"tags": DEFAULT_TAGS}}
    return plan_diagnostics("precondition-cases", PRECONDITION_CALLS, provider=provider)
