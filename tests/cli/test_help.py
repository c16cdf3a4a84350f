"""Every command's --help: its examples run, its defaults are the module's, its usage reads as a user types it.

The examples of the commands that plan the module (task-definition,
endpoints, cost) run to the end in process, each as a user runs it, except
that their plans come from one plan of a root holding every example's module
call (a plan costs seconds of CPU; the calls are the inputs each command
itself asked the module for, recorded first). An example the module refuses
fails there with the module's own message. The other commands' examples need
a deployment, root or checkov; they are parsed as the command line parses
them (options, types, their checks), and tests/cli/test_up_aws.py,
test_forward.py, test_price.py and test_verify.py run their like.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from finfocus_ecs import deployment, evaluate, module
from finfocus_ecs.cli import app
from finfocus_ecs.cost import fargate_regions
from finfocus_ecs.evaluate import PlannedModule
from finfocus_ecs.module import default, load_hcl
from finfocus_ecs.project import DOCS_DIR, QUICKSTART_DIR, REPO_ROOT
from finfocus_ecs.roots import offline_inputs

pytestmark = pytest.mark.plan

GROUP = typer.main.get_command(app)
COMMANDS = dict(GROUP.commands)
PLANNING = ("task-definition", "endpoints", "cost")
runner = CliRunner()


def examples(name: str) -> list[list[str]]:
    """The command lines after "Examples:" in a command's help that run finfocus-ecs, as words after its name."""
    text = (COMMANDS[name].help or "").split("Examples:", 1)[1]
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        for part in line.split("&&"):
            words = shlex.split(part.split(" > ")[0])
            words = words[1:] if words[:1] == ["sudo"] else words
            if words and words[0].endswith("finfocus-ecs") and words[1:2] == [name]:
                found.append(words[2:])
    return found


ALL_EXAMPLES = [(name, words) for name in COMMANDS for words in examples(name)]


def up_variables() -> list[dict[str, str]]:
    """The quick start variables every `up --var` the help and the docs show sets (`make up ARGS="..."` too)."""
    lines = [words for name, words in ALL_EXAMPLES if name == "up"]
    for path in (REPO_ROOT / "README.md", DOCS_DIR / "ecs-deployment.md"):
        lines += [shlex.split(found) for found in re.findall(r'make up ARGS="([^"]*)"', path.read_text())]
    sets = [dict(words[i + 1].split("=", 1) for i, word in enumerate(words) if word == "--var") for words in lines]
    return [variables for variables in sets if variables]


def as_module_inputs(variables: dict[str, str]) -> dict[str, Any]:
    """The module inputs a set of quick start variables becomes: main.tf passes var.X on as the module's Y."""
    call = load_hcl(QUICKSTART_DIR / "main.tf")["module"][0]["finfocus"]
    passed_as = {value[6:-1]: name for name, value in call.items() if re.fullmatch(r"\$\{var\.\w+\}", str(value))}
    declared = module.variables(QUICKSTART_DIR)
    inputs = {}
    for name, text in variables.items():
        assert name in declared, f"--var {name}: examples/quickstart declares no such variable"
        if name in passed_as:
            # As -var reads it: a string as it is, anything else as HCL (JSON for these values).
            inputs[passed_as[name]] = text if declared[name].type == "string" else json.loads(text)
    return inputs


PLANNING_EXAMPLES = [item for item in ALL_EXAMPLES if item[0] in PLANNING]
# `cost --plan FILE` prices a plan of the user's: here, the plan of every example's call.
RECORDED = [item for item in PLANNING_EXAMPLES if "--plan" not in item[1]]


def example_id(item: tuple[str, list[str]]) -> str:
    return " ".join([item[0], *item[1]])[:80]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_examples(name):
    assert examples(name), f"`finfocus-ecs {name} --help` shows no runnable example"


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=example_id)
def test_every_example_parses_as_the_command_line_parses_it(example):
    name, words = example
    COMMANDS[name].make_context(name, list(words))


class Recorded(Exception):
    """Where the recorder stops a command: at its plan."""


@pytest.fixture(autouse=True)
def nothing_deployed(monkeypatch):
    """The examples as on a clone that deployed nothing (tests/e2e/test_up_aws.py reads a deployment)."""
    monkeypatch.setattr(deployment, "deployed_quickstart", lambda root=None: None)


