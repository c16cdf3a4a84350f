"""Policy scanning: checkov, run from its own virtual environment, and parliament for IAM.

checkov depends on bc-python-hcl2, which installs a module also named `hcl2`
and silently replaces python-hcl2 in the same environment. So checkov lives
in `.cache/checkov-venv`, created on first use from checkov-lock.txt (the
hash-pinned resolution of checkov-requirements.txt, `make lock`), and runs as
a command, offline (--skip-download).

parliament (iam_audit.py) audits the IAM policies that Terraform plans: of a
plan JSON, the policies in it; of a directory, the module's, planned in its
variants, when the directory is the module or calls it. Its findings are
reported as failures next to checkov's, in every output format.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finfocus_ecs import iam_audit
from finfocus_ecs.evaluate import InputError
from finfocus_ecs.module import default, image_layouts
from finfocus_ecs.project import CACHE_DIR, MODULE_DIR, PACKAGE_DIR, POLICIES_DIR, REPO_ROOT
from finfocus_ecs.terraform import TerraformError, planned_resources

CHECKOV_VENV = CACHE_DIR / "checkov-venv"
LOCK = PACKAGE_DIR / "checkov-lock.txt"
# The uv the Makefile bootstraps; without it, venv and pip install the same lock, only slower.
UV_ENV = "FINFOCUS_UV"
STAMP = CHECKOV_VENV / ".installed-stamp"
# pip compiles bytecode at install, uv only when asked: without it, under PYTHONDONTWRITEBYTECODE every
# checkov run compiles checkov again (seconds of CPU). Part of the stamp, so older environments are redone.
UV_INSTALL_OPTIONS = ("--quiet", "--compile-bytecode")
PORT_COVERAGE_CHECK = "CKV_FINFOCUS_5"

# What to change, for the policies this project adds.
ADVICE = {
    "CKV_FINFOCUS_1": "Remove 0.0.0.0/0 and ::/0 from the rule; allow your clients' CIDRs or security groups.",
    "CKV_FINFOCUS_2": "Give the ECS service a service_registries block and assign_public_ip = false.",
    "CKV_FINFOCUS_3": 'Use dns_records { type = "A" }: an A record reaches every regional port.',
    "CKV_FINFOCUS_4": "Limit egress to TCP 443 (ip_protocol tcp, from_port and to_port 443).",
    "CKV_FINFOCUS_6": "Remove privileged = true; the plugin and the bridge need no extra privileges.",
    PORT_COVERAGE_CHECK: "Derive the ingress rules and the port mappings from the same region_ports.",
}
PARLIAMENT_ADVICE = (
    "Fix the policy, or explain the finding inline with `#parliament:skip={issue}:REASON` in the block that writes it."
)


class ScanError(RuntimeError):
    """checkov could not be installed or run, or the input is unreadable."""


@dataclass
class Failure:
    check_id: str
    check_name: str
    resource: str
    file: str
    line: int | None
    advice: str
    # checkov, parliament, or finfocus-ecs (CKV_FINFOCUS_5, which needs the whole plan).
    tool: str = "checkov"


@dataclass
class PolicyAudit:
    """What parliament audited (scope says so in words) and what it found."""

    scope: str
    # False when the target gives parliament nothing to audit: no SARIF run or JUnit suite is added then.
    ran: bool = True
    policies: list[iam_audit.AuditedPolicy] = field(default_factory=list)
    explained: list[iam_audit.Explained] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return sum(len(policy.findings) for policy in self.policies)

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": iam_audit.TOOL,
            "version": iam_audit.parliament_version(),
            "scope": self.scope,
            "ran": self.ran,
            "policies": [
                {key: value for key, value in asdict(policy).items() if key != "document"} for policy in self.policies
            ],
            "explained": [{**asdict(item.finding), "reason": item.reason} for item in self.explained],
        }


@dataclass
class ScanResult:
    target: str
    passed: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    policy_audit: PolicyAudit | None = None

    @property
    def failed(self) -> int:
        return len(self.failures)


def _lock_digest() -> str:
    return hashlib.sha256(LOCK.read_bytes() + " ".join(UV_INSTALL_OPTIONS).encode()).hexdigest()


# checkov keeps its update checker's cache under the home directory (~/.cache/checkov), and uv its
# package cache (~/.cache/uv) unless told: both go under the project's .cache instead.
PRIVATE_HOME = {"HOME": str(CACHE_DIR / "checkov-home"), "XDG_CACHE_HOME": str(CACHE_DIR / "checkov-home" / ".cache")}
UV_CACHE = {"UV_CACHE_DIR": str(CACHE_DIR / "uv-cache")}


def checkov_binary() -> Path:
    return CHECKOV_VENV / "bin" / "checkov"


def _install_steps() -> list[list[str]]:
    """Create checkov's environment and install the lock into it: with uv when there is one, else venv and pip."""
    uv = os.environ.get(UV_ENV) or shutil.which("uv")
    if uv and Path(uv).is_file():
        python = str(CHECKOV_VENV / "bin" / "python")
        return [
            [uv, "venv", "--quiet", "--python", sys.executable, str(CHECKOV_VENV)],
            [uv, "pip", "install", *UV_INSTALL_OPTIONS, "--python", python, "--require-hashes", "-r", str(LOCK)],
        ]
    pip = str(CHECKOV_VENV / "bin" / "pip")
    return [
        [sys.executable, "-m", "venv", str(CHECKOV_VENV)],
        [
            pip,
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--require-hashes",
            "-r",
            str(LOCK),
        ],
    ]


