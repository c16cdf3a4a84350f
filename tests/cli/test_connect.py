"""`finfocus-ecs connect`: the local plugin it installs, as the FinFocus core finds, launches and calls it.

The deployment is region stand-ins on loopback (tests/cli/standins.py); the
FinFocus core is tests/core_standin.py (its docstring lists what it does
not reproduce). The same core runs through the port bridge in network
namespaces in tests/netns/test_clients_through_bridge.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from finfocus_ecs.connect import finfocus_home
from finfocus_ecs.rehearsal.region_service import price_table
from tests.cli.standins import refused, start_region, stop
from tests.commands import run_cli

CORE = Path(__file__).parents[1] / "core_standin.py"
PLUGIN_DIR = Path("plugins", "aws-public", "0.1.8")
REGIONS = ("us-east-1", "eu-west-1", "sa-east-1")


def mapping(ports: dict[str, int]) -> str:
    return ",".join(f"{region}={port}" for region, port in ports.items())


def connect(home: Path, ports: dict[str, int], *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_cli("connect", "127.0.0.1", "--region-ports", mapping(ports), "--finfocus-home", str(home), *arguments)


def instance(region: str, sku: str = "t3.micro") -> dict:
    """A Pulumi resource as the core reads it from a preview."""
    return {
        "urn": f"urn:pulumi:dev::shop::aws:ec2/instance:Instance::web-{region}",
        "type": "aws:ec2/instance:Instance",
        "properties": {"instanceType": sku, "availabilityZone": f"{region}a", "ami": "ami-0abcdef1234567890"},
    }


def run_core(home: Path, resources: list[dict], tmp_path: Path) -> dict:
    resources_file = tmp_path / "resources.json"
    resources_file.write_text(json.dumps(resources))
    environment = {**os.environ, "FINFOCUS_HOME": str(home)}
    completed = subprocess.run(
        [sys.executable, str(CORE), str(resources_file)], capture_output=True, text=True, env=environment, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def deployment() -> Iterator[dict[str, int]]:
    """Three region stand-ins: region => port."""
    started = {region: start_region(region) for region in REGIONS}
    yield {region: port for region, (_, port) in started.items()}
    for process, _ in started.values():
        stop(process)


@pytest.mark.parametrize(
    ("environment", "given", "expected"),
    [
        ({"FINFOCUS_HOME": "/f", "PULUMI_HOME": "/p", "HOME": "/h"}, None, "/f"),
        ({"PULUMI_HOME": "/p", "HOME": "/h"}, None, "/p/finfocus"),
        ({"HOME": "/h"}, None, "/h/.finfocus"),
        ({}, None, ".finfocus"),
        ({"FINFOCUS_HOME": "/f"}, Path("/given"), "/given"),
    ],
)
def test_home_is_resolved_as_the_core_resolves_it(environment, given, expected):
    assert finfocus_home(environment, given) == Path(expected)


def test_connect_writes_a_plugin_the_core_launches_and_prices_through(deployment, tmp_path):
    home = tmp_path / "finfocus"
    completed = connect(home, deployment, "--json")
    assert completed.returncode == 0, completed.stderr
    written = json.loads(completed.stdout)
    directory = home / PLUGIN_DIR
    assert sorted(written["files"]) == sorted(
        str(directory / name) for name in ("finfocus-plugin-aws-public", "finfocus-ecs.json")
    )
    assert sorted(path.relative_to(home) for path in home.rglob("*") if path.is_file()) == sorted(
        PLUGIN_DIR / name for name in ("finfocus-ecs.json", "finfocus-plugin-aws-public")
    ), "connect writes these two files and nothing else"
    assert os.access(directory / "finfocus-plugin-aws-public", os.X_OK)

    with refused() as dead_port:
        # Three live regions, and by hand a fourth whose port refuses (its process is down).
        settings = json.loads((directory / "finfocus-ecs.json").read_text())
        settings["region_ports"]["us-west-2"] = dead_port
        (directory / "finfocus-ecs.json").write_text(json.dumps(settings))
        report = run_core(home, [instance(region) for region in (*REGIONS, "eu-central-1", "us-west-2")], tmp_path)
    [plugin] = report["plugins"]
    assert (plugin["name"], plugin["version"]) == ("aws-public", "0.1.8")
    assert plugin["plugin_name"] == "finfocus-plugin-aws-public"
    assert "region" not in plugin["info"]["metadata"], "no region of its own: the core asks it for every resource"
    assert {result["urn"].split("web-")[1]: result["cost_per_month"] for result in report["results"][:3]} == {
        region: pytest.approx(price_table()["ec2"]["prices"][region]["t3.micro"] * 730) for region in REGIONS
    }
    missing, down = report["results"][3:]
    assert [failure["code"] for failure in missing["failures"]] == ["FAILED_PRECONDITION"]
    assert "eu-central-1 is not served by the deployment at 127.0.0.1" in missing["failures"][0]["message"]
    assert [failure["code"] for failure in down["failures"]] == ["UNAVAILABLE"]
    assert report["gone_after_sigkill"] == {"aws-public": True}
    with socket.socket() as again:  # its port is free again: nothing of it lingers
        again.bind(("127.0.0.1", plugin["port"]))


def test_remove_takes_away_exactly_what_connect_wrote(deployment, tmp_path):
    home = tmp_path / "finfocus"
    other = home / "plugins" / "kubecost" / "1.0.0" / "finfocus-plugin-kubecost"
    other.parent.mkdir(parents=True)
    other.write_text("#!/bin/sh\n")
    assert connect(home, deployment).returncode == 0
    completed = run_cli("connect", "--remove", "--finfocus-home", str(home), "--json")
    assert completed.returncode == 0, completed.stderr
    removed = json.loads(completed.stdout)["removed"]
    assert sorted(Path(path).name for path in removed) == ["finfocus-ecs.json", "finfocus-plugin-aws-public"]
    assert [path.relative_to(home) for path in home.rglob("*") if path.is_file()] == [other.relative_to(home)]
    assert not (home / "plugins" / "aws-public").exists()
    again = run_cli("connect", "--remove", "--finfocus-home", str(home))
    assert again.returncode == 0 and "nothing finfocus-ecs wrote" in again.stdout


def test_connect_refuses_to_overwrite_a_plugin_it_did_not_write(deployment, tmp_path):
    home = tmp_path / "finfocus"
    upstream = home / "plugins" / "aws-public" / "0.1.8" / "finfocus-plugin-aws-public"
    upstream.parent.mkdir(parents=True)
    upstream.write_bytes(b"\x7fELF upstream router")
    completed = connect(home, deployment)
    assert completed.returncode == 1
    assert "holds a plugin finfocus-ecs did not write (0.1.8)" in completed.stderr
    assert [path for path in home.rglob("*") if path.is_file()] == [upstream]
    assert upstream.read_bytes() == b"\x7fELF upstream router"
    removed = run_cli("connect", "--remove", "--finfocus-home", str(home))
    assert removed.returncode == 0 and upstream.exists(), "--remove leaves a plugin it did not write"


def test_connect_replaces_its_own_plugin(deployment, tmp_path):
    home = tmp_path / "finfocus"
    assert connect(home, deployment).returncode == 0
    assert connect(home, {"us-east-1": deployment["us-east-1"]}).returncode == 0
    settings = json.loads((home / PLUGIN_DIR / "finfocus-ecs.json").read_text())
    assert settings["region_ports"] == {"us-east-1": deployment["us-east-1"]}


def test_connect_refuses_a_deployment_whose_ports_answer_as_other_regions(deployment, tmp_path):
    home = tmp_path / "finfocus"
    swapped = {**deployment, "us-east-1": deployment["eu-west-1"], "eu-west-1": deployment["us-east-1"]}
    completed = connect(home, swapped)
    assert completed.returncode == 1
    assert "did not answer as the deployment on 2 of 3 ports: nothing written" in completed.stderr
    assert "us-east-1 (port" in completed.stderr and "does not match the image" in completed.stderr
    assert not home.exists()


def test_connect_refuses_a_name_that_does_not_resolve(tmp_path):
    home = tmp_path / "finfocus"
    completed = run_cli("connect", "aws-public.finfocus.invalid", "--finfocus-home", str(home))
    assert completed.returncode == 1
    assert "does not resolve" in completed.stderr or "name does not resolve" in completed.stderr
    assert not home.exists()


def test_connect_without_a_host_is_a_usage_error(tmp_path):
    completed = run_cli("connect", "--finfocus-home", str(tmp_path))
    assert completed.returncode == 2
    assert "give the deployment's HOST (or --remove)" in completed.stderr
