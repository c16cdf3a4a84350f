"""checkov over the module, the example and the planned JSON: clean; every custom policy can fail."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from finfocus_ecs import iam_audit
from finfocus_ecs.project import MODULE_DIR, POLICIES_DIR, QUICKSTART_DIR
from finfocus_ecs.roots import copy_quickstart
from finfocus_ecs.scan import CHECKOV_VENV, port_coverage_failures, scan
from finfocus_ecs.terraform import Terraform, planned_resources
from tests.commands import run_cli
from tests.module_cases import CALLS, NETWORK
from tests.plan.examples import EXAMPLES, EXAMPLES_DIR

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
    directories = (MODULE_DIR, QUICKSTART_DIR, *(EXAMPLES_DIR / example for example in EXAMPLES))
    files = sorted(str(path) for directory in directories for path in directory.glob("*.tf"))
    program = "import hcl2, sys\nfor name in sys.argv[1:]:\n    with open(name) as handle:\n        hcl2.load(handle)"
    python = str(CHECKOV_VENV / "bin" / "python")
    completed = subprocess.run([python, "-c", program, *files], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-2000:]


# Every IAM policy the module plans, by the block that writes or attaches it, and its kind.
DEFAULT_POLICIES = {
    "data.aws_iam_policy_document.ecs_execution_assume_role": "trust",
    "aws_iam_role_policy_attachment.execution": "managed",
}
FULL_POLICIES = {
    **DEFAULT_POLICIES,
    "data.aws_iam_policy_document.ecs_tasks_assume_role": "trust",
    "aws_iam_role_policy.execute_command": "permissions",
    "aws_iam_role_policy.secrets": "permissions",
}
# The one finding the module explains inline (iam.tf): AWS's own execution role policy allows "*".
EXPLAINED = ("RESOURCE_STAR", "module.finfocus.aws_iam_role_policy_attachment.execution[0]")


def audited_by_variant(audit) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for policy in audit.policies:
        found.setdefault(policy.variant, {})[iam_audit.block_key(policy.address)] = policy.kind
    return found


def test_module_scan_is_clean():
    """checkov, and parliament over every IAM policy of the module planned with default and full-featured inputs."""
    result = scan(MODULE_DIR)
    assert result.failures == []
    assert result.passed > 40
    assert sorted(skip["check_id"] for skip in result.skipped) == ["CKV_AWS_158", "CKV_AWS_336", "RESOURCE_STAR"]
    audit = result.policy_audit
    assert audited_by_variant(audit) == {"default": DEFAULT_POLICIES, "full-featured": FULL_POLICIES}
    assert audit.findings == 0
    assert {(item.finding.issue, item.finding.address) for item in audit.explained} == {EXPLAINED}


def test_full_featured_variant_plans_what_the_extras_case_plans(module_cases):
    """The scan's full-featured inputs and tests/module_cases.py's extras create the same IAM."""
    audited = iam_audit.audit_resources(module_cases.resources)
    extras = {iam_audit.block_key(p.address): p.kind for p in audited if p.address.startswith("module.extras.")}
    assert extras == FULL_POLICIES
    calls = module_cases.plan["configuration"]["root_module"]["module_calls"]
    assert set(iam_audit.MODULE_VARIANTS["full-featured"]) <= set(calls["extras"]["expressions"])


def test_an_inline_explanation_covers_its_issue_in_its_block_and_the_policies_made_from_it(tmp_path):
    """`#parliament:skip` in a policy document's block covers the role policy using its JSON, and only that issue."""
    (tmp_path / "iam.tf").write_text(
        'data "aws_iam_policy_document" "exec" {\n'
        "  #parliament:skip=RESOURCE_STAR:these actions take no resource\n"
        "}\n\n"
        'resource "aws_iam_role_policy" "exec" {\n'
        "  policy = data.aws_iam_policy_document.exec.json\n"
        "}\n\n"
        'resource "aws_iam_role_policy" "other" {\n'
        "}\n"
    )

    def policy(address: str, *issues: str) -> iam_audit.AuditedPolicy:
        findings = [iam_audit.PolicyFinding(issue, issue, "LOW", "", address, "") for issue in issues]
        return iam_audit.AuditedPolicy(address, "permissions", {}, findings=findings)

    policies = [
        policy("module.finfocus.aws_iam_role_policy.exec[0]", "RESOURCE_STAR", "UNKNOWN_ACTION"),
        policy("module.finfocus.aws_iam_role_policy.other[0]", "RESOURCE_STAR"),
        policy("module.elsewhere.aws_iam_role_policy.exec[0]", "RESOURCE_STAR"),
    ]
    explained = iam_audit.explain_inline(policies, tmp_path, lambda address: address.startswith("module.finfocus."))
    assert [(item.finding.address, item.reason) for item in explained] == [
        ("module.finfocus.aws_iam_role_policy.exec[0]", "these actions take no resource")
    ]
    assert [[finding.issue for finding in p.findings] for p in policies] == [
        ["UNKNOWN_ACTION"],
        ["RESOURCE_STAR"],
        ["RESOURCE_STAR"],
    ]
    assert (policies[0].file, policies[0].line) == ("/iam.tf", 5)


