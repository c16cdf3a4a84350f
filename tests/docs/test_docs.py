"""The docs stay true: code blocks parse, commands parse as the CLI reads them, links resolve, generated parts
are fresh, and the guide's diagram is Mermaid that draws the planned task."""

from __future__ import annotations

import ast
import io
import json
import re
from functools import cache
from pathlib import Path

import hcl2
import pytest
import typer
import typer.main

from finfocus_ecs import docsgen, module
from finfocus_ecs.cli import app
from finfocus_ecs.project import DOCS_DIR, MODULE_DIR, REPO_ROOT
from finfocus_ecs.rehearsal.images import image_facts
from finfocus_ecs.terraform import Terraform
from tests.docs.doc_code import DOCUMENTS, GUIDE, code, command_lines, fences, words

COMPLETE_ROOT = "# main.tf (a complete root)"


def blocks(language: str) -> list[tuple[Path, str]]:
    return [(path, body) for path in DOCUMENTS for body in fences(path, language)]


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


CLI_LINES = command_lines("finfocus-ecs")


def cli_words(text: str) -> list[str]:
    """The words after `finfocus-ecs`, a synopsis's optional parts ([--json]) given."""
    return words(re.sub(r"\[([^\[\]]*)\]", r"\1", text))[1:]


def test_the_readme_and_the_guide_show_commands_with_arguments():
    """So that the parametrized test below has lines to read (an empty list would make it skip)."""
    with_arguments = [line for line in CLI_LINES if len(cli_words(line.text)) > 1]
    assert {line.path for line in with_arguments} >= {REPO_ROOT / "README.md", GUIDE}
    assert len(with_arguments) >= 20


@pytest.mark.parametrize("line", CLI_LINES, ids=str)
def test_documented_command_parses(line, tmp_path, monkeypatch):
    """Each line read by the command's own parser: its options, arguments, values and their types.

    Relative paths are the repository's (the docs run commands from a clone); a
    bare file name the reader writes (td.json from `task-definition > td.json`)
    is made empty where a parameter wants it to exist. A command named with no
    arguments in prose (`finfocus-ecs verify` checks...) must be a command; with
    no required parameter, it must parse as it stands.
    """
    arguments = cli_words(line.text)
    group = typer.main.get_command(app)
    assert arguments and arguments[0] in group.commands, f"{line}: names no subcommand of {sorted(group.commands)}"
    command = group.commands[arguments[0]]
    mentioned = len(arguments) == 1 and any(parameter.required for parameter in command.params)
    assert mentioned or _parses(command, arguments, tmp_path, monkeypatch)
    for path in arguments[1:]:
        if Path(path).parts[0] in {entry.name for entry in REPO_ROOT.iterdir()}:
            assert (REPO_ROOT / path).exists(), f"{line}: {path} is not in the repository"


def _parses(command, arguments: list[str], scratch: Path, monkeypatch) -> bool:
    """True once the command's parser takes the arguments, run where the repository's entries are at hand."""
    for entry in REPO_ROOT.iterdir():
        (scratch / entry.name).symlink_to(entry)
    monkeypatch.chdir(scratch)
    for _ in arguments:
        try:
            command.make_context(arguments[0], arguments[1:])
            return True
        except typer.BadParameter as error:
            missing = re.search(r"'([^'/]+)' does not exist", error.format_message())
            if missing is None:
                raise
            (scratch / missing[1]).write_text("")
    return False


def test_readme_opens_with_the_two_commands():
    first_block = next(block.text for block in code(REPO_ROOT / "README.md") if block.language is not None)
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


@cache
def guide_diagram() -> dict:
    """The guide's diagram as Mermaid's own parser reads it (mermaid 11.11's flowchart grammar, the renderer's).

    mermaid-parser-py runs Mermaid's bundle in SpiderMonkey; a syntax error
    raises, with Mermaid's message.
    """
    from mermaid_parser.parser import MermaidParser

    [source] = fences(GUIDE, "mermaid")
    return MermaidParser().parse(source)


def test_the_guide_diagram_parses_as_mermaid():
    parsed = guide_diagram()
    assert parsed["graph_type"].startswith("flowchart"), parsed["graph_type"]
    assert parsed["graph_data"]["vertices"] and parsed["graph_data"]["edges"]


def lines_of(label: str) -> list[str]:
    return [line.strip() for line in re.split(r"<br\s*/?>", label)]


def node_name(label: str) -> str:
    """What a node names first: its label up to the first line break or parenthesis."""
    return lines_of(label)[0].split(" (", 1)[0]