def ensure_checkov(progress: Callable[[str], None] = lambda message: None) -> Path:
    """Create checkov's own environment when missing or when its lock changed."""
    digest = _lock_digest()
    if checkov_binary().exists() and STAMP.exists() and STAMP.read_text() == digest:
        return checkov_binary()
    progress("installing checkov into its own environment (once)")
    shutil.rmtree(CHECKOV_VENV, ignore_errors=True)
    for step in _install_steps():
        completed = subprocess.run(step, capture_output=True, text=True, env={**UV_CACHE, **os.environ})
        if completed.returncode != 0:
            raise ScanError(f"could not install checkov ({' '.join(step[:3])}...):\n{completed.stderr[-2000:]}")
    STAMP.write_text(digest)
    return checkov_binary()


def plugin_ports_spec() -> str:
    """`8001-8001,...,9090-9090`: every port of every published layout and the metrics port, for CKV_FINFOCUS_1.

    Every layout, not only the default's: a module pinned to v0.1.2 opens 8011.
    """
    ports = sorted({int(port) for layout in image_layouts() for port in layout["region_ports"].values()})
    metrics = default("metrics_port")
    parts = [f"{port}-{port}" for port in ports]
    if metrics is not None:
        parts.append(f"{metrics}-{metrics}")
    return ",".join(parts)


def is_plan_file(path: Path) -> bool:
    return path.is_file() and path.suffix == ".json"


def run_checkov(target: Path, formats: Mapping[str, Path] | None = None) -> dict[str, Any]:
    """Run checkov on a directory or a plan JSON file; return its JSON report.

    formats maps checkov output names (sarif, junitxml) to files to write.
    """
    binary = ensure_checkov()
    if not target.exists():
        raise ScanError(f"{target} does not exist: give a Terraform directory or a plan JSON file")
    with tempfile.TemporaryDirectory(prefix="finfocus-scan-") as output_dir:
        command = [str(binary), "--skip-download", "--external-checks-dir", str(POLICIES_DIR)]
        if is_plan_file(target):
            command += [
                "-f",
                str(target),
                "--framework",
                "terraform_plan",
                "--repo-root-for-plan-enrichment",
                str(REPO_ROOT),
            ]
        elif target.is_dir():
            command += ["-d", str(target), "--framework", "terraform"]
        else:
            raise ScanError(f"{target} is neither a directory nor a .json plan file")
        names = ["json", *(formats or {})]
        for name in names:
            command += ["-o", name]
        command += ["--output-file-path", output_dir]
        env = {**os.environ, **PRIVATE_HOME, "FINFOCUS_PLUGIN_PORTS": plugin_ports_spec()}
        completed = subprocess.run(command, capture_output=True, text=True, env=env)
        report_path = Path(output_dir) / "results_json.json"
        if not report_path.exists():
            raise ScanError(f"checkov wrote no report (exit {completed.returncode}):\n{completed.stderr[-2000:]}")
        report = json.loads(report_path.read_text() or "{}")
        for name, destination in (formats or {}).items():
            written = next(Path(output_dir).glob(f"results_{name}.*"), None)
            if written is None:
                raise ScanError(f"checkov wrote no {name} report")
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(written, destination)
    return report


def _reports(report: Any) -> list[dict[str, Any]]:
    """checkov returns one report, or a list of them when several frameworks ran."""
    return report if isinstance(report, list) else [report] if report else []


def summarize(target: Path, report: Any) -> ScanResult:
    result = ScanResult(target=str(target), report=report if isinstance(report, dict) else {"reports": report})
    for framework_report in _reports(report):
        checks = framework_report.get("results", {})
        result.passed += len(checks.get("passed_checks", []))
        for skipped in checks.get("skipped_checks", []):
            result.skipped.append(
                {
                    "check_id": skipped["check_id"],
                    "resource": skipped["resource"],
                    "reason": (skipped.get("check_result") or {}).get("suppress_comment", ""),
                    "tool": "checkov",
                }
            )
        for failed in checks.get("failed_checks", []):
            lines = failed.get("file_line_range") or [None]
            result.failures.append(
                Failure(
                    check_id=failed["check_id"],
                    check_name=failed["check_name"],
                    resource=failed["resource"],
                    file=failed.get("file_path", ""),
                    line=lines[0],
                    advice=ADVICE.get(failed["check_id"]) or failed.get("guideline") or "",
                )
            )
    return result


