"""IAM policies checked against AWS's own definitions, with parliament.

checkov knows a few IAM anti-patterns but not AWS's catalogue of actions,
resource types and condition keys, so a misspelled action or a condition key
that an action never receives passes it (and IAM accepts both: the statement
then silently grants or matches nothing). parliament audits a policy against
that catalogue.

What is audited is what Terraform plans, not what the .tf files say, so the
module's own `count`, `dynamic` blocks and locals have been applied:

- a policy the provider rendered at plan time (an `aws_iam_role_policy`'s
  `policy`, a role's `assume_role_policy` when known) is audited verbatim;
- an `aws_iam_policy_document` whose read Terraform deferred to apply (its
  values depend on something known only then, here the account id) has no
  JSON in the plan, but its statement blocks are there; it is rendered from
  them as the provider renders it, each value known only after apply replaced
  by a placeholder of the type its condition operator takes. The actions,
  principals, condition operators and keys, which are what parliament checks
  against AWS's definitions, are all known; tests/e2e checks that the same
  policies, applied to the emulator with real values, equal these renderings
  up to the placeholders and audit clean too.

A trust policy has no Resource element (IAM rejects one: the resource is the
role itself). parliament audits identity policies, which need one, so a trust
policy is audited with the role as its Resource.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import runpy
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finfocus_ecs.evaluate import CALL as MODULE_CALL

TOOL = "parliament"
# Managed resource type => the attributes that hold a policy document, and whether it is a trust policy.
POLICY_ATTRIBUTES: dict[str, dict[str, bool]] = {
    "aws_iam_role": {"assume_role_policy": True},
    "aws_iam_role_policy": {"policy": False},
    "aws_iam_policy": {"policy": False},
    "aws_iam_user_policy": {"policy": False},
    "aws_iam_group_policy": {"policy": False},
}
DOCUMENT_TYPE = "aws_iam_policy_document"
# Attachments of managed policies: the document is AWS's, not in the plan; moto ships a copy of AWS's.
ATTACHMENT_TYPES = ("aws_iam_role_policy_attachment", "aws_iam_policy_attachment")
AWS_MANAGED_ARN = re.compile(r"^arn:[a-z-]+:iam::aws:policy/(?:.*/)?([^/]+)$")
# The Resource a trust policy is audited with: the role that holds it (parliament checks the ARN's form only).
TRUSTING_ROLE = "arn:aws:iam::000000000000:role/*"
# A placeholder per condition value type (parliament's names) for values known only after apply.
PLACEHOLDERS = {
    "Arn": "arn:aws:known-after-apply:us-east-1:000000000000:known-after-apply",
    "String": "known-after-apply",
    "Number": "0",
    "Date": "1970-01-01T00:00:00Z",
    "Bool": "true",
    "Ip": "192.0.2.0/24",
    "Binary": "",
}
# An unknown principal: an account root stands for "some account" in the form parliament checks.
PRINCIPAL_PLACEHOLDERS = {"AWS": "arn:aws:iam::000000000000:root", "Service": "known-after-apply.amazonaws.com"}
# Where a policy cannot be rendered at all (an action known only after apply): reported, never passed silently.
UNAUDITABLE = "UNAUDITABLE"


@dataclass
class PolicyFinding:
    """One parliament finding, placed at the policy and statement it is about."""

    issue: str
    title: str
    severity: str
    detail: str
    address: str
    statement: str
    variant: str = ""


@dataclass
class AuditedPolicy:
    """A policy as audited: where it is written, its document, and what in it is a placeholder."""

    address: str
    kind: str  # "trust", "permissions", "managed" (AWS's, attached), or "unknown" (not auditable)
    document: dict[str, Any]
    placeholders: list[str] = field(default_factory=list)
    variant: str = ""
    findings: list[PolicyFinding] = field(default_factory=list)
    # Where the block that writes it is, when it is in this project's module.
    file: str = "(plan)"
    line: int | None = None


class RenderError(ValueError):
    """A planned policy document that cannot be rendered for auditing."""


def _parliament() -> Any:
    """parliament, imported quietly: 1.6.4 imports pkg_resources, which setuptools >= 81 warns about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import parliament
    return parliament


