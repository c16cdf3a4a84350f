"""Planned actions in words, for the e2e tests that hold a plan to what an input or an upgrade may change."""

from __future__ import annotations

# Terraform's actions of one planned change => the word the tests use ("create-first": a replacement that
# registers the new resource before it removes the old one).
WORDS = {
    ("no-op",): "no-op",
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("create", "delete"): "create-first",
    ("delete", "create"): "delete-first",
}


def action(actions: list[str]) -> str:
    return WORDS[tuple(actions)]