def test_example_scan_is_clean_with_reasoned_skips_only():
    result = scan(QUICKSTART_DIR)
    assert result.failures == []
    assert sorted(skip["check_id"] for skip in result.skipped) == [
        "CKV2_AWS_11",
        "CKV_AWS_158",
        "CKV_AWS_336",
        "RESOURCE_STAR",
    ]
    assert all(len(skip["reason"]) > 40 for skip in result.skipped)
    assert "which" in result.policy_audit.scope and result.policy_audit.findings == 0


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
    # The trust policy waits for the account id: audited from its statements, the id a placeholder.
    assert audited_by_variant(result.policy_audit) == {"": DEFAULT_POLICIES}
    trust = next(policy for policy in result.policy_audit.policies if policy.kind == "trust")
    assert trust.placeholders == ["Statement[0].Condition.StringEquals.aws:SourceAccount"]
    assert [(skip["check_id"], skip["resource"]) for skip in result.skipped if skip["tool"] == "parliament"] == [
        EXPLAINED
    ]


def test_parliament_names_the_misspelled_action_and_the_unsupported_condition_key():
    """The fixture policy: IAM accepts both mistakes, and the statements then grant and match nothing."""
    plan = json.loads((FIXTURES / "parliament_plan.json").read_text())
    [policy] = iam_audit.audit_resources(planned_resources(plan))
    found = {(finding.issue, finding.statement, finding.detail) for finding in policy.findings}
    assert found == {
        ("UNKNOWN_ACTION", "ReadSecrets", "Unknown action secretsmanager:GetSecretValues"),
        ("UNKNOWN_CONDITION_FOR_ACTION", "DecryptSecrets", "Unknown condition s3:prefix for action kms:Decrypt"),
    }


def test_parliament_findings_fail_the_command_in_every_format(tmp_path):
    sarif, junit = tmp_path / "scan.sarif", tmp_path / "scan.xml"
    fixture = str(FIXTURES / "parliament_plan.json")
    completed = run_cli("scan", fixture, "--json", "--sarif", str(sarif), "--junit", str(junit))
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    failures = {(f["tool"], f["check_id"]) for f in report["failures"]}
    assert failures == {("parliament", "UNKNOWN_ACTION"), ("parliament", "UNKNOWN_CONDITION_FOR_ACTION")}
    assert report["parliament"]["version"] == "1.6.4" and len(report["parliament"]["policies"]) == 1
    runs = {run["tool"]["driver"]["name"]: run for run in json.loads(sarif.read_text())["runs"]}
    assert sorted(result["ruleId"] for result in runs["parliament"]["results"]) == [
        "UNKNOWN_ACTION",
        "UNKNOWN_CONDITION_FOR_ACTION",
    ]
    assert "Checkov" in runs
    suites = ElementTree.parse(junit).getroot().findall("testsuite")
    [parliament] = [suite for suite in suites if suite.get("name").startswith("parliament")]
    assert (parliament.get("tests"), parliament.get("failures")) == ("1", "1")
    assert "secretsmanager:GetSecretValues" in parliament.find("testcase/failure").get("message")