def parliament_version() -> str:
    return _parliament().__version__


def _value_type(operator: str, key: str) -> str:
    """The type a condition value must have: the global key's (aws:SourceArn: Arn), else the operator's.

    The key's type first, because a correct policy's real value has it even
    under a mismatched operator, which parliament then reports by itself.
    """
    _parliament()
    from parliament.statement import OPERATORS, get_global_key_type

    key_type = get_global_key_type(key)
    if key_type in PLACEHOLDERS:
        return key_type
    base = operator.split(":")[-1]
    base = base[: -len("IfExists")] if base.endswith("IfExists") else base
    return next((kind for name, kind in OPERATORS.items() if name.lower() == base.lower()), "String")


def _one_or_list(values: list[Any]) -> Any:
    """The provider writes a one-element list as its element."""
    return values[0] if len(values) == 1 else values


def _render_statement(statement: Mapping[str, Any], index: int, placeholders: list[str]) -> dict[str, Any]:
    """One statement block of aws_iam_policy_document, as the provider renders it in JSON.

    A None inside a list is a value Terraform knows only after apply.
    """
    where = f"Statement[{index}]"
    rendered: dict[str, Any] = {}
    if statement.get("sid"):
        rendered["Sid"] = statement["sid"]
    rendered["Effect"] = statement.get("effect") or "Allow"
    for key, element in (("actions", "Action"), ("not_actions", "NotAction")):
        values = statement.get(key)
        if values:
            if any(value is None for value in values):
                raise RenderError(f"{where}.{element} is known only after apply")
            rendered[element] = _one_or_list(sorted(values))
    for key, element in (("resources", "Resource"), ("not_resources", "NotResource")):
        values = statement.get(key)
        if values:
            known = sorted(value for value in values if value is not None)
            if len(known) < len(values):
                # An ARN made in the same apply: any ARN could stand for it, so "*" claims nothing.
                placeholders.append(f"{where}.{element}")
                known.append("*")
            rendered[element] = _one_or_list(known)
    for key, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        blocks = statement.get(key) or []
        if not blocks:
            continue
        principal: dict[str, Any] = {}
        for block in blocks:
            kind = block["type"]
            identifiers = []
            for identifier in block.get("identifiers") or []:
                if identifier is None:
                    placeholders.append(f"{where}.{element}.{kind}")
                    identifier = PRINCIPAL_PLACEHOLDERS.get(kind, "*")
                identifiers.append(identifier)
            principal.setdefault(kind, []).extend(identifiers)
        if principal == {"*": ["*"]}:
            rendered[element] = "*"
        else:
            rendered[element] = {kind: _one_or_list(sorted(ids)) for kind, ids in principal.items()}
    conditions: dict[str, dict[str, Any]] = {}
    for block in statement.get("condition") or []:
        test, variable = block["test"], block["variable"]
        values = []
        for value in block.get("values") or []:
            if value is None:
                placeholders.append(f"{where}.Condition.{test}.{variable}")
                value = PLACEHOLDERS[_value_type(test, variable)]
            values.append(value)
        conditions.setdefault(test, {})[variable] = _one_or_list(values)
    if conditions:
        rendered["Condition"] = conditions
    return rendered