def _uid(container: dict) -> int:
    """The uid a container runs as: its own `user`, else its image's USER."""
    user = container.get("user")
    if user is None:
        image = image_facts(container["image"])
        user = image.user if image.user[0].isdigit() else str(image.users[image.user][0])
    return int(user.split(":")[0])


def mapped_ports(container: dict) -> set[int]:
    return {mapping["containerPort"] for mapping in container["portMappings"]}


@pytest.mark.plan
def test_the_guide_diagram_draws_the_planned_task(module_cases):
    graph = guide_diagram()["graph_data"]
    labels = {node: vertex["text"] for node, vertex in graph["vertices"].items()}
    node = {node_name(label): node for node, label in labels.items()}
    edges = {(edge["start"], edge["end"]): edge for edge in graph["edges"]}
    containers = module_cases.containers("defaults")

    # The task's subgraph holds exactly the planned containers, each with the user it runs as.
    [task] = [group for group in graph["subGraphs"] if {node.get(name) for name in containers} & set(group["nodes"])]
    assert {node_name(labels[member]) for member in task["nodes"]} == set(containers)
    for name, container in containers.items():
        uid = _uid(container)
        assert ("root" if uid == 0 else f"uid {uid}") in labels[node[name]], name

    # The dotted arrows are the planned dependsOn, with their conditions.
    assert {(start, end, edge["text"]) for (start, end), edge in edges.items() if edge["stroke"] == "dotted"} == {
        (node[dependency["containerName"]], node[name], dependency["condition"])
        for name, container in containers.items()
        for dependency in container.get("dependsOn", [])
    }

    # The regional range the security group opens and the bridge listens on, the metrics port, egress.
    ports = sorted(module.default_region_ports().values())
    regional = f"{ports[0]}-{ports[-1]}"
    [ingress] = module_cases.resources_of("defaults", "aws_vpc_security_group_ingress_rule").values()
    [egress] = module_cases.resources_of("defaults", "aws_vpc_security_group_egress_rule").values()
    assert (ingress["from_port"], ingress["to_port"]) == (ports[0], ports[-1])
    assert f"security group: {regional} from the VPC CIDR blocks, egress {egress['to_port']}" in task["title"]

    [listener] = [name for name, container in containers.items() if mapped_ports(container) >= set(ports)]
    assert f":{regional}" in labels[node[listener]]
    metrics_port = module.default("metrics_port")
    [metrics] = [name for name, container in containers.items() if metrics_port in mapped_ports(container)]
    assert f"metrics on :{metrics_port}" in labels[node[metrics]]

    # One call: the name's A record from the namespace, then the listener, then the region's own port on 127.0.0.1.
    outputs = module_cases.output("defaults")
    namespace = module_cases.resource("defaults", "aws_service_discovery_private_dns_namespace.this[0]")["name"]
    [record] = module_cases.resource("defaults", "aws_service_discovery_service.this")["dns_config"][0]["dns_records"]
    [dns] = [vertex for vertex, label in labels.items() if f"private zone {namespace}" in lines_of(label)]
    [question] = [edge["text"] for (_, end), edge in edges.items() if end == dns]
    assert question.endswith(f"{outputs['dns_name']}? ({record['type']} record, TTL {record['ttl']})"), question
    [call] = [edge["text"] for (_, end), edge in edges.items() if end == node[listener] and edge["stroke"] == "normal"]
    port = int(call.rsplit(":", 1)[1])
    assert port in ports
    [forwarded] = [edge["text"] for (start, _), edge in edges.items() if start == node[listener]]
    assert forwarded.endswith(f" 127.0.0.1:{port}"), forwarded

    # The log group the tasks write to.
    log_group = module_cases.resource("defaults", "aws_cloudwatch_log_group.this")["name"]
    assert any(log_group in lines_of(label) for label in labels.values()), log_group


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
    assert "ECS was unable to assume the role 'arn:aws:iam::ACCOUNT:role/NAME-execution' that was provided" in entry
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


def _returns(function: ast.FunctionDef) -> list[ast.Return]:
    """The function's own return statements, not those of functions defined inside it."""
    found, pending = [], list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return):
            found.append(node)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            pending.extend(ast.iter_child_nodes(node))
    return found


def test_no_docs_test_returns_before_it_asserts():
    """A parametrized case that returns early passes without checking its case."""
    returning = [
        f"{path.name}:{statement.lineno}"
        for path in sorted(Path(__file__).parent.glob("test_*.py"))
        for function in ast.walk(ast.parse(path.read_text()))
        if isinstance(function, ast.FunctionDef) and function.name.startswith("test_")
        for statement in _returns(function)
    ]
    assert returning == []
