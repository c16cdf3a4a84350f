"""A copy of the repository in which `up --target aws` has deployed the quick start, as its state file shows it.

The commands that describe or call a deployment read the quick start's
Terraform state for its outputs (finfocus_ecs.deployment). Here that state is
written as Terraform 1.11 writes it (format version 4, each output's value
and type), with the outputs the quick start declares and an apply gave:
tests/cli/test_up_aws.py reads the ones a real apply writes, against the
emulator. Only the outputs are there: no resources, which nothing here reads.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.interrupting import cli, copy_repo

CLUSTER = "finfocus-plugin-aws-public"


def quickstart_outputs(region_ports: dict[str, int], image: str, region: str = "us-east-1") -> dict[str, Any]:
    host = "aws-public.finfocus.local"
    return {
        "cluster_arn": f"arn:aws:ecs:{region}:123456789012:cluster/{CLUSTER}",
        "service_name": CLUSTER,
        "dns_name": host,
        "endpoints": {name: f"{host}:{port}" for name, port in region_ports.items()},
        "image": image,
        "region": region,
    }


def deployed_copy(directory: Path, outputs: dict[str, Any]) -> Path:
    """The repository's module and quick start in directory, with a quick start state for the AWS target."""
    repo = copy_repo(directory)
    state = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "00000000-0000-0000-0000-000000000000",
        "outputs": {name: {"value": value, "type": "string"} for name, value in outputs.items()},
        "resources": [],
        "check_results": None,
    }
    (repo / "examples" / "quickstart" / "terraform.tfstate").write_text(json.dumps(state))
    return repo


def run_in(repo: Path, *arguments: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """`finfocus-ecs ARGUMENTS` with repo as the repository, to its end (env: as interrupting.cli's extra_env)."""
    process = cli(repo, *arguments, extra_env=env)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