def render_document(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A deferred aws_iam_policy_document's planned values as policy JSON, and its placeholders' paths."""
    for merged in ("source_policy_documents", "override_policy_documents", "source_json", "override_json"):
        if values.get(merged):
            raise RenderError(f"{merged} is merged by the provider at apply; audit the applied policy instead")
    placeholders: list[str] = []
    document: dict[str, Any] = {"Version": values.get("version") or "2012-10-17"}
    if values.get("policy_id"):
        document["Id"] = values["policy_id"]
    document["Statement"] = [
        _render_statement(statement, index, placeholders)
        for index, statement in enumerate(values.get("statement") or [])
    ]
    return document, placeholders


def _is_trust_document(document: Mapping[str, Any]) -> bool:
    """Principals, no resources, STS actions only: a role's trust policy."""
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    if not statements:
        return False
    for statement in statements:
        actions = statement.get("Action") or statement.get("NotAction") or []
        actions = [actions] if isinstance(actions, str) else actions
        if "Principal" not in statement and "NotPrincipal" not in statement:
            return False
        if "Resource" in statement or "NotResource" in statement:
            return False
        if not actions or not all(action.lower().startswith("sts:") for action in actions):
            return False
    return True


def policies_in(resources: Iterable[Mapping[str, Any]], variant: str = "") -> list[AuditedPolicy]:
    """Every IAM policy in planned resources (`address`, `type`, `mode`, `values`), each once.

    A document read at plan time is not in the planned values (its consumers
    carry its JSON); a deferred one is, without JSON, and its consumers' policy
    attributes are then unknown, so it is audited from its statements.
    """
    found: list[AuditedPolicy] = []
    for resource in resources:
        values = resource.get("values") or {}
        address = resource["address"]
        if resource.get("mode") == "data" and resource["type"] == DOCUMENT_TYPE:
            if isinstance(values.get("json"), str):
                continue
            try:
                document, placeholders = render_document(values)
            except RenderError as error:
                found.append(_unauditable(address, str(error), variant))
                continue
            kind = "trust" if _is_trust_document(document) else "permissions"
            found.append(AuditedPolicy(address, kind, document, placeholders, variant))
            continue
        if resource.get("mode", "managed") != "managed":
            continue
        if resource["type"] in ATTACHMENT_TYPES and isinstance(values.get("policy_arn"), str):
            found.append(_managed(address, values["policy_arn"], variant))
            continue
        for attribute, trust in POLICY_ATTRIBUTES.get(resource["type"], {}).items():
            text = values.get(attribute)
            if isinstance(text, str) and text:
                found.append(_parsed(address, attribute, text, trust, variant))
        inline_policies = values.get("inline_policy") if resource["type"] == "aws_iam_role" else None
        for inline in inline_policies or []:
            if isinstance(inline.get("policy"), str) and inline["policy"]:
                found.append(_parsed(f"{address}.inline_policy", "policy", inline["policy"], False, variant))
    return found


def _parsed(address: str, attribute: str, text: str, trust: bool, variant: str) -> AuditedPolicy:
    try:
        document = json.loads(text)
    except ValueError as error:
        return _unauditable(address, f"{attribute} is not JSON: {error}", variant)
    return AuditedPolicy(address, "trust" if trust else "permissions", document, [], variant)


def _managed(address: str, arn: str, variant: str) -> AuditedPolicy:
    """An attached AWS managed policy, from moto's copy of AWS's documents; a customer policy is not in the plan."""
    match = AWS_MANAGED_ARN.match(arn)
    document = aws_managed_policies().get(match.group(1)) if match else None
    if document is None:
        return _unauditable(address, f"{arn} is not an AWS managed policy this audit has a copy of", variant)
    return AuditedPolicy(address, "managed", document, [], variant)


@functools.cache
def aws_managed_policies() -> dict[str, dict[str, Any]]:
    """AWS managed policy name => document, from the copy moto ships.

    Read as a file: importing moto.iam for it costs a third of a second.
    """
    spec = importlib.util.find_spec("moto")
    if spec is None or spec.origin is None:
        return {}
    path = Path(spec.origin).parent / "iam" / "aws_managed_policies.py"
    data = json.loads(runpy.run_path(str(path))["aws_managed_policies_data"])
    return {name: entry["Document"] for name, entry in data.items()}


def _unauditable(address: str, why: str, variant: str) -> AuditedPolicy:
    finding = PolicyFinding(UNAUDITABLE, "Policy cannot be audited", "HIGH", why, address, "", variant)
    return AuditedPolicy(address, "unknown", {}, [], variant, [finding])


def _audited_document(policy: AuditedPolicy) -> dict[str, Any]:
    """The document parliament sees: a trust policy gets its role as the Resource of each statement."""
    if policy.kind != "trust":
        return policy.document
    statements = policy.document.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    return {**policy.document, "Statement": [{**statement, "Resource": TRUSTING_ROLE} for statement in statements]}


def _statement_lines(text: str) -> list[int]:
    """1-based first line of each statement in json.dumps(document, indent=2): `    {` at the list's depth."""
    return [number for number, line in enumerate(text.splitlines(), start=1) if line == "    {"]


def _statement_name(document: Mapping[str, Any], starts: list[int], line: int | None) -> str:
    if not line or not starts or line < starts[0]:
        return ""
    index = sum(1 for start in starts if start <= line) - 1
    statements = document.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    sid = statements[index].get("Sid") if index < len(statements) else None
    return sid or f"Statement[{index}]"


def _detail(finding: Any) -> str:
    """parliament's detail (a string, or a list of actions and formats) as one line of text."""
    detail = finding.detail
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                parts.append(", ".join(f"{key} {value}" for key, value in item.items()))
            else:
                parts.append(str(item))
        detail = "; ".join(parts)
    text = str(detail or "")
    string = (finding.location or {}).get("string")
    if string and str(string) not in text:
        text = f"{text} ({string})" if text else str(string)
    return text


def audit(policy: AuditedPolicy) -> AuditedPolicy:
    """Run parliament's checks on one policy and keep its findings on it."""
    if policy.kind == "unknown":
        return policy
    parliament = _parliament()
    document = _audited_document(policy)
    text = json.dumps(document, indent=2)
    starts = _statement_lines(text)
    analyzed = parliament.analyze_policy_string(text, ignore_private_auditors=True)
    for raw in analyzed.findings:
        finding = parliament.enhance_finding(raw)
        policy.findings.append(
            PolicyFinding(
                issue=finding.issue,
                title=finding.title,
                severity=finding.severity,
                detail=_detail(finding),
                address=policy.address,
                statement=_statement_name(document, starts, (finding.location or {}).get("line")),
                variant=policy.variant,
            )
        )
    return policy


def audit_resources(resources: Iterable[Mapping[str, Any]], variant: str = "") -> list[AuditedPolicy]:
    """Find and audit every IAM policy in planned resources."""
    return [audit(policy) for policy in policies_in(resources, variant)]


# The module planned twice for the audit: as most users call it, and with every input that
# adds IAM (ECS Exec's task role and policy; secrets from both stores, with a KMS key).
MODULE_VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "full-featured": {
        "enable_execute_command": True,
        "secrets": {
            "FINFOCUS_TOKEN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:finfocus/token-AbCdEf:token::",
            "FINFOCUS_KEY": "arn:aws:ssm:us-east-1:123456789012:parameter/finfocus/key",
        },
        "secrets_kms_key_arns": ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    },
}


