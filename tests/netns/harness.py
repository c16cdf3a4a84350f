"""Two hosts on one machine: a "task" and a "client" network namespace joined by veth.

Addresses come from 198.18.0.0/15 (RFC 2544, set aside for network tests)
and exist only inside the namespaces. Everything started here is stopped and
the namespaces removed by close(), which the tests call even on failure.
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

STANDIN = Path(__file__).with_name("standin.py")
REGION_SERVER = "finfocus_ecs.rehearsal.region_server"
TASK_IP = "198.18.0.2"
CLIENT_IP = "198.18.0.3"
METADATA_PORT = 51679
# Absolute, so a PATH given to a stand-in (busybox first) cannot change which ip runs.
IP = shutil.which("ip") or "/usr/sbin/ip"


def busybox_shell(directory: Path) -> tuple[tuple[str, ...], dict[str, str]] | None:
    """(shell command, env) that run a script as the HAProxy Alpine image does: busybox sh
    with busybox's own applets (wget, sed, tr...) first on PATH; None without busybox."""
    busybox = shutil.which("busybox")
    if busybox is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run([busybox, "--install", "-s", str(directory)], check=True)
    haproxy_dir = str(Path(shutil.which("haproxy") or "/usr/sbin/haproxy").parent)
    return (busybox, "sh"), {"PATH": f"{directory}:{haproxy_dir}"}


def netns_available() -> str | None:
    """None when namespaces can be built here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is not installed"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"ip netns is unavailable: {probe.stderr.strip()}"
    if shutil.which("haproxy") is None:
        return "haproxy is not installed (apt-get install haproxy)"
    return None


class TwoHosts:
    def __init__(self, tag: str) -> None:
        suffix = f"{os.getpid()}-{tag}"[-12:]
        self.task_ns = f"fft-{suffix}"
        self.client_ns = f"ffc-{suffix}"
        self.processes: list[subprocess.Popen] = []
        self._veth = f"ffv{os.getpid() % 100000}{tag[:2]}"

    def __enter__(self) -> TwoHosts:
        try:
            self._sh("ip", "netns", "add", self.task_ns)
            self._sh("ip", "netns", "add", self.client_ns)
            self._sh("ip", "link", "add", f"{self._veth}t", "type", "veth", "peer", "name", f"{self._veth}c")
            self._sh("ip", "link", "set", f"{self._veth}t", "netns", self.task_ns)
            self._sh("ip", "link", "set", f"{self._veth}c", "netns", self.client_ns)
            for namespace, device, address in (
                (self.task_ns, f"{self._veth}t", TASK_IP),
                (self.client_ns, f"{self._veth}c", CLIENT_IP),
            ):
                self._sh("ip", "-n", namespace, "addr", "add", f"{address}/24", "dev", device)
                self._sh("ip", "-n", namespace, "link", "set", device, "up")
                self._sh("ip", "-n", namespace, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _sh(*command: str) -> None:
        subprocess.run(command, check=True, capture_output=True)

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
        return self.spawn(self.task_ns, [sys.executable, "-m", REGION_SERVER, region, *args], env)

    @staticmethod
    def await_listening(region: str, process: subprocess.Popen) -> dict[str, Any]:
        """The region server's first stdout line: its JSON "listening" log, or it failed to start."""
        line = process.stdout.readline()
        try:
            logged = json.loads(line)
        except ValueError:
            logged = {}
        if logged.get("msg") != "listening":
            process.kill()
            raise RuntimeError(f"stand-in for {region} did not start: {line}{process.stderr.read()}")
        return logged

    def start_plugin(self, region: str, port: int) -> subprocess.Popen:
        """One region listening on 127.0.0.1:PORT of the task host."""
        process = self.spawn_region(region, "--port", str(port))
        self.await_listening(region, process)
        return process

    def start_plugins(self, region_ports: Mapping[str, int]) -> dict[str, subprocess.Popen]:
        """Every region at once (their start-up, mostly imports, overlaps), then wait for each."""
        processes = {region: self.spawn_region(region, "--port", str(port)) for region, port in region_ports.items()}
        for region, process in processes.items():
            self.await_listening(region, process)
        return processes

    def start_metadata(self) -> str:
        process = self.spawn(self.task_ns, [sys.executable, str(STANDIN), "metadata", str(METADATA_PORT), TASK_IP])
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"metadata stand-in did not start: {process.stderr.read()}")
        return f"http://127.0.0.1:{METADATA_PORT}/v4/test"

    def start_bridge(
        self, script: str, env: Mapping[str, str], run_dir: Path, shell: tuple[str, ...] = ("/bin/sh",)
    ) -> subprocess.Popen:
        """Run the module's rendered bridge script exactly as the container does: sh -c SCRIPT."""
        return self.spawn(self.task_ns, [*shell, "-c", script], env={"TMPDIR": str(run_dir), **env})

    def listening_ports(self) -> set[int]:
        """TCP ports the task host listens on at its own address (ss -ltn)."""
        listing = subprocess.run(
            ["ip", "netns", "exec", self.task_ns, "ss", "-Hltn"], capture_output=True, text=True, check=True
        ).stdout
        ports = set()
        for line in listing.splitlines():
            local = line.split()[3]
            host, _, port = local.rpartition(":")
            if host == TASK_IP:
                ports.add(int(port))
        return ports

    def wait_for_listeners(self, count: int, timeout: float = 10) -> set[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ports = self.listening_ports()
            if len(ports) >= count:
                return ports
            time.sleep(0.05)
        return self.listening_ports()

    def run_client(self, namespace: str, mode: str, *args: object, stdin: object = None) -> Any:
        """Run a standin.py client MODE in namespace; its JSON result."""
        completed = subprocess.run(
            ["ip", "netns", "exec", namespace, sys.executable, str(STANDIN), mode, *map(str, args)],
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

    def probe(self, ports: list[int], host: str = TASK_IP, namespace: str | None = None) -> dict[int, dict]:
        """GET /healthz on each port from the client host (or another namespace)."""
        targets = [{"host": host, "port": port} for port in ports]
        return {item["port"]: item for item in self.run_client(namespace or self.client_ns, "client", stdin=targets)}

    def grpc_check(
        self, ports: list[int], host: str = TASK_IP, namespace: str | None = None, timeout: float = 3
    ) -> dict[int, dict]:
        """Health/Check and Name on each port, concurrently, from the client host (or another namespace)."""
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
        for namespace in (self.task_ns, self.client_ns):
            subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
