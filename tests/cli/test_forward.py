"""`finfocus-ecs forward`: the deployment's ports here through ECS Exec, then a first price through them.

The AWS CLI is a stand-in (tests/cli/fake_aws.py, whose docstring lists what
it does not reproduce): it answers ECS's task calls and carries each
port-forwarding session to a region stand-in, as Session Manager carries it
to localhost:PORT inside the task. What could not run here: a real session
(no AWS account), and the real Session Manager plugin.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.deployed import CLUSTER, deployed_copy, quickstart_outputs, run_in
from tests.cli.fake_aws import RUNTIME_ID, TASK_ID
from tests.cli.standins import start_region, stop
from tests.e2e.interrupting import cli

REGIONS = {"us-east-1": 8001, "eu-west-1": 8003}
IMAGE = "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8"


def free_offset() -> int:
    """An offset that puts every regional port on a free port here (the regional ports themselves may be taken)."""
    for offset in range(21000, 40000, 97):
        ports = [port + offset for port in REGIONS.values()]
        if all(_free(port) for port in ports):
            return offset
    raise RuntimeError("no free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def task_ports() -> Iterator[dict[str, int]]:
    """Region stand-ins, one per regional port "inside the task": port => the stand-in's port."""
    started = {port: start_region(region) for region, port in REGIONS.items()}
    yield {str(port): bound for port, (_, bound) in started.items()}
    for process, _ in started.values():
        stop(process)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return deployed_copy(tmp_path_factory.mktemp("repo"), quickstart_outputs(REGIONS, IMAGE, region="eu-west-1"))


def tools_on_path(directory: Path, log: Path, task_ports: dict[str, int], **env: str) -> dict[str, str]:
    """The environment with the stand-in `aws` and a `session-manager-plugin` first on the PATH."""
    directory.mkdir(exist_ok=True)
    root = Path(__file__).resolve().parents[2]
    (directory / "aws").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m tests.cli.fake_aws "$@"\n')
    (directory / "session-manager-plugin").write_text("#!/bin/sh\nexit 0\n")
    for tool in ("aws", "session-manager-plugin"):
        (directory / tool).chmod(0o755)
    return {
        "PATH": f"{directory}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(root),
        "FAKE_AWS_LOG": str(log),
        "FAKE_AWS_CLUSTER": CLUSTER,
        "FAKE_AWS_TASK_PORTS": json.dumps(task_ports),
        **env,
    }


def test_forward_then_a_first_price_through_it(repo, task_ports, tmp_path):
    log = tmp_path / "aws.log"
    env = tools_on_path(tmp_path / "bin", log, task_ports)
    offset = free_offset()
    forwarding = cli(repo, "forward", "--local-port-offset", str(offset), extra_env=env)
    try:
        printed = ""
        deadline = time.monotonic() + 60
        while "In another shell: " not in printed:
            assert forwarding.poll() is None, forwarding.communicate()[1]
            assert time.monotonic() < deadline, printed
            printed += forwarding.stdout.readline()
        hint = printed.split("In another shell: ", 1)[1].strip()
        # The command it prints, as printed: the binary by its path, the shifted ports as --region-ports.
        words = shlex.split(hint)
        assert words[0].endswith("finfocus-ecs") and "--region-ports" in words, hint
        priced = run_in(repo, *words[1:], "--json", env=env)
        assert priced.returncode == 0, priced.stderr
        rows = json.loads(priced.stdout)["results"]
        assert {row["region"] for row in rows} == set(REGIONS)
        assert all(row["cost_per_month"] > 0 for row in rows), rows
    finally:
        forwarding.send_signal(signal.SIGINT)
        _, stderr = forwarding.communicate(timeout=30)
    assert forwarding.returncode == 0, stderr
    assert "stopped: every session closed" in stderr
    assert all(_free(port + offset) for port in REGIONS.values()), "the sessions ended with forward"
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    sessions = [call for call in calls if "start-session" in call]
    assert len(sessions) == len(REGIONS)
    for call in sessions:
        # The deployed quick start's region and the plugin container, as the AWS CLI names an ECS Exec target.
        assert call[call.index("--region") + 1] == "eu-west-1"
        assert call[call.index("--target") + 1] == f"ecs:{CLUSTER}_{TASK_ID}_{RUNTIME_ID}"


def test_forward_with_ecs_exec_off_says_how_to_turn_it_on(repo, task_ports, tmp_path):
    env = tools_on_path(tmp_path / "bin", tmp_path / "aws.log", task_ports, FAKE_AWS_EXEC="off")
    completed = run_in(repo, "forward", "--local-port-offset", str(free_offset()), env=env)
    assert completed.returncode == 1, completed.stderr
    message = " ".join(completed.stderr.split())
    assert f"ECS Exec is off for task {TASK_ID}" in message
    assert "up --target aws --var enable_execute_command=true" in message
    assert "start-session" not in (tmp_path / "aws.log").read_text(), "no session tried"


def test_forward_without_the_aws_cli_names_what_to_install(repo, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = run_in(repo, "forward", env={"PATH": f"{empty}{os.pathsep}{Path(sys.executable).parent}"})
    assert completed.returncode == 2, completed.stderr
    assert "forward needs aws and session-manager-plugin on the PATH" in " ".join(completed.stderr.split())