def audit_module() -> list[AuditedPolicy]:
    """Plan the module in each variant (cached by evaluate.plan_module) and audit every policy it plans."""
    from finfocus_ecs.evaluate import plan_module

    audited = []
    for variant, inputs in MODULE_VARIANTS.items():
        planned = plan_module(inputs)
        resources = [
            {
                "address": f"module.{MODULE_CALL}.{address}",
                "type": _resource_type(address),
                "mode": "data" if address.startswith("data.") else "managed",
                "values": values,
            }
            for address, values in planned.resources.items()
        ]
        audited += audit_resources(resources, variant)
    return audited


def _resource_type(address: str) -> str:
    """`data.aws_iam_policy_document.x[0]` or `aws_iam_role.x[0]` -> the resource type."""
    parts = address.split(".")
    return parts[1] if parts[0] == "data" else parts[0]


def calls_module(directory: Path, module_dir: Path) -> bool:
    """Whether a Terraform directory is the module, or a root with a local `source` that resolves to it."""
    if directory.resolve() == module_dir.resolve():
        return True
    for path in directory.glob("*.tf"):
        for match in re.finditer(r'source\s*=\s*"(\.{1,2}/[^"]*)"', path.read_text(encoding="utf-8")):
            if (directory / match.group(1)).resolve() == module_dir.resolve():
                return True
    return False


