"""The docs stay true: code blocks parse, commands exist, links resolve, generated parts are fresh."""

from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path

import hcl2
import pytest
import typer.main

from finfocus_ecs import docsgen, module
from finfocus_ecs.cli import app
from finfocus_ecs.project import DOCS_DIR, MODULE_DIR, REPO_ROOT
from finfocus_ecs.terraform import Terraform

DOCUMENTS = sorted(
    [REPO_ROOT / "README.md", MODULE_DIR / "README.md", REPO_ROOT / "policies" / "README.md", *DOCS_DIR.glob("*.md")]
)
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
COMPLETE_ROOT = "# main.tf (a complete root)"


def blocks(language: str) -> list[tuple[Path, str]]:
    return [(path, body) for path in DOCUMENTS for lang, body in FENCE.findall(path.read_text()) if lang == language]


def block_id(item):
    path, body = item
    return f"{path.relative_to(REPO_ROOT)}:{body.splitlines()[0][:30] if body else ''}"


@pytest.mark.parametrize("item", blocks("hcl"), ids=block_id)
def test_hcl_block_parses(item):
    _, body = item
    hcl2.load(io.StringIO(body))


@pytest.mark.plan
@pytest.mark.parametrize("item", [b for b in blocks("hcl") if b[1].startswith(COMPLETE_ROOT)], ids=block_id)
def test_complete_root_validates(item, tmp_path):
    _, body = item
    # The block names the module as a user's root would; point it at this checkout's module.
    body = re.sub(r'source\s*=\s*"[^"]*finfocus_ecs(\?ref=[^"]*)?"', f'source = "{MODULE_DIR}"', body)
    (tmp_path / "main.tf").write_text(body)
    terraform = Terraform(tmp_path)
    terraform.init()
    assert "Success" in terraform.run("validate", "-no-color").out


# The ids the docs write for "your network", and what stands for them in the planned root: resources of
# that root, as a user's own ids would be. With a literal id the plan would look the VPC up in AWS.
PLACEHOLDER_IDS = {
    "vpc-0123456789abcdef0": "${aws_vpc.docs.id}",
    "subnet-0123456789abcdef0": "${aws_subnet.docs_a.id}",
    "subnet-0fedcba9876543210": "${aws_subnet.docs_b.id}",
}
DOCS_NETWORK = {
    "aws_vpc": {"docs": {"cidr_block": "10.0.0.0/16"}},
    "aws_subnet": {
        "docs_a": {"vpc_id": "${aws_vpc.docs.id}", "cidr_block": "10.0.1.0/24"},
        "docs_b": {"vpc_id": "${aws_vpc.docs.id}", "cidr_block": "10.0.2.0/24"},
    },
}


def with_placeholders_filled(value):
    if isinstance(value, str):
        return PLACEHOLDER_IDS.get(value, value)
    if isinstance(value, list):
        return [with_placeholders_filled(item) for item in value]
    if isinstance(value, dict):
        return {key: with_placeholders_filled(item) for key, item in value.items()}
    return value


def module_examples() -> dict[str, tuple[str, dict, dict]]:
    """Call name => (where, module inputs, outputs) for each module call in an ```hcl block of the docs."""
    found = {}
    for path, body in blocks("hcl"):
        parsed = module.parse_hcl(body)
        for block in parsed.get("module", []):
            for name, arguments in block.items():
                # A user's git source pins a release (`//modules/finfocus_ecs?ref=vX.Y.Z`); plan this checkout's.
                if not str(arguments.get("source", "")).split("?ref=")[0].endswith("finfocus_ecs"):
                    continue
                call = f"doc{len(found)}"
                inputs = {key: value for key, value in arguments.items() if key not in ("source", "__is_block__")}
                outputs = {
                    f"{call}__{output_name}": {"value": output["value"].replace(f"module.{name}.", f"module.{call}.")}
                    for output_block in parsed.get("output", [])
                    for output_name, output in output_block.items()
                    if f"module.{name}." in str(output.get("value"))
                }
                where = f"{path.relative_to(REPO_ROOT)}: {body.splitlines()[0][:40]}"
                found[call] = (where, with_placeholders_filled(inputs), outputs)
    return found


