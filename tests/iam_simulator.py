"""A small IAM policy evaluator, for what the deployer policy lets its holder do (tests only).

It evaluates identity-policy statements as IAM does for the features the
policies here use: Action and Resource with `*` and `?` wildcards (actions
case-insensitive, resources case-sensitive), Effect Allow and Deny (an
explicit Deny wins; nothing allowed is an implicit deny), and the condition
operators StringEquals, StringLike, ArnEquals and ArnLike, each key ANDed,
the values of one key ORed, a key absent from the request context failing
its condition (IAM policy evaluation logic, IAM User Guide).

What it does not do: NotAction, NotResource, policy variables, the
...IfExists and ForAllValues/ForAnyValue forms, numeric, date, Bool and IP
operators, resource-based policies, boundaries, SCPs and session policies.
A statement using any of these fails loudly rather than being misread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

OPERATORS = {"StringEquals", "StringLike", "ArnEquals", "ArnLike"}
UNSUPPORTED_ELEMENTS = {"NotAction", "NotResource", "NotPrincipal", "Principal"}


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _pattern(glob: str, case_sensitive: bool) -> re.Pattern[str]:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in glob)
    return re.compile(f"^{regex}$", 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def _matches(glob: str, value: str, case_sensitive: bool = True) -> bool:
    return bool(_pattern(glob, case_sensitive).match(value))


def _condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    for operator, keys in condition.items():
        if operator not in OPERATORS:
            raise ValueError(f"condition operator {operator} is not evaluated here")
        for key, expected in keys.items():
            actual = context.get(key)
            if actual is None:
                return False
            globbing = operator in ("StringLike", "ArnLike")
            if not any(_matches(value, actual) if globbing else value == actual for value in _listed(expected)):
                return False
    return True


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]) -> bool:
    unsupported = UNSUPPORTED_ELEMENTS & set(statement)
    if unsupported:
        raise ValueError(f"statement {statement.get('Sid')} uses {sorted(unsupported)}, not evaluated here")
    return (
        any(_matches(pattern, action, case_sensitive=False) for pattern in _listed(statement["Action"]))
        and any(_matches(pattern, resource) for pattern in _listed(statement["Resource"]))
        and _condition_holds(statement.get("Condition", {}), context)
    )


def allowed(policy: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str] | None = None) -> bool:
    """Whether the policy allows `action` on `resource` with the request context `context`."""
    matching = [
        statement["Effect"] for statement in policy["Statement"] if _applies(statement, action, resource, context or {})
    ]
    return "Allow" in matching and "Deny" not in matching
