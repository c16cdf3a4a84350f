"""The task's network: one namespace every container shares (awsvpc), a client host, and the metadata endpoint.

Addresses come from 198.18.0.0/15 (RFC 2544, set aside for network tests).
The client host is a namespace of its own, so that tests and rehearsals never
touch this machine's network; or, for a task kept serving (`rehearse
--serve`), this machine itself: the veth's other end then stays in the host's
namespace, on the first 198.18.N.0/24 (N from 1) that the host does not use,
so that its own shell reaches the task. The metadata endpoint listens where
Fargate's does, 169.254.170.2:80, inside the task namespace only.

Not reproduced: the VPC (one veth stands for the subnet), security groups,
DNS and Cloud Map (clients use the task IP), ENI attachment delays.
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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

TASK_IP = "198.18.0.2"
CLIENT_IP = "198.18.0.3"
METADATA_IP = "169.254.170.2"
# Absolute, so a PATH given to a container cannot change which ip runs.
IP = shutil.which("ip") or "/usr/sbin/ip"


# The browser the guide's browser example runs in (tests/browser), on the client host.
BROWSER = "chromium"
# The host's programs the tests run, each with the Debian package that brings
# it: namespaces, then what rebuilds the images (BusyBox is the Alpine images'
# shell; HAProxy, curl and tini are the images' own programs), then the
# browser. tools/system-packages.sh installs from this list.
HOST_TOOLS = {
    "ip": "iproute2",
    "nsenter": "util-linux",
    "mount": "mount",
    "busybox": "busybox",
    "haproxy": "haproxy",
    "curl": "curl",
    "tini-static": "tini",
    BROWSER: "chromium",
}


def missing_tools() -> dict[str, str]:
    """Tool => Debian package, for each tool of HOST_TOOLS this machine lacks."""
    return {
        tool: package
        for tool, package in HOST_TOOLS.items()
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()
    }


def namespaces_unavailable() -> str | None:
    """None when the rehearsal can run here, else why it cannot."""
    if sys.platform != "linux":
        return "the rehearsal needs Linux namespaces"
    if os.geteuid() != 0:
        return "the rehearsal needs root (network, mount and PID namespaces, chroot)"
    for tool, package in missing_tools().items():
        if tool != BROWSER:
            return f"{tool} is not installed (apt-get install {package})"
    probe = subprocess.run([IP, "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"ip netns is unavailable: {probe.stderr.strip()}"
    return None


def awsvpc_networks(task_ip: str = TASK_IP) -> list[dict[str, Any]]:
    """A container's `Networks` in the v4 metadata, as Fargate gives it for the task IP."""
    subnet = task_ip.rsplit(".", 1)[0]
    return [
        {
            "NetworkMode": "awsvpc",
            "IPv4Addresses": [task_ip],
            "AttachmentIndex": 0,
            "MACAddress": "0e:00:c6:12:00:02",
            "IPv4SubnetCIDRBlock": f"{subnet}.0/24",
            "PrivateDNSName": f"ip-{task_ip.replace('.', '-')}.ec2.internal",
            "SubnetGatewayIpv4Address": f"{subnet}.1/24",
        }
    ]


