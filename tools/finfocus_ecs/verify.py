"""Live check of a deployed plugin from inside the VPC: DNS, TCP, GET /healthz and gRPC per region.

Two checks per regional port, run at the same time:
- healthz: DNS, TCP to the task IP and HTTP/1.1 GET /healthz, what ECS's
  and the image's own health checks rely on;
- grpc: grpc.health.v1.Health/Check for finfocus.v1.CostSourceService over
  plaintext HTTP/2, what FinFocus itself sends. A port can pass the first
  and fail the second (an HTTP-only proxy, TLS on the path, another service).

Each failure names its likely cause, because "connection refused" and "timed
out" point at different fixes (the port bridge or image version, versus a
security group).
"""

from __future__ import annotations

import http.client
import socket
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Literal

from finfocus_ecs import grpc_health
from finfocus_ecs.grpc_health import GrpcCheck

Status = Literal["ok", "dns", "refused", "closed", "timeout", "http", "error"]

CAUSES: dict[Status, str] = {
    "ok": "",
    "dns": "the name does not resolve: run this inside the VPC, and check the VPC's DNS support and DNS "
    "hostnames and that the namespace belongs to this VPC",
    # What TCP shows, the gRPC check shows too, and both name it the same way.
    "refused": grpc_health.CAUSES["refused"],
    "closed": grpc_health.CAUSES["closed"],
    "timeout": grpc_health.CAUSES["timeout"],
    "http": "the port answers but /healthz is not healthy: the region may still be starting (sequential start), "
    "or it failed, or FINFOCUS_PLUGIN_WEB_ENABLED / FINFOCUS_PLUGIN_HEALTH_ENDPOINT is false",
    "error": "the connection failed unexpectedly",
}


@dataclass
class PortCheck:
    """One regional port: status and detail of the healthz check, and the gRPC check (None without DNS)."""

    region: str
    port: int
    status: Status
    detail: str
    seconds: float
    grpc: GrpcCheck | None

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.grpc is not None and self.grpc.ok

    @property
    def cause(self) -> str:
        """The most specific likely cause: gRPC's when it classified its failure, else the healthz check's.

        gRPC tells more (TLS, HTTP/1 only, another service) and sees what TCP
        sees; only /healthz itself (switched off, still starting) is the
        healthz check's alone.
        """
        if self.grpc is not None and self.grpc.status not in ("ok", "error"):
            return self.grpc.cause
        if self.status != "ok":
            return CAUSES[self.status]
        return self.grpc.cause if self.grpc is not None else ""

    def to_json(self) -> dict[str, Any]:
        grpc = None if self.grpc is None else {**asdict(self.grpc), "ok": self.grpc.ok, "cause": self.grpc.cause}
        return {
            "region": self.region,
            "port": self.port,
            "status": self.status,
            "detail": self.detail,
            "seconds": self.seconds,
            "grpc": grpc,
            "ok": self.ok,
            "cause": self.cause,
        }


def resolve(host: str) -> list[str]:
    """IPv4 addresses of host; empty when it does not resolve."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)})
    except socket.gaierror:
        return []


def check_healthz(address: str, port: int, timeout: float) -> tuple[Status, str, float]:
    """TCP and GET /healthz: (status, detail, seconds)."""
    started = time.perf_counter()

    def result(status: Status, detail: str) -> tuple[Status, str, float]:
        return status, detail, time.perf_counter() - started

    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        body = response.read(200).decode(errors="replace").strip()
    except ConnectionRefusedError:
        return result("refused", f"connection to {address}:{port} refused")
    except TimeoutError:
        return result("timeout", f"no answer from {address}:{port} within {timeout:g} s")
    except ConnectionResetError as error:  # http.client.RemoteDisconnected included
        return result("closed", f"{address}:{port} closed the connection unanswered ({type(error).__name__})")
    except http.client.BadStatusLine as error:
        # An HTTP/2-only server (plain gRPC, no web mode) answers with a binary SETTINGS frame.
        return result("http", f"the answer to GET /healthz is not HTTP/1.x: {error.line[:24]!r}")
    except (OSError, http.client.HTTPException) as error:
        return result("error", f"{type(error).__name__}: {error}")
    finally:
        connection.close()
    if response.status != 200:
        return result("http", f"GET /healthz returned {response.status}")
    return result("ok", f"GET /healthz 200 {body[:60]}".rstrip())


def verify(host: str, region_ports: dict[str, int], timeout: float = 3.0) -> list[PortCheck]:
    """Check every region's port on host, both checks of every port at once; rows in port order."""
    by_port = sorted(region_ports.items(), key=lambda item: item[1])
    addresses = resolve(host)
    if not addresses:
        return [PortCheck(region, port, "dns", f"{host} does not resolve", 0.0, None) for region, port in by_port]
    address = addresses[0]
    with ThreadPoolExecutor(max_workers=min(32, 2 * len(by_port))) as pool:
        pending: list[tuple[str, int, Future, Future]] = [
            (
                region,
                port,
                pool.submit(check_healthz, address, port, timeout),
                pool.submit(grpc_health.check, address, port, timeout),
            )
            for region, port in by_port
        ]
        return [
            PortCheck(region, port, *healthz.result(), grpc=grpc.result()) for region, port, healthz, grpc in pending
        ]
