"""checkov over the module, the example and the planned JSON: clean; every custom policy can fail."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from finfocus_ecs.project import MODULE_DIR, POLICIES_DIR, QUICKSTART_DIR
from finfocus_ecs.roots import copy_quickstart
from finfocus_ecs.scan import CHECKOV_VENV, port_coverage_failures, scan
from finfocus_ecs.terraform import Terraform
from tests.commands import run_cli
from tests.module_cases import NETWORK

pytestmark = pytest.mark.scan

FIXTURES = Path(__file__).with_name("fixtures")
# fixture folder => the policy it must fail
EXPECTED = {
    "no_world_ingress": "CKV_FINFOCUS_1",
    "ecs_service_private_discovery": "CKV_FINFOCUS_2",
    "cloud_map_a_records": "CKV_FINFOCUS_3",
    "https_only_egress": "CKV_FINFOCUS_4",
    "no_privileged_containers": "CKV_FINFOCUS_6",
}


def test_checkov_parses_every_terraform_file():
    """checkov's own HCL parser (bc-python-hcl2) drops a file it cannot read, and with it every check on
    that file's resources, without failing: an error message with `{}` inside once hid ecs.tf from it."""
    files = sorted(str(path) for directory in (MODULE_DIR, QUICKSTART_DIR) for path in directory.glob("*.tf"))
    program = "import hcl2, sys\nfor name in sys.argv[1:]:\n    with open(name) as handle:\n        hcl2.load(handle)"
    python = str(CHECKOV_VENV / "bin" / "python")
    completed = subprocess.run([python, "-c", program, *files], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_module_scan_is_clean():
    result = scan(MODULE_DIR)
    assert result.failures == []
    assert result.passed > 40
    assert sorted(skip["check_id"] for skip in result.skipped) == ["CKV_AWS_158", "CKV_AWS_336"]


def test_example_scan_is_clean_with_reasoned_skips_only():
    result = scan(QUICKSTART_DIR)
    assert result.failures == []
    assert sorted(skip["check_id"] for skip in result.skipped) == ["CKV2_AWS_11", "CKV_AWS_158", "CKV_AWS_336"]
    assert all(len(skip["reason"]) > 40 for skip in result.skipped)


def test_quickstart_plan_json_is_clean(emulator, tmp_path):
    emulator.reset()
    root = copy_quickstart(tmp_path)
    terraform = Terraform(root, env=emulator.aws_env())
    terraform.init()
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(terraform.plan_json()))
    result = scan(plan_file)
    assert result.failures == [], result.failures
    assert result.passed > 40


def test_every_policy_fails_its_fixture_through_the_command(tmp_path):
    sarif, junit = tmp_path / "scan.sarif", tmp_path / "scan.xml"
    completed = run_cli("scan", str(FIXTURES), "--json", "--sarif", str(sarif), "--junit", str(junit))
    assert completed.returncode == 1, completed.stderr
    failures = json.loads(completed.stdout)["failures"]
    for folder, check_id in EXPECTED.items():
        hits = [f for f in failures if f["check_id"] == check_id and f["file"].startswith(f"/{folder}/")]
        assert hits, f"{check_id} did not fail on fixtures/{folder}"
        assert all(hit["line"] and hit["advice"] for hit in hits)
    # DNS to named servers passes the egress policy; DNS to the world, and anything but 443 and 53, fails it.
    egress = {f["resource"] for f in failures if f["check_id"] == "CKV_FINFOCUS_4"}
    assert egress == {
        "aws_vpc_security_group_egress_rule.bad",
        "aws_vpc_security_group_egress_rule.dns_to_world",
        "aws_security_group.dns_to_world_inline",
        "aws_vpc_security_group_egress_rule.ntp_to_resolver",
    }
    assert {run["tool"]["driver"]["name"] for run in json.loads(sarif.read_text())["runs"]} == {"Checkov"}
    assert ElementTree.parse(junit).getroot().tag == "testsuites"


def test_every_policy_file_has_a_fixture():
    policy_files = {path.stem for path in POLICIES_DIR.glob("*.py") if path.stem != "__init__"}
    assert policy_files == set(EXPECTED)


def test_port_coverage_check_fails_when_ingress_and_mappings_differ():
    plan = json.loads((FIXTURES / "port_coverage_plan.json").read_text())
    failures = port_coverage_failures(plan)
    assert [failure.check_id for failure in failures] == ["CKV_FINFOCUS_5"]
    assert "[8004, 8005]" in failures[0].advice and failures[0].resource == "module.finfocus"


def test_port_coverage_check_passes_every_planned_module_case(module_cases):
    assert port_coverage_failures(module_cases.plan) == []


def test_every_module_variant_is_clean_bridge_on_and_off(module_cases, tmp_path):
    """checkov and the custom policies over the planned variants: bridge on and off, Spot, ECS Exec, secrets."""
    plan_file = tmp_path / "module-cases.json"
    plan_file.write_text(json.dumps(module_cases.plan))
    result = scan(plan_file)
    module_failures = [failure for failure in result.failures if failure.resource.startswith("module.")]
    assert module_failures == []
    # Only the test's own scaffolding (the VPC, groups, keys and secrets the calls take their ids from,
    # tests/module_cases.py's NETWORK) is not production-grade.
    scaffolding = {f"{kind}.{name}" for kind, items in NETWORK["resource"].items() for name in items}
    assert {failure.resource for failure in result.failures} <= scaffolding
    scanned = {entry["resource"].split(".")[1] for entry in result.skipped}
    assert {"defaults", "bridge_off", "extras", "all_spot"} <= scanned