EXAMPLES = module_examples()


@pytest.fixture(scope="module")
def example_errors(plan_diagnostics):
    """Every documented module call planned in one root, with one plan."""
    outputs = {name: output for _, _, calls in EXAMPLES.values() for name, output in calls.items()}
    calls = {call: inputs for call, (_, inputs, _) in EXAMPLES.items()}
    return plan_diagnostics("docs-examples", calls, {"resource": DOCS_NETWORK, "output": outputs})


def test_docs_call_the_module_in_readme_and_guide():
    wheres = [where for where, _, _ in EXAMPLES.values()]
    assert any(where.startswith("README.md") for where in wheres)
    assert sum(where.startswith("docs/ecs-deployment.md") for where in wheres) >= 2


@pytest.mark.plan
@pytest.mark.parametrize("call", sorted(EXAMPLES), ids=lambda call: EXAMPLES[call][0])
def test_documented_module_call_plans(example_errors, call):
    """Copied as it is, with your own ids in place of the placeholders, it must plan."""
    assert example_errors[call] == [], EXAMPLES[call][0]


def test_there_is_a_complete_root_in_the_guide():
    assert any(body.startswith(COMPLETE_ROOT) for path, body in blocks("hcl") if path.name == "ecs-deployment.md")


@pytest.mark.parametrize("item", blocks("json"), ids=block_id)
def test_json_block_parses(item):
    json.loads(item[1])


@pytest.mark.plan
def test_generated_parts_are_fresh():
    """Input/output tables, port layouts, the task definition JSON, cost and suppressions."""
    stale = docsgen.stale()
    assert stale == [], f"run `finfocus-ecs docs`: stale {stale}"


def command_lines() -> list[tuple[Path, str]]:
    found = []
    for path in DOCUMENTS:
        text = path.read_text()
        for match in re.finditer(r"(?:^|`|\s)((?:\.venv/bin/)?finfocus-ecs(?: [^`\n|]*)?)", text, re.MULTILINE):
            line = match.group(1).split(" && ")[0].split(" > ")[0].split(" | ")[0].strip()
            found.append((path, line))
    return found


@pytest.mark.parametrize("item", command_lines(), ids=lambda item: f"{item[0].name}:{item[1][:60]}")
def test_documented_command_is_real(item):
    path, line = item
    words = shlex.split(line.replace("\\", ""))[1:]
    group = typer.main.get_command(app)
    if not words:
        return
    command = group.commands.get(words[0])
    assert command is not None, f"{path.name}: `{line}` names no subcommand"
    options = {option for parameter in command.params for option in getattr(parameter, "opts", [])}
    for word in words[1:]:
        if word.startswith("--"):
            assert word.split("=")[0] in options, f"{path.name}: `{line}`: {word} is not an option of {words[0]}"


def test_readme_opens_with_the_two_commands():
    text = (REPO_ROOT / "README.md").read_text()
    first_block = FENCE.search(text).group(2)
    assert first_block.splitlines()[:2] == [
        "make up     # deploy the quick start into a local AWS emulator and print the endpoints",
        "make test   # run every test: static, plan, emulator, Fargate rehearsal, port bridge, policy scan, CLI, docs",
    ]
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert re.search(r"^up:", makefile, re.MULTILINE) and re.search(r"^test:", makefile, re.MULTILINE)


def links() -> list[tuple[Path, str]]:
    return [
        (path, target)
        for path in DOCUMENTS
        for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text())
        if not target.startswith(("http://", "https://", "mailto:"))
    ]


