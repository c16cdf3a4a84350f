"""`finfocus-ecs endpoints` and `cost`, as a user runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from finfocus_ecs.cli import app
from finfocus_ecs.module import default_region_ports
from tests.commands import per_task, run_cli
from tests.module_cases import CUSTOM_IMAGE

pytestmark = pytest.mark.plan

runner = CliRunner()


def test_endpoints_json_lists_every_region_of_the_default_map():
    completed = run_cli("endpoints", "--json")
    assert completed.returncode == 0, completed.stderr
    rows = json.loads(completed.stdout)
    assert {row["region"]: row["port"] for row in rows} == default_region_ports()
    assert rows[0] == {"region": "us-east-1", "port": 8001, "endpoint": "aws-public.finfocus.local:8001"}


def test_endpoints_table_for_another_name_and_map_in_process():
    result = runner.invoke(
        app,
        [
            "endpoints",
            "--service-discovery-name",
            "pricing",
            "--namespace",
            "corp.internal",
            "--image",
            CUSTOM_IMAGE,
            "--region-ports",
            "eu-west-1=9101",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "pricing.corp.internal:9101" in result.stdout
    assert "8001" not in result.stdout


def test_endpoints_rejects_a_bad_namespace():
    completed = run_cli("endpoints", "--namespace", "Not_DNS")
    assert completed.returncode == 2
    assert 'namespace_name = "Not_DNS"' in completed.stderr


def test_cost_of_the_defaults_matches_the_published_arithmetic():
    """$72.08 on demand: the figure in our AWS price notes for a 2 vCPU / 4 GB x86 task."""
    on_demand = json.loads(run_cli("cost", "--json").stdout)[0]
    lines = {line["item"]: round(line["monthly"], 2) for line in on_demand["lines"]}
    assert lines["Fargate on demand (us-east-1, X86_64)"] == 72.08
    nlb = {line["item"]: round(line["monthly"], 2) for line in on_demand["nlb_alternative"]}
    assert nlb["NLB hours"] == 16.43
    assert on_demand["nlb_alternative_total"] > on_demand["total"]


def test_cost_shows_its_arithmetic_in_process():
    result = runner.invoke(app, ["cost"])
    assert result.exit_code == 0, result.output
    assert "(2 vCPU × $0.04048 + 4 GB × $0.004445) = $0.09874/task-hour × 730 h × 1 task(s) = $72.08" in result.stdout
    # Container Insights, on for the cluster the module creates: 32 custom metrics at $0.30.
    assert "Container Insights (on for the cluster the module creates): 32 metrics" in result.stdout
    assert "= $9.60" in result.stdout


def test_cost_names_what_it_leaves_out_in_words_a_user_knows():
    text = " ".join(runner.invoke(app, ["cost"]).stdout.split())
    assert "The alternative not chosen: an NLB" in text and "seed" not in text
    not_included = text.split("not included, the same for both designs: ", 1)[1]
    for left_out in ("NAT gateway", "public IPv4 address", "data transfer", "performance log events"):
        assert left_out in not_included, left_out


def test_cost_of_alarms_counts_each_metric_they_read(module_cases):
    """A metric-math alarm bills each metric it reads: the module's four read 1, 1, 2 and 4 (alarms.tf)."""
    from finfocus_ecs.cost import deployments_from_plan

    by_address = {item.address: item for item in deployments_from_plan(module_cases.plan)}
    with_alarms = [item for item in by_address.values() if item.alarm_metrics]
    assert with_alarms and all(item.alarm_metrics == 8 for item in with_alarms), {
        address: item.alarm_metrics for address, item in by_address.items()
    }


def test_cost_of_a_plan_file(module_cases, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(module_cases.plan))
    completed = run_cli("cost", "--plan", str(plan), "--json")
    assert completed.returncode == 0, completed.stderr
    by_address = {item["deployment"]["address"]: item for item in json.loads(completed.stdout)}
    assert by_address["module.defaults"]["total"] == json.loads(run_cli("cost", "--json").stdout)[0]["total"]
    # Container definitions known only after apply: the region comes from the provider's configuration.
    assert by_address["module.from_resources_own_roles"]["deployment"]["region"] == "us-east-1"
    arm = by_address["module.extras"]["deployment"]
    assert arm["architecture"] == "ARM64" and arm["strategy"]
    # $21.62 on Spot at 70% off: the figure in our AWS price notes for 2 vCPU / 4 GB x86.
    spot = {line["item"]: round(line["monthly"], 2) for line in by_address["module.all_spot"]["lines"]}
    assert spot["Fargate Spot"] == 21.62
    assert spot["Fargate on demand (us-east-1, X86_64)"] == 0


def test_cost_with_autoscaling_gives_the_fewest_and_the_most_tasks():
    """At the fewest tasks it costs what the fixed count does; each task more, one task's lines more."""
    item = json.loads(run_cli("cost", "--min-capacity", "1", "--max-capacity", "4", "--json").stdout)[0]
    fixed = json.loads(run_cli("cost", "--json").stdout)[0]
    assert item["autoscaling"]["min_capacity"] == 1 and item["autoscaling"]["max_capacity"] == 4
    assert item["autoscaling"]["total_at_min"] == fixed["total"]
    assert item["autoscaling"]["total_at_max"] == pytest.approx(fixed["total"] + 3 * per_task(fixed), abs=0.01)
    assert per_task(fixed) == pytest.approx(72.08 + 0.10, abs=0.01)
    assert fixed["autoscaling"] is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--min-capacity", "2"], "give --min-capacity and --max-capacity together"),
        (["--min-capacity", "3", "--max-capacity", "2"], "--min-capacity 3 and --max-capacity 2: use 1 <= min <= max"),
        (["--min-capacity", "0", "--max-capacity", "2"], "--min-capacity 0"),
    ],
)
def test_cost_rejects_a_bad_capacity_range(arguments, message):
    completed = run_cli("cost", *arguments)
    assert completed.returncode == 2
    assert message in completed.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("not json", "is not a plan JSON"), ("{}", "no aws_ecs_task_definition")],
)
def test_cost_rejects_an_unreadable_plan(tmp_path, content, message):
    plan = tmp_path / "plan.json"
    if content is not None:
        plan.write_text(content)
    completed = run_cli("cost", "--plan", str(plan))
    assert completed.returncode == 2
    assert message in completed.stderr and "Traceback" not in completed.stderr


def test_cost_rejects_a_region_without_prices():
    completed = run_cli("cost", "--region", "af-south-1")
    assert completed.returncode == 2
    assert "no Fargate price for af-south-1" in completed.stderr


def test_unknown_option_is_a_usage_error():
    completed = run_cli("endpoints", "--colour", "blue")
    assert completed.returncode == 2
    assert "No such option" in completed.stderr