def test_parliament_findings_in_the_text_report(monkeypatch):
    """The text report names the tool, the finding and the policy (checkov left out: its part is tested above)."""
    from typer.testing import CliRunner

    from finfocus_ecs import cli
    from finfocus_ecs import scan as scan_module

    monkeypatch.setattr(scan_module, "run_checkov", lambda target, formats=None: {})
    completed = CliRunner().invoke(cli.app, ["scan", str(FIXTURES / "parliament_plan.json")])
    assert completed.exit_code == 1, completed.output
    assert "parliament: 1 IAM policy document(s) audited, 2 finding(s)" in completed.stdout
    assert "FAILED parliament UNKNOWN_ACTION module.finfocus.aws_iam_role_policy.misspelled" in completed.stdout
    assert "Unknown condition s3:prefix for action kms:Decrypt" in completed.stdout


def test_a_deferred_policy_document_is_rendered_with_typed_placeholders():
    """Values known only after apply: each stands in with the type its condition operator takes."""
    statement = {
        "actions": ["sts:AssumeRole"],
        "principals": [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}],
        "condition": [
            {"test": "ArnLike", "variable": "aws:SourceArn", "values": [None]},
            {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [None]},
        ],
    }
    document, placeholders = iam_audit.render_document({"statement": [statement]})
    assert document["Statement"][0]["Condition"] == {
        "ArnLike": {"aws:SourceArn": iam_audit.PLACEHOLDERS["Arn"]},
        "StringEquals": {"aws:SourceAccount": iam_audit.PLACEHOLDERS["String"]},
    }
    assert len(placeholders) == 2
    resource = {"address": "data.aws_iam_policy_document.t", "mode": "data", "type": "aws_iam_policy_document"}
    [policy] = iam_audit.audit_resources([{**resource, "values": {"statement": [statement]}}])
    assert (policy.kind, policy.findings) == ("trust", [])
    # Typed by the key, not the operator: under StringLike a real ARN passes, and so does the placeholder.
    statement["condition"][0]["test"] = "StringLike"
    [policy] = iam_audit.audit_resources([{**resource, "values": {"statement": [statement]}}])
    assert policy.findings == []
    # The key itself is still checked against the action: sts:AssumeRole never receives ecs:cluster.
    statement["condition"][0]["variable"] = "ecs:cluster"
    [policy] = iam_audit.audit_resources([{**resource, "values": {"statement": [statement]}}])
    assert [finding.issue for finding in policy.findings] == ["UNKNOWN_CONDITION_FOR_ACTION"]
    # An action known only after apply cannot be audited, and says so.
    statement["actions"] = [None]
    [policy] = iam_audit.audit_resources([{**resource, "values": {"statement": [statement]}}])
    assert [finding.issue for finding in policy.findings] == [iam_audit.UNAUDITABLE]


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
    # These fixtures neither are nor call the module, and cannot be planned: nothing for parliament.
    assert {run["tool"]["driver"]["name"] for run in json.loads(sarif.read_text())["runs"]} == {"Checkov"}
    assert json.loads(completed.stdout)["parliament"]["ran"] is False
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
    # parliament over every call's IAM: nothing found but the explained managed policy, in each call that attaches it.
    assert result.policy_audit.findings == 0
    audited = [policy.address for policy in result.policy_audit.policies]
    calls = {address.split(".")[1] for address in audited if address.startswith("module.")}
    own_roles = {name for name, inputs in CALLS.items() if "execution_role_arn" in inputs}
    assert calls == set(CALLS) - own_roles, "a call that brings its own execution role plans no IAM"
    assert {item.finding.issue for item in result.policy_audit.explained} == {"RESOURCE_STAR"}