def anchors(path: Path) -> set[str]:
    headings = re.findall(r"^#+ (.+)$", path.read_text(), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("item", links(), ids=lambda item: f"{item[0].name}->{item[1]}")
def test_relative_link_resolves(item):
    path, target = item
    file_part, _, anchor = target.partition("#")
    destination = (path.parent / file_part).resolve() if file_part else path
    assert destination.exists(), f"{path.name}: {target} does not exist"
    if anchor and destination.suffix == ".md":
        assert anchor in anchors(destination), f"{path.name}: no heading #{anchor} in {destination.name}"


def test_guide_has_its_sections_in_order():
    headings = re.findall(r"^## (\d+)\. (.+)$", (DOCS_DIR / "ecs-deployment.md").read_text(), re.MULTILINE)
    assert [int(number) for number, _ in headings] == list(range(1, len(headings) + 1))
    assert [title for _, title in headings] == [
        "Architecture",
        "Prerequisites",
        "Quick start",
        "Reference",
        "Sizing",
        "Networking alternatives",
        "Environment variables",
        "Security",
        "Troubleshooting",
        "Upstream image faults we work around",
        "Calling the plugin",
        "Use it from the FinFocus CLI",
        "Operating it",
    ]


def test_guide_has_a_mermaid_diagram():
    assert "```mermaid" in (DOCS_DIR / "ecs-deployment.md").read_text()


def test_every_environment_variable_the_module_sets_is_documented():
    text = (MODULE_DIR / "containers.tf").read_text()
    names = set(re.findall(r"\b(FINFOCUS_[A-Z_]+|TERMINATION_GRACE_SECONDS)\b", text))
    guide = (DOCS_DIR / "ecs-deployment.md").read_text()
    assert names and all(f"`{name}`" in guide for name in names)


def test_every_troubleshooting_entry_has_symptom_cause_check_fix():
    section = (DOCS_DIR / "ecs-deployment.md").read_text().split("## 9. Troubleshooting", 1)[1].split("\n## ", 1)[0]
    entries = re.split(r"^\*\*", section, flags=re.MULTILINE)[1:]
    assert len(entries) >= 8
    for entry in entries:
        for part in ("Symptom:", "Cause:", "Check:", "Fix:"):
            assert part in entry, entry.splitlines()[0]


def test_commands_suggested_inside_the_containers_exist_in_their_images():
    """The plugin and HAProxy images are Alpine with BusyBox: no iproute2, so no `ss`; netstat is BusyBox's."""
    texts = {path: path.read_text() for path in DOCUMENTS}
    texts[MODULE_DIR / "variables.tf"] = (MODULE_DIR / "variables.tf").read_text()
    suggestions = [
        f"{path.relative_to(REPO_ROOT)}: {match.group(0)}"
        for path, text in texts.items()
        for match in re.finditer(r'(`|--command ")ss -\w+', text)
    ]
    assert suggestions == []


def test_execution_role_trust_failure_is_diagnosed_with_its_exact_message_and_override():
    """The execution role trusts ECS only with aws:SourceAccount: if ECS ever omits the key, users need this."""
    section = (DOCS_DIR / "ecs-deployment.md").read_text().split("## 9. Troubleshooting", 1)[1]
    entry = next(entry for entry in section.split("\n**") if entry.startswith("Tasks fail: `ECS was unable to assume"))
    assert (
        "ECS was unable to assume the role 'arn:aws:iam::ACCOUNT:role/NAME-execution-REGION' that was provided" in entry
    )
    override = re.search(r'`execution_role_arn = "(arn:aws:iam::\d{12}:role/[^"]+)"`', entry)
    assert override, entry
    # The override must pass the module's own rule for the input.
    declared = module.load_hcl(MODULE_DIR / "variables.tf")["variable"]
    variable = next(block["execution_role_arn"] for block in declared if "execution_role_arn" in block)
    pattern = re.search(r'regex\("([^"]+)"', variable["validation"][0]["condition"]).group(1)
    assert re.match(pattern.replace("\\\\", "\\"), override.group(1)), pattern


def test_the_actions_other_provider_versions_call_are_granted():
    """The guide's table of what AWS provider versions other than 5.100.0 call: each action is in its policy."""
    from tests.e2e.permissions import guide_iam_policy

    section = (DOCS_DIR / "ecs-deployment.md").read_text().split("## 2. Prerequisites", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\s*\| `([a-z0-9-]+:[A-Za-z]+)` \| ([^|]+) \| ([^|]+) \|$", section, re.MULTILINE)
    actions = {action for action, _, _ in rows}
    assert {"ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "logs:ListTagsLogGroup"} <= actions
    assert all(versions.strip() and "(" in source for _, versions, source in rows), "each with its versions and source"
    assert actions <= set(guide_iam_policy()), sorted(actions - set(guide_iam_policy()))
