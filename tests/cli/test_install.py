"""What `make up` installs: the main job and what `verify`, `price` and `connect` need, and a clear stop for `scan`.

An environment is built as the Makefile builds `make up`'s, from
requirements/up.txt with uv, and the commands are run from it.
"""

from __future__ import annotations

import json
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


def test_up_environment_has_the_plugin_extra_and_no_test_tools(up_environment):
    names = installed(up_environment)
    assert {"moto", "boto3", "python-hcl2", "tftest", "typer", "rich"} <= names
    assert {"grpcio", "connectrpc", "protobuf", "hypercorn"} <= names, "verify, price and connect work after make up"
    assert not names & {"parliament", "pytest", "ruff"}, names
    completed = subprocess.run(
        [str(up_environment / "bin" / "python"), "-c", "import finfocus_ecs.up, finfocus_ecs.plugin_api"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr


def test_price_runs_after_make_up(up_environment):
    """Past the extra check to the call itself: nothing listens on a closed port of loopback."""
    completed = subprocess.run(
        [
            str(up_environment / "bin" / "finfocus-ecs"),
            *("price", "127.0.0.1", "--resource-type", "ec2", "--sku", "t3.micro"),
            *("--region-ports", "us-east-1=9", "--timeout", "0.5", "--json"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert "optional dependencies" not in completed.stderr
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["results"][0]["region"] == "us-east-1"


def test_scan_without_its_extra_says_what_to_run(up_environment):
    """The tool is installed from its clone: the fix is the clone's own `make venv`, never a package index."""
    completed = subprocess.run(
        [str(up_environment / "bin" / "finfocus-ecs"), "scan", "modules/finfocus_ecs"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert completed.returncode == 2, completed.stderr
    message = " ".join(completed.stderr.split())
    assert "needs the optional dependencies of the `scan` extra" in message and "parliament" in message
    assert f"make -C {REPO_ROOT} venv" in message
    assert "pip install" not in message
