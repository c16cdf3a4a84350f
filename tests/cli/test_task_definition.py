"""`finfocus-ecs task-definition`: JSON that AWS's own validation and the emulator accept."""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
from botocore.validate import ParamValidator
from typer.testing import CliRunner

from finfocus_ecs.cli import app
from finfocus_ecs.module import default_region_ports
from tests.commands import run_cli
from tests.module_cases import TEN_REGIONS

pytestmark = pytest.mark.plan

runner = CliRunner()


@pytest.fixture(scope="module")
def task_definition():
    """Through the console script, as a user runs it."""
    completed = run_cli("task-definition")
    assert completed.returncode == 0, completed.stderr
    assert "placeholder" in completed.stderr
    return json.loads(completed.stdout)


def test_passes_botocore_parameter_validation(task_definition):
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(task_definition, shape)
    assert not report.has_errors(), report.generate_report()


def test_registers_in_the_emulator_with_every_port(task_definition, emulator):
    registered = emulator.client("ecs").register_task_definition(**task_definition)["taskDefinition"]
    ports = {m["containerPort"] for c in registered["containerDefinitions"] for m in c["portMappings"]}
    assert len(ports) == 11
    assert ports == set(default_region_ports().values()) | {9090}
    assert (registered["cpu"], registered["memory"]) == ("2048", "4096")


def test_options_change_the_definition_in_process():
    layout = ",".join(f"{region}={port}" for region, port in TEN_REGIONS.items())
    result = runner.invoke(
        app,
        [
            "task-definition",
            "--region-ports",
            layout,
            "--cpu",
            "1024",
            "--memory",
            "3072",
            "--image",
            "ghcr.io/rshade/finfocus-plugin-aws-public:v0.2.0",
            "--execution-role-arn",
            "arn:aws:iam::111122223333:role/finfocus-exec",
            "--log-group",
            "/custom/finfocus",
            "--region",
            "eu-west-1",
        ],
    )
    assert result.exit_code == 0, result.output
    rendered = json.loads(result.stdout)
    assert (rendered["cpu"], rendered["memory"]) == ("1024", "3072")
    assert rendered["executionRoleArn"] == "arn:aws:iam::111122223333:role/finfocus-exec"
    containers = {c["name"]: c for c in rendered["containerDefinitions"]}
    assert containers["finfocus-plugin"]["image"].endswith(":v0.2.0")
    assert {m["containerPort"] for m in containers["port-bridge"]["portMappings"]} == set(range(8001, 8011))
    options = containers["finfocus-plugin"]["logConfiguration"]["options"]
    assert (options["awslogs-group"], options["awslogs-region"]) == ("/custom/finfocus", "eu-west-1")


# One case per way a bad input is caught: a variable's validation, the CLI's parsing, a precondition
# (tests/plan has every message), each with the file the module checks it in (None: the CLI checks it).
@pytest.mark.parametrize(
    ("arguments", "message", "checked_in"),
    [
        (["--region-ports", "us-east-1=8001,mars-north-1=8002"], "mars-north-1", "variables.tf"),
        (["--region-ports", "us-east-1=eighty"], "'eighty'", None),
        (["--cpu", "2048", "--memory", "3000"], "memory = 3000 is not offered by Fargate with cpu = 2048", "ecs.tf"),
    ],
)
def test_bad_input_is_a_usage_error_on_stderr(arguments, message, checked_in):
    completed = run_cli("task-definition", *arguments)
    assert completed.returncode == 2
    text = " ".join(completed.stderr.split())
    assert message in text
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""
    # Terraform's error as the module wrote it, once: not "error: Error: ...", no snippet, no path of ours.
    assert text.startswith("error: ") and "Error:" not in text and "../" not in text and ".cache" not in text, text
    assert "├" not in text and " is list of " not in text, "the values Terraform shows beside its snippet"
    if checked_in:
        assert re.search(rf"\(modules/finfocus_ecs/{re.escape(checked_in)}:\d+\)$", text), text