def port_coverage_failures(plan: Mapping[str, Any]) -> list[Failure]:
    """CKV_FINFOCUS_5: per module instance, the mapped ports equal the ingress ports.

    Needs values from several resources at once, which a checkov resource
    check cannot see, so it runs on the plan JSON here. The metrics mapping
    may have no rule: it is closed until metrics sources are given.
    """
    by_module: dict[str, dict[str, set[int]]] = {}
    for resource in planned_resources(plan):
        module_address = resource["address"].rsplit(resource["type"], 1)[0]
        ports = by_module.setdefault(module_address, {"mapped": set(), "metrics": set(), "ingress": set()})
        values = resource.get("values") or {}
        if resource["type"] == "aws_ecs_task_definition" and values.get("container_definitions"):
            for container in json.loads(values["container_definitions"]):
                for mapping in container.get("portMappings", []):
                    bucket = "metrics" if mapping.get("name") == "metrics" else "mapped"
                    ports[bucket].add(int(mapping["containerPort"]))
        elif resource["type"] == "aws_vpc_security_group_ingress_rule":
            ports["ingress"].update(range(int(values["from_port"]), int(values["to_port"]) + 1))
    failures = []
    for module_address, ports in by_module.items():
        if not ports["mapped"]:
            continue
        extra = sorted(ports["ingress"] - ports["mapped"] - ports["metrics"])
        missing = sorted(ports["mapped"] - ports["ingress"])
        if extra or missing:
            failures.append(
                Failure(
                    check_id=PORT_COVERAGE_CHECK,
                    check_name="FinFocus: the security group's ingress covers exactly the mapped ports",
                    resource=module_address.rstrip(".") or "(root module)",
                    file="(plan)",
                    line=None,
                    advice=f"{ADVICE[PORT_COVERAGE_CHECK]} Not mapped but open: {extra or 'none'}; "
                    f"mapped but closed: {missing or 'none'}.",
                    tool="finfocus-ecs",
                )
            )
    return failures


def _module_calls(plan: Mapping[str, Any]) -> set[str]:
    """Names of the root's module calls whose source is this project's module (its folder's name ends it)."""
    calls = (plan.get("configuration") or {}).get("root_module", {}).get("module_calls", {})
    return {
        name for name, call in calls.items() if str(call.get("source", "")).rstrip("/").endswith(f"/{MODULE_DIR.name}")
    }


def _in_calls(calls: set[str]) -> Callable[[str], bool]:
    return lambda address: any(address.startswith(f"module.{call}.") for call in calls)


def audit_policies(target: Path, plan: Mapping[str, Any] | None) -> PolicyAudit:
    """parliament over what the target plans.

    A plan JSON: every IAM policy in it; inline explanations are read from this
    module's files for the calls of this module. A directory that is the module
    or calls it: the module planned in iam_audit.MODULE_VARIANTS, so the
    policies that only some inputs create are audited too. Any other directory:
    nothing, as it cannot be planned without its inputs.
    """
    module = _display(MODULE_DIR)
    if plan is not None:
        audit = PolicyAudit(f"the IAM policies planned in {target}")
        audit.policies = iam_audit.audit_resources(planned_resources(plan))
        in_module = _in_calls(_module_calls(plan))
    elif iam_audit.calls_module(target, MODULE_DIR):
        variants = " and ".join(iam_audit.MODULE_VARIANTS)
        calls = "" if target.resolve() == MODULE_DIR.resolve() else f", which {target} calls,"
        audit = PolicyAudit(f"{module}{calls} planned with {variants} inputs")
        audit.policies = iam_audit.audit_module()
        in_module = _in_calls({iam_audit.MODULE_CALL})
    else:
        return PolicyAudit(
            f"nothing: {target} neither is nor calls {module}; scan a plan JSON to audit its policies", ran=False
        )
    audit.explained = iam_audit.explain_inline(audit.policies, MODULE_DIR, in_module)
    return audit


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT.resolve()))
    except ValueError:
        return str(path)


