"""`finfocus-ecs rehearse`, as a user on a Linux machine runs it (root needed)."""

from __future__ import annotations

import json

import pytest

from tests.commands import run_cli
from tests.module_cases import PLUGIN_REPOSITORY

pytestmark = pytest.mark.rehearsal


def test_rehearse_an_older_tag_reports_healthy_answers_and_a_clean_stop(rehearsal_available):
    completed = run_cli("rehearse", "--image", f"{PLUGIN_REPOSITORY}:v0.1.3", "--time-scale", "0.05", "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["ok"] and result["healthy"] and result["task"]["last_status"] == "STOPPED"
    assert {result["region_ports"][p["grpc_region"]] for p in result["probes"].values()} == set(range(8001, 8010))
    assert result["seconds_to_healthy"] < 30
    assert "finfocus-plugin HEALTHY" in completed.stderr, "progress on stderr"


def test_rehearse_names_the_missing_region_and_exits_1(rehearsal_available, tmp_path):
    definition = tmp_path / "td.json"
    definition.write_text(run_cli("task-definition").stdout)
    regions = "us-east-1,us-west-2,eu-west-1,ap-southeast-1,ap-southeast-2,ap-northeast-1,ap-south-1,ca-central-1"
    completed = run_cli("rehearse", "--task-definition", str(definition), "--image-regions", regions)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "no binary for region(s) sa-east-1 us-west-1" in " ".join(completed.stdout.split())
    assert "Essential container in task exited: finfocus-plugin" in completed.stdout


def test_rehearse_rejects_a_bad_time_scale():
    completed = run_cli("rehearse", "--time-scale", "0")
    assert completed.returncode == 2
    assert "0.0 is not allowed: use a factor above 0 and at most 1" in completed.stderr
