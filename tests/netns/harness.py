"""The rehearsal's two hosts (a task and a client namespace), plus what the bridge tests start by hand.

The network and the metadata endpoint are finfocus_ecs.rehearsal.network's,
the region stand-in is finfocus_ecs.rehearsal.region_server and the HTTP
probe finfocus_ecs.rehearsal.probe, so these tests and the rehearsal share
one reproduction of Fargate. Here the bridge script runs on its own, without
the rest of the task, so that its failures can be provoked one by one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finfocus_ecs.rehearsal.network import IP, METADATA_IP, TASK_IP, TaskNetwork, awsvpc_networks
from tests.cli.standins import IMAGE_ENV

STANDIN = Path(__file__).with_name("standin.py")
REGION_SERVER = "finfocus_ecs.rehearsal.region_server"
METADATA_ID = "port-bridge-0123456789abcdef"


def busybox_shell(directory: Path) -> tuple[tuple[str, ...], dict[str, str]]:
    """(shell command, env) that run a script as the HAProxy Alpine image does: busybox sh
    with busybox's own applets (wget, sed, tr...) first on PATH.

    The module's rehearsal_available fixture has already checked that busybox is installed.
    """
    busybox = shutil.which("busybox")
    assert busybox is not None, "busybox is not installed, yet rehearsal_available let the test run"
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run([busybox, "--install", "-s", str(directory)], check=True)
    haproxy_dir = str(Path(shutil.which("haproxy") or "/usr/sbin/haproxy").parent)
    return (busybox, "sh"), {"PATH": f"{directory}:{haproxy_dir}"}


class TwoHosts(TaskNetwork):
    """A TaskNetwork whose task host runs processes started one by one."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.processes: list[subprocess.Popen] = []

    def spawn(self, namespace: str, command: list[str], env: Mapping[str, str] | None = None) -> subprocess.Popen:
        process = subprocess.Popen(
            [IP, "netns", "exec", namespace, *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def spawn_region(self, region: str, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen:
        """The region stand-in (finfocus_ecs.rehearsal.region_server) on the task host, as the image runs it."""
        return self.spawn(
            self.task_ns, [sys.executable, "-m", REGION_SERVER, region, *args], {**IMAGE_ENV, **(env or {})}
        )

    @staticmethod
    def await_listening(region: str, process: subprocess.Popen) -> int:
        """The port of the region server's one stdout line (`PORT=N`), or it failed to start."""
        line = process.stdout.readline()
        if not line.startswith("PORT="):
            process.kill()
            raise RuntimeError(f"stand-in for {region} did not start: {line}{process.stderr.read()}")
        return int(line.removeprefix("PORT="))

    def start_plugin(self, region: str, port: int, env: Mapping[str, str] | None = None) -> subprocess.Popen:
        """One region listening on 127.0.0.1:PORT of the task host."""
        process = self.spawn_region(region, "--port", str(port), env=env)
        self.await_listening(region, process)
        return process

    def start_plugins(
        self, region_ports: Mapping[str, int], env: Mapping[str, str] | None = None
    ) -> dict[str, subprocess.Popen]:
        """Every region at once (their start-up, mostly imports, overlaps), then wait for each.

        env is the plugin container's environment, e.g. the CORS settings the module renders.
        """
        processes = {
            region: self.spawn_region(region, "--port", str(port), env=env) for region, port in region_ports.items()
        }
        for region, process in processes.items():
            self.await_listening(region, process)
        return processes

    def start_metadata(self) -> str:
        """Fargate's v4 endpoint with the bridge's own container; its ECS_CONTAINER_METADATA_URI_V4."""
        container = {"DockerId": METADATA_ID, "Name": "port-bridge", "Networks": awsvpc_networks()}
        super().start_metadata({"Containers": [container]}, {METADATA_ID: container})
        return f"http://{METADATA_IP}/v4/{METADATA_ID}"

    def start_bridge(
        self, script: str, env: Mapping[str, str], run_dir: Path, shell: tuple[str, ...] = ("/bin/sh",)
    ) -> subprocess.Popen:
        """Run the module's rendered bridge script exactly as the container does: sh -c SCRIPT."""
        return self.spawn(self.task_ns, [*shell, "-c", script], env={"TMPDIR": str(run_dir), **env})

    def listening_ports(self) -> set[int]:
        """TCP ports the task host listens on at its own address (ss -ltn)."""
        return {port for address, port in self.listening() if address == TASK_IP}

    def wait_for_listeners(self, count: int, timeout: float = 10) -> set[int]:
        deadline = time.monotonic() + timeout
        while len(self.listening_ports()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.listening_ports()

    def run_client(self, namespace: str, mode: str, *args: object, stdin: object = None) -> Any:
        """Run a standin.py client MODE in namespace; its JSON result."""
        completed = subprocess.run(
            [IP, "netns", "exec", namespace, sys.executable, str(STANDIN), mode, *map(str, args)],
            input=None if stdin is None else json.dumps(stdin),
            capture_output=True,
            text=True,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"standin.py {mode} failed: {completed.stderr}")
        return json.loads(completed.stdout)

    def start_client(self, namespace: str, mode: str, *args: object) -> subprocess.Popen:
        """A standin.py client MODE left running in namespace, for clients that must overlap in time."""
        return self.spawn(namespace, [sys.executable, str(STANDIN), mode, *map(str, args)])

    @staticmethod
    def client_result(process: subprocess.Popen, timeout: float = 30) -> Any:
        """The JSON result of a client from start_client, once it ends."""
        stdout, stderr = process.communicate(timeout=timeout)
        if process.returncode != 0:
            raise RuntimeError(f"standin.py client failed: {stderr}")
        return json.loads(stdout)

    def probe(
        self,
        region_ports: Mapping[str, int],
        host: str = TASK_IP,
        namespace: str | None = None,
        with_grpc: bool = False,
    ) -> dict[int, dict]:
        """GET /healthz and who answers (GetPluginInfo over Connect JSON) on each port, from the client host.

        with_grpc adds the rehearsal's full probe: gRPC health and one price over each protocol.
        """
        return super().probe(region_ports, host, namespace, with_grpc)

    def grpc_check(
        self, ports: list[int], host: str = TASK_IP, namespace: str | None = None, timeout: float = 3
    ) -> dict[int, dict]:
        """Health/Check and GetPluginInfo on each port, concurrently, from the client host (or another namespace)."""
        targets = [{"host": host, "port": port} for port in ports]
        results = self.run_client(namespace or self.client_ns, "grpc-check", timeout, stdin=targets)
        return {item["port"]: item for item in results}

    def latency(self, host: str, port: int, count: int, namespace: str) -> list[float]:
        return self.run_client(namespace, "latency", host, port, count)

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            for stream in (process.stdout, process.stderr):
                if stream:
                    stream.close()
        self.processes.clear()
        super().close()