def parliament_failures(audit: PolicyAudit) -> list[Failure]:
    """One failure per finding; the same finding in several variants is reported once, naming them."""
    merged: dict[tuple[str, str, str, str], tuple[iam_audit.AuditedPolicy, iam_audit.PolicyFinding, list[str]]] = {}
    for policy in audit.policies:
        for finding in policy.findings:
            key = (finding.issue, finding.address, finding.statement, finding.detail)
            merged.setdefault(key, (policy, finding, []))[2].append(finding.variant)
    failures = []
    for policy, finding, variants in merged.values():
        where = f"{finding.statement}: " if finding.statement else ""
        named = [variant for variant in variants if variant]
        suffix = f" (inputs: {', '.join(named)})" if named else ""
        failures.append(
            Failure(
                check_id=finding.issue,
                check_name=f"parliament: {finding.title}",
                resource=finding.address,
                file=policy.file,
                line=policy.line,
                advice=f"{where}{finding.detail}{suffix}. {PARLIAMENT_ADVICE.format(issue=finding.issue)}",
                tool=iam_audit.TOOL,
            )
        )
    return failures


def parliament_skips(audit: PolicyAudit) -> list[dict[str, str]]:
    """Explained findings as skipped checks, once per finding whatever the variants."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for item in audit.explained:
        key = (item.finding.issue, item.finding.address)
        skip = {"check_id": item.finding.issue, "resource": item.finding.address, "reason": item.reason}
        seen.setdefault(key, {**skip, "tool": iam_audit.TOOL})
    return list(seen.values())


def add_to_sarif(path: Path, audit: PolicyAudit, failures: list[Failure]) -> None:
    """Append a parliament run to checkov's SARIF file: one result per finding, one rule per issue."""
    sarif = json.loads(path.read_text())
    severities = {f.issue: f.severity for p in audit.policies for f in p.findings}
    rules = sorted({failure.check_id: failure.check_name for failure in failures}.items())
    results = []
    for failure in failures:
        location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": failure.resource}]}
        if failure.line:
            location["physicalLocation"] = {
                "artifactLocation": {"uri": f"{_display(MODULE_DIR)}{failure.file}"},
                "region": {"startLine": failure.line},
            }
        results.append(
            {
                "ruleId": failure.check_id,
                # Every finding fails the scan, whatever parliament's own severity (kept as a property).
                "level": "error",
                "properties": {"severity": severities.get(failure.check_id, "")},
                "message": {"text": f"{failure.resource}: {failure.advice}"},
                "locations": [location],
            }
        )
    sarif.setdefault("runs", []).append(
        {
            "tool": {
                "driver": {
                    "name": iam_audit.TOOL,
                    "version": iam_audit.parliament_version(),
                    "rules": [{"id": rule, "shortDescription": {"text": name}} for rule, name in rules],
                }
            },
            "results": results,
        }
    )
    path.write_text(json.dumps(sarif, indent=2))


def add_to_junit(path: Path, audit: PolicyAudit, failures: list[Failure]) -> None:
    """Append a parliament test suite to checkov's JUnit XML: a test case per audited policy and variant."""
    tree = ElementTree.parse(path)
    root = tree.getroot()
    suite = ElementTree.SubElement(root, "testsuite", name=f"{iam_audit.TOOL} ({audit.scope})")
    failed = 0
    for policy in audit.policies:
        name = f"{policy.address} [{policy.variant}]" if policy.variant else policy.address
        case = ElementTree.SubElement(suite, "testcase", name=name, classname=f"{iam_audit.TOOL}.{policy.kind}")
        if policy.findings:
            failed += 1
            text = "\n".join(f"{f.issue}: {f.statement} {f.detail}".strip() for f in policy.findings)
            ElementTree.SubElement(case, "failure", type=policy.findings[0].issue, message=text).text = text
    suite.set("tests", str(len(audit.policies)))
    suite.set("failures", str(failed))
    suite.set("errors", "0")
    if root.tag == "testsuites":
        for attribute in ("tests", "failures"):
            if root.get(attribute) is not None:
                root.set(attribute, str(int(root.get(attribute) or 0) + int(suite.get(attribute) or 0)))
    tree.write(path, encoding="unicode", xml_declaration=True)


def scan(target: Path, formats: Mapping[str, Path] | None = None) -> ScanResult:
    """Scan a directory or plan JSON with checkov and this project's policies, and audit its IAM with parliament."""
    result = summarize(target, run_checkov(target, formats))
    plan = None
    if is_plan_file(target):
        try:
            plan = json.loads(target.read_text())
        except ValueError as error:
            raise ScanError(f"{target} is not JSON: {error}") from None
        coverage = port_coverage_failures(plan)
        result.failures.extend(coverage)
        if not coverage:
            result.passed += 1
    try:
        audit = audit_policies(target, plan)
    except (InputError, TerraformError) as error:
        raise ScanError(f"planning the module for the IAM audit failed: {error}") from None
    result.policy_audit = audit
    failures = parliament_failures(audit)
    result.failures.extend(failures)
    result.skipped.extend(parliament_skips(audit))
    if audit.ran and formats and "sarif" in formats:
        add_to_sarif(formats["sarif"], audit, failures)
    if audit.ran and formats and "junitxml" in formats:
        add_to_junit(formats["junitxml"], audit, failures)
    return result
