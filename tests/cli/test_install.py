"""What `make up` installs: the main job's dependencies only, and a clear stop for a command that needs more.

An environment is built as the Makefile builds `make up`'s, from
requirements/up.txt with uv, and the commands are run from it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from finfocus_ecs.project import REPO_ROOT
from tests.checkouts import environment, uv


@pytest.fixture(scope="module")
def up_environment(tmp_path_factory) -> Path:
    """A virtual environment with exactly what `make up` installs."""
    return environment(tmp_path_factory.mktemp("up-only") / "venv", "up.txt").parent.parent


def installed(venv: Path) -> set[str]:
    listed = subprocess.run(
        [uv(), "pip", "list", "--python", str(venv / "bin" / "python"), "--format", "freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split("==")[0].lower() for line in listed.split()}


def test_up_environment_lacks_the_extras_and_imports_the_main_job(up_environment):
    names = installed(up_environment)
    assert {"moto", "boto3", "python-hcl2", "tftest", "typer", "rich"} <= names
    assert not names & {"grpcio", "connectrpc", "hypercorn", "parliament", "pytest", "ruff"}, names
    completed = subprocess.run(
        [str(up_environment / "bin" / "python"), "-c", "import finfocus_ecs.up, finfocus_ecs.emulator_server"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize(
    ("arguments", "extra"),
    [
        (["price", "127.0.0.1", "--resource-type", "ec2", "--sku", "t3.micro"], "plugin"),
        (["verify", "127.0.0.1"], "plugin"),
        (["scan", "modules/finfocus_ecs"], "scan"),
    ],
)
def test_a_command_that_needs_an_extra_says_which(up_environment, arguments, extra):
    completed = subprocess.run(
        [str(up_environment / "bin" / "finfocus-ecs"), *arguments], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert completed.returncode == 2, completed.stderr
    message = " ".join(completed.stderr.split())
    assert f"needs the optional dependencies of the `{extra}` extra" in message
    assert f"pip install 'finfocus-ecs[{extra}]'" in message and "make venv" in message
    assert re.search(r"(grpcio|parliament)", message), message
