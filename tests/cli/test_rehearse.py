"""`finfocus-ecs rehearse`, as a user on a Linux machine runs it (root needed)."""

from __future__ import annotations

import json

import pytest

from tests.commands import run_cli

pytestmark = pytest.mark.rehearsal


def test_rehearse_the_defaults_reports_healthy_answers_and_a_clean_stop(rehearsal_available):
    """The module's defaults, as a user first runs it (each layout's tag is rehearsed in tests/rehearsal)."""
    completed = run_cli("rehearse", "--time-scale", "0.05", "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["ok"] and result["healthy"] and result["task"]["last_status"] == "STOPPED"
    assert {result["region_ports"][p["region"]] for p in result["probes"].values()} == set(range(8001, 8011))
    assert all(len(set(p["prices"].values())) == 1 for p in result["probes"].values()), "one price over each protocol"
    assert result["seconds_to_healthy"] < 30
    assert "finfocus-plugin HEALTHY" in completed.stderr, "progress on stderr"


def test_rehearse_exits_1_when_the_task_is_not_healthy_in_time(rehearsal_available):
    """At Fargate's timing the first health check runs 30 s after start: a 3 s limit cannot be met."""
    completed = run_cli("rehearse", "--healthy-timeout", "3")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Task STOPPED, health UNKNOWN" in completed.stdout
    assert "FAILED: see above" in completed.stdout
    assert "Stopped reason: Task stopped by user" in completed.stdout


def test_rehearse_rejects_a_bad_time_scale():
    completed = run_cli("rehearse", "--time-scale", "0")
    assert completed.returncode == 2
    assert "0.0 is not allowed: use a factor above 0 and at most 1" in completed.stderr