# An explanation next to the policy, like checkov's inline skips:
#   # parliament:skip=RESOURCE_STAR:why this finding is accepted
# inside the resource or data block that writes or attaches the policy. A skip in
# an aws_iam_policy_document block covers the resources that use its JSON.
SKIP_COMMENT = re.compile(r"#\s*parliament:skip=([A-Z0-9_]+):(.+)$")
BLOCK_HEADER = re.compile(r'^(resource|data)\s+"([^"]+)"\s+"([^"]+)"')
DOCUMENT_REFERENCE = re.compile(r"\bdata\.aws_iam_policy_document\.([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class Block:
    """A top-level resource or data block of a module: where it is, its parliament skips, the documents it uses."""

    file: str
    line: int
    skips: dict[str, str]
    documents: tuple[str, ...]


def module_blocks(module_dir: Path) -> dict[str, Block]:
    """`aws_iam_role.x` / `data.aws_iam_policy_document.y` => its Block, read from the module's .tf files.

    Comments are what this reads, and HCL parsers drop them, so it reads the
    text: a block runs from its header to the next `}` in column 0, which is
    how `terraform fmt` writes every top-level block.
    """
    found: dict[str, Block] = {}
    for path in sorted(module_dir.glob("*.tf")):
        key, start, skips, documents = "", 0, {}, []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            header = BLOCK_HEADER.match(line)
            if header:
                kind, type_, name = header.groups()
                key = f"data.{type_}.{name}" if kind == "data" else f"{type_}.{name}"
                start, skips, documents = number, {}, []
            if not key:
                continue
            skip = SKIP_COMMENT.search(line)
            if skip:
                skips[skip.group(1)] = skip.group(2).strip()
            documents += DOCUMENT_REFERENCE.findall(line.split("#", 1)[0])
            if line == "}":
                found[key] = Block(f"/{path.name}", start, skips, tuple(dict.fromkeys(documents)))
                key = ""
    return found


def block_key(address: str) -> str:
    """`module.finfocus.aws_iam_role_policy.secrets[0]` -> `aws_iam_role_policy.secrets`."""
    parts = re.sub(r"\[[^\]]*\]", "", address).split(".")
    while len(parts) > 2 and parts[0] == "module":
        parts = parts[2:]
    if parts[0] == "data":
        return ".".join(parts[:3])
    return ".".join(parts[:2])


@dataclass
class Explained:
    """A finding explained inline, so it does not fail the scan."""

    finding: PolicyFinding
    reason: str


def explain_inline(
    policies: list[AuditedPolicy], module_dir: Path, in_module: Callable[[str], bool]
) -> list[Explained]:
    """Move the findings the module explains inline off the policies; return them with their reasons.

    in_module(address) says whether an address lies in a call of this module;
    only those are matched with its files.
    """
    blocks = module_blocks(module_dir)
    explained: list[Explained] = []
    for policy in policies:
        if not in_module(policy.address):
            continue
        block = blocks.get(block_key(policy.address))
        if block is None:
            continue
        policy.file, policy.line = block.file, block.line
        skips = dict(block.skips)
        for document in block.documents:
            skips.update(blocks.get(f"data.{DOCUMENT_TYPE}.{document}", Block("", 0, {}, ())).skips)
        kept = []
        for finding in policy.findings:
            if finding.issue in skips:
                explained.append(Explained(finding, skips[finding.issue]))
            else:
                kept.append(finding)
        policy.findings = kept
    return explained