def record_inputs(name: str, words: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The module inputs the command asks a plan for (it stops there)."""
    asked: list[tuple[dict[str, Any], str]] = []

    def recorder(inputs: dict[str, Any], region: str = "us-east-1") -> PlannedModule:
        asked.append((inputs, region))
        raise Recorded

    with monkeypatch.context() as patch:
        patch.setattr(evaluate, "plan_module", recorder)
        patch.setattr(deployment, "deployed_quickstart", lambda root=None: None)
        result = runner.invoke(app, [name, *words])
    assert asked, f"{name} {words} planned nothing: {result.output}"
    inputs, region = asked[0]
    assert region == "us-east-1", "the shared root's provider is in us-east-1"
    return inputs


@pytest.fixture(scope="module")
def planned_examples(plan_root) -> dict[str, Any]:
    """Every planning example's module inputs, and every `up --var` set's, planned once each in one root.

    Returns the call each example and each --var set is planned as (examples asking for the same
    inputs share one), and the planned root.
    """
    with pytest.MonkeyPatch.context() as patch:
        asked = [record_inputs(name, words, patch) for name, words in RECORDED]
    asked += [as_module_inputs(variables) for variables in up_variables()]
    distinct: dict[str, dict[str, Any]] = {}
    call_of = []
    for inputs in asked:
        key = json.dumps(inputs, sort_keys=True)
        distinct.setdefault(key, inputs)
        call_of.append(f"call_{list(distinct).index(key)}")
    calls = {f"call_{index}": offline_inputs(**inputs) for index, inputs in enumerate(distinct.values())}
    root = plan_root("help-examples", calls)
    return {"examples": call_of[: len(RECORDED)], "up_vars": call_of[len(RECORDED) :], "root": root}


def test_every_up_var_shown_is_one_the_module_accepts(planned_examples):
    """`up --var` examples in the help, the README and the guide: each set planned in the module (the fixture)."""
    assert len(planned_examples["up_vars"]) == len(up_variables()) >= 3
    for call in planned_examples["up_vars"]:
        assert planned_examples["root"].output(call)["endpoints"], call


@pytest.mark.parametrize("example", PLANNING_EXAMPLES, ids=example_id)
def test_every_planning_example_runs(example, planned_examples, monkeypatch, tmp_path):
    name, words = example
    root = planned_examples["root"]
    if example in RECORDED:
        call = planned_examples["examples"][RECORDED.index(example)]
        prefix = f"module.{call}."
        resources = {
            resource["address"][len(prefix) :]: resource["values"]
            for resource in root.resources
            if resource["address"].startswith(prefix)
        }
        planned = PlannedModule(resources, root.output(call), "us-east-1")
        monkeypatch.setattr(evaluate, "plan_module", lambda inputs, region="us-east-1": planned)
    else:
        (tmp_path / words[words.index("--plan") + 1]).write_text(json.dumps(root.plan))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [name, *words])
    assert result.exit_code == 0, result.output


def help_text(name: str) -> str:
    result = runner.invoke(app, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("name", "variables"),
    [
        ("task-definition", ["name", "image", "cpu", "memory", "cpu_architecture"]),
        ("cost", ["cpu", "memory", "cpu_architecture", "desired_count"]),
        ("endpoints", ["service_discovery_name", "namespace_name", "image"]),
    ],
)
def test_defaults_shown_are_the_modules(name, variables):
    text = help_text(name)
    for variable in variables:
        assert f"the module's `{variable}`, {default(variable)}" in text, variable


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_usage_and_options_read_as_typed(name):
    """HOST, not {host}; KEY=VALUE, not <list[str]>: what a user types, never the type of a Python parameter."""
    result = runner.invoke(app, [name, "--help"], terminal_width=200)
    usage = result.stdout.split("\n\n", 1)[0]
    assert "{" not in usage and "<" not in usage, usage
    options = result.stdout.split("Options:", 1)[1]
    assert not re.search(r"^\s+--\S+ <", options, re.MULTILINE), options


def test_cost_help_names_the_regions_it_has_fargate_prices_for():
    text = help_text("cost")
    regions = fargate_regions()
    named = ", ".join(regions[:-1]) + f" and {regions[-1]}"
    assert f"prices.json, which has {named} only" in text


@pytest.mark.parametrize(
    ("meaning", "option", "commands"),
    [
        ("seconds for one call to a port", "--timeout", ["verify", "price", "connect"]),
        ("the deployment's AWS region", "--region", ["task-definition", "cost", "forward"]),
        ("a task definition: family, ARN or file", "--task-definition", ["verify", "connect", "rehearse"]),
    ],
)
def test_one_name_one_meaning(meaning, option, commands):
    """An option name means one thing in every command that has it, and no other command uses it."""
    having = sorted(name for name, command in COMMANDS.items() if any(option in p.opts for p in command.params))
    assert having == sorted(commands), f"{option} ({meaning})"
    if option == "--task-definition":
        for name in commands:
            assert "FAMILY[:REVISION]|ARN|FILE" in help_text(name)