def free_host_subnet() -> str:
    """The first 198.18.N (N from 1) that no address or route of this machine uses."""
    used = subprocess.run([IP, "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout
    used += subprocess.run([IP, "-4", "route", "show"], capture_output=True, text=True, check=True).stdout
    for index in range(1, 255):
        if f"198.18.{index}." not in used:
            return f"198.18.{index}"
    raise RuntimeError("every 198.18.N.0/24 is in use on this machine: stop other served rehearsals first")


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


class TaskNetwork:
    """Two hosts joined by a veth: the task (every container) and a client in the VPC (or this machine)."""

    def __init__(self, tag: str, client_on_host: bool = False) -> None:
        suffix = f"{os.getpid()}-{tag}"[-12:]
        self.task_ns = f"fft-{suffix}"
        # None: the client is this machine, in its own network namespace.
        self.client_ns: str | None = None if client_on_host else f"ffc-{suffix}"
        self.task_ip, self.client_ip = TASK_IP, CLIENT_IP
        self._veth = f"ffv{os.getpid() % 100000}{tag[:3]}"
        self._metadata: subprocess.Popen | None = None
        self._helpers: list[subprocess.Popen] = []

    def __enter__(self) -> TaskNetwork:
        try:
            if self.client_ns is None:
                subnet = free_host_subnet()
                self.task_ip, self.client_ip = f"{subnet}.2", f"{subnet}.3"
            _run(IP, "netns", "add", self.task_ns)
            _run(IP, "link", "add", f"{self._veth}t", "type", "veth", "peer", "name", f"{self._veth}c")
            _run(IP, "link", "set", f"{self._veth}t", "netns", self.task_ns)
            if self.client_ns is not None:
                _run(IP, "netns", "add", self.client_ns)
                _run(IP, "link", "set", f"{self._veth}c", "netns", self.client_ns)
            for namespace, device, address in (
                (self.task_ns, f"{self._veth}t", self.task_ip),
                (self.client_ns, f"{self._veth}c", self.client_ip),
            ):
                where = [] if namespace is None else ["-n", namespace]
                _run(IP, *where, "addr", "add", f"{address}/24", "dev", device)
                _run(IP, *where, "link", "set", device, "up")
                if namespace is not None:
                    _run(IP, *where, "link", "set", "lo", "up")
            _run(IP, "-n", self.task_ns, "addr", "add", f"{METADATA_IP}/32", "dev", "lo")
        except BaseException:
            self.close()
            raise
        return self

    def _on_client(self, command: Sequence[str]) -> list[str]:
        """command as run on the client host: in its namespace, or as it is on this machine."""
        return list(command) if self.client_ns is None else [IP, "netns", "exec", self.client_ns, *command]

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_metadata(self, task: Mapping, containers: Mapping[str, Mapping]) -> None:
        """Serve the v4 endpoint: `GET /v4/ID` (the container), `GET /v4/ID/task` (the task)."""
        document = json.dumps({"task": task, "containers": containers})
        self._metadata = subprocess.Popen(
            [IP, "netns", "exec", self.task_ns, sys.executable, "-m", "finfocus_ecs.rehearsal.metadata", METADATA_IP],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._metadata.stdin.write(document)
        self._metadata.stdin.close()
        if self._metadata.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the metadata endpoint did not start: {self._metadata.stderr.read()}")

    def on_client(self, command: Sequence[str], timeout: float = 60, **kwargs: object) -> subprocess.CompletedProcess:
        """Run a command on the client host, as a client in the VPC would."""
        return subprocess.run(self._on_client(command), capture_output=True, text=True, timeout=timeout, **kwargs)

    def probe(
        self,
        region_ports: Mapping[str, int],
        host: str | None = None,
        namespace: str | None = None,
        with_grpc: bool = True,
    ) -> dict[int, dict[str, Any]]:
        """What a client sees on each port (finfocus_ecs.rehearsal.probe), from the client host by default."""
        command = [sys.executable, "-m", "finfocus_ecs.rehearsal.probe", *([] if with_grpc else ["--http-only"])]
        pairs = [f"{region}={port}" for region, port in sorted(region_ports.items(), key=lambda item: item[1])]
        argv = [*command, host or self.task_ip, *pairs]
        completed = subprocess.run(
            [IP, "netns", "exec", namespace, *argv] if namespace else self._on_client(argv),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"the client probe failed: {completed.stderr.strip()}")
        return {int(port): result for port, result in json.loads(completed.stdout).items()}

    def spawn_on_client(self, command: Sequence[str]) -> subprocess.Popen:
        """A long-running client process (stopped by close())."""
        process = subprocess.Popen(
            self._on_client(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._helpers.append(process)
        return process

    def listening(self) -> list[tuple[str, int]]:
        """(address, port) of every TCP listener in the task namespace (ss -ltn)."""
        listing = subprocess.run(
            [IP, "netns", "exec", self.task_ns, "ss", "-Hltn"], capture_output=True, text=True, check=True
        ).stdout
        found = []
        for line in listing.splitlines():
            host, _, port = line.split()[3].rpartition(":")
            found.append((host, int(port)))
        return found

    def wait_for_listeners(self, ports: set[int], host: str | None = None, timeout: float = 10) -> set[int]:
        deadline = time.monotonic() + timeout
        while True:
            open_ports = {port for address, port in self.listening() if address == (host or self.task_ip)}
            if ports <= open_ports or time.monotonic() > deadline:
                return open_ports
            time.sleep(0.05)

    def close(self) -> None:
        for process in [*self._helpers, *([self._metadata] if self._metadata else [])]:
            if process.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream:
                    stream.close()
        self._helpers.clear()
        self._metadata = None
        # Deleting the task namespace destroys its veth end, and with it the peer on the client host.
        for namespace in (self.task_ns, self.client_ns):
            if namespace is not None:
                subprocess.run([IP, "netns", "delete", namespace], capture_output=True)
