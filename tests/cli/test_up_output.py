"""What `up` prints after a local deployment: why nothing answers, what to run instead, as it can be typed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from typer.testing import CliRunner

from finfocus_ecs.cli import app
from finfocus_ecs.cli.common import out, runnable
from finfocus_ecs.cli.deploy import print_up_result
from finfocus_ecs.deployment import Finding
from finfocus_ecs.up import UpResult

OUTPUTS = {
    "endpoints": {"us-east-1": "aws-public.finfocus.local:8001"},
    "dns_name": "aws-public.finfocus.local",
    "namespace_id": "ns-1",
    "task_definition_arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/finfocus-plugin-aws-public:1",
    "task_definition_revision": 1,
    "image": "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8",
    "service_arn": "arn:aws:ecs:us-east-1:123456789012:service/finfocus-plugin-aws-public/finfocus-plugin-aws-public",
    "security_group_id": "sg-1",
    "security_group_ingress_port_ranges": [{"from_port": 8001, "to_port": 8001}],
    "log_group_name": "/ecs/finfocus-plugin-aws-public",
    "region": "us-east-1",
}


def printed(result: UpResult) -> str:
    with out.capture() as captured:
        print_up_result(result, destroyed=False)
    return " ".join(captured.get().split())


def test_after_a_local_up_it_says_nothing_answers_and_what_to_run(monkeypatch):
    """From the clone, with .venv/bin not on the PATH (as after `make up`): every command with its path."""
    venv_bin = Path(sys.executable).parent
    monkeypatch.chdir(venv_bin.parent.parent)
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != venv_bin))
    result = UpResult("local", OUTPUTS, [Finding("a check", True, "ok")], {}, "http://127.0.0.1:5000")
    text = printed(result)
    prefix = f"{venv_bin.relative_to(venv_bin.parent.parent)}/finfocus-ecs"
    assert "the emulator holds the AWS resources but runs no tasks, so nothing answers on these ports" in text
    assert f"The local way to a first price: sudo {prefix} rehearse --serve" in text
    assert f"Tear down with: {prefix} down" in text
    exports = "AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing"
    assert f"export {exports} AWS_SECRET_ACCESS_KEY=testing" in text


def test_a_command_on_the_path_is_printed_bare(monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    assert runnable("down") == "finfocus-ecs down"


def test_up_help_documents_the_cancel_exit_code():
    text = " ".join(CliRunner().invoke(app, ["up", "--help"]).stdout.split())
    assert "3 answered no (nothing was created)" in text
