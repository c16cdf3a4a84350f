"""Live check of a deployed plugin from inside the VPC: DNS, TCP and GET /healthz per region.

Each failure names its likely cause, because "connection refused" and "timed
out" point at different fixes (the port bridge or image version, versus a
security group).
"""

from __future__ import annotations

import http.client
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "dns", "refused", "timeout", "http", "error"]

CAUSES: dict[Status, str] = {
    "ok": "",
    "dns": "the name does not resolve: run this inside the VPC, and check the VPC's DNS support and DNS "
    "hostnames and that the namespace belongs to this VPC",
    "refused": "nothing listens on this port at the task IP: the port bridge is off, or the image does not "
    "serve this region (compare region_ports with the image version)",
    "timeout": "no answer in time: a security group or network ACL drops the traffic (allowed_cidr_blocks), "
    "or no task is running",
    "http": "the port answers but /healthz is not healthy: the region may still be starting (sequential start), "
    "or it failed",
    "error": "the connection failed unexpectedly",
}


@dataclass
class PortCheck:
    region: str
    port: int
    status: Status
    detail: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def cause(self) -> str:
        return CAUSES[self.status]


def resolve(host: str) -> list[str]:
    """IPv4 addresses of host; empty when it does not resolve."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)})
    except socket.gaierror:
        return []


def check_port(region: str, address: str, port: int, timeout: float) -> PortCheck:
    started = time.perf_counter()

    def result(status: Status, detail: str) -> PortCheck:
        return PortCheck(region, port, status, detail, time.perf_counter() - started)

    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        body = response.read(200).decode(errors="replace").strip()
    except ConnectionRefusedError:
        return result("refused", f"connection to {address}:{port} refused")
    except TimeoutError:
        return result("timeout", f"no answer from {address}:{port} within {timeout:g} s")
    except (OSError, http.client.HTTPException) as error:
        return result("error", f"{type(error).__name__}: {error}")
    finally:
        connection.close()
    if response.status != 200:
        return result("http", f"GET /healthz returned {response.status}")
    return result("ok", f"GET /healthz 200 {body[:60]}".rstrip())


def verify(host: str, region_ports: dict[str, int], timeout: float = 3.0) -> list[PortCheck]:
    """Check every region's port on host, concurrently; rows in port order."""
    addresses = resolve(host)
    if not addresses:
        return [
            PortCheck(region, port, "dns", f"{host} does not resolve", 0.0)
            for region, port in sorted(region_ports.items(), key=lambda item: item[1])
        ]
    address = addresses[0]
    with ThreadPoolExecutor(max_workers=min(16, len(region_ports))) as pool:
        checks = pool.map(lambda item: check_port(item[0], address, item[1], timeout), region_ports.items())
        return sorted(checks, key=lambda check: check.port)
