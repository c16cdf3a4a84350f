"""Live check of a deployed plugin from inside the VPC: DNS, TCP, /healthz, gRPC health and who answers, per region.

Three checks per regional port, run at the same time:
- healthz: DNS, TCP to the task IP and HTTP/1.1 GET /healthz, what ECS's
  and the image's own health checks rely on;
- grpc: grpc.health.v1.Health/Check for finfocus.v1.CostSourceService over
  plaintext HTTP/2, what FinFocus itself sends. A port can pass the first
  and fail the second (an HTTP-only proxy, TLS on the path, another service);
- identity: GetPluginInfo over gRPC. Its metadata.region must be the region
  the map gives the port, and its version the image tag's when the tag is
  known. `Name` cannot tell: it is the same on every port. A swapped or
  shifted map (the layouts changed between tags) passes both checks above
  and prices the wrong region; this one fails it, naming both regions.

Each failure names its likely cause, because "connection refused" and "timed
out" point at different fixes (the port bridge or image version, versus a
security group). A port whose failures have one cause tells one story: the
plugin with web mode off (it answers GetPluginInfo over gRPC, but neither
HTTP/1.1 nor gRPC health) reads `web-off` in both the healthz and the grpc
column, and in its cause.
"""

from __future__ import annotations

import http.client
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Literal

from finfocus_ecs.plugin_api import CAUSES, HealthCheck, Kind, PluginClient, PluginError, health_check, resolve
from finfocus_ecs.plugin_api.errors import Classified
from finfocus_ecs.plugin_api.facts import REGION_KEY

Status = Literal["ok", "dns", "refused", "closed", "timeout", "http", "web-off", "error"]

HEALTHZ_CAUSES: dict[Status, str] = {
    **{status: CAUSES[status] for status in ("ok", "dns", "refused", "closed", "timeout", "web-off", "error")},  # type: ignore[misc]
    "http": "the port answers but /healthz is not healthy: the region may still be starting (sequential start), "
    "or it failed, or FINFOCUS_PLUGIN_WEB_ENABLED / FINFOCUS_PLUGIN_HEALTH_ENDPOINT is false",
}


@dataclass(frozen=True)
class Identity(Classified):
    """Who answers on a port: the region and version GetPluginInfo reports, and whether they are the expected ones."""

    kind: Kind
    region: str
    version: str
    detail: str


def check_identity(address: str, port: int, region: str, version: str | None, timeout: float) -> Identity:
    """GetPluginInfo over gRPC, held against the map's region and the expected version (None: any)."""
    try:
        with PluginClient(address, port, "grpc", timeout) as client:
            info = client.plugin_info()
    except PluginError as error:
        return Identity(error.kind, "", "", f"GetPluginInfo failed: {error}")
    served = info.metadata.get(REGION_KEY, "")
    if served != region:
        detail = f"port {port} serves {served or 'no region'}, not {region}"
        return Identity("wrong-region", served, info.version, detail)
    if version is not None and info.version != version:
        return Identity("wrong-version", served, info.version, f"serves release {info.version}, not {version}")
    return Identity("ok", served, info.version, f"{served} {info.version}")


@dataclass
class PortCheck:
    """One regional port: the healthz check, and the gRPC and identity checks (None without DNS)."""

    region: str
    port: int
    status: Status
    detail: str
    seconds: float
    grpc: HealthCheck | None
    identity: Identity | None = None

    @property
    def ok(self) -> bool:
        return (
            self.status == "ok"
            and self.grpc is not None
            and self.grpc.ok
            and self.identity is not None
            and self.identity.ok
        )

    @property
    def web_mode_off(self) -> bool:
        """The plugin with FINFOCUS_PLUGIN_WEB_ENABLED not `true` (see web_mode_off_seen)."""
        return self.status == "web-off"

    @property
    def cause(self) -> str:
        """The most specific likely cause.

        Web mode off first, which only the three checks together tell; then
        gRPC's when it classified its failure: it tells more (TLS, HTTP/1
        only, another service) and sees what TCP sees; then the healthz
        check's (/healthz switched off, still starting); then who answered
        (a port that answers everything but as another region).
        """
        if self.web_mode_off:
            return CAUSES["web-off"]
        if self.grpc is not None and self.grpc.kind not in ("ok", "error"):
            return self.grpc.cause
        if self.status != "ok":
            return HEALTHZ_CAUSES[self.status]
        if self.identity is not None and not self.identity.ok:
            return self.identity.cause
        return self.grpc.cause if self.grpc is not None else ""

    def to_json(self) -> dict[str, Any]:
        def part(check: HealthCheck | Identity | None) -> dict[str, Any] | None:
            return None if check is None else {**asdict(check), "ok": check.ok, "cause": check.cause}

        return {
            "region": self.region,
            "port": self.port,
            "status": self.status,
            "detail": self.detail,
            "seconds": self.seconds,
            "grpc": part(self.grpc),
            "identity": part(self.identity),
            "ok": self.ok,
            "web_mode_off": self.web_mode_off,
            "cause": self.cause,
        }


def web_mode_off_seen(status: Status, grpc: HealthCheck | None, identity: Identity | None) -> bool:
    """The plugin answers GetPluginInfo over gRPC, yet gRPC health is missing and HTTP/1.1 gets no answer.

    That is the plugin with FINFOCUS_PLUGIN_WEB_ENABLED not `true`: plain
    gRPC mode serves no grpc.health.v1 (UNIMPLEMENTED "unknown service
    grpc.health.v1.Health") and no HTTP/1.1 (a GET gets grpc-go's SETTINGS
    frame, then a reset). A health service missing beside the plugin's own
    answer has no other cause.
    """
    return (
        identity is not None
        and identity.kind in ("ok", "wrong-region", "wrong-version")
        and grpc is not None
        and grpc.kind == "wrong-service"
        and status in ("http", "closed")
    )


def port_check(
    region: str, port: int, healthz: tuple[Status, str, float], grpc: HealthCheck, identity: Identity
) -> PortCheck:
    """One port's row, its columns telling the same story as its cause: web mode off reads web-off in both."""
    status, detail, seconds = healthz
    if web_mode_off_seen(status, grpc, identity):
        status, grpc = "web-off", HealthCheck("web-off", grpc.detail, grpc.seconds)
    return PortCheck(region, port, status, detail, seconds, grpc=grpc, identity=identity)


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


def verify(
    host: str, region_ports: dict[str, int], timeout: float = 3.0, version: str | None = None
) -> list[PortCheck]:
    """Check every region's port on host, every check of every port at once; rows in port order.

    version is the release every port must report (the image tag without
    its `v`), or None when the tag is not known.
    """
    by_port = sorted(region_ports.items(), key=lambda item: item[1])
    addresses = resolve(host)
    if not addresses:
        return [PortCheck(region, port, "dns", f"{host} does not resolve", 0.0, None) for region, port in by_port]
    address = addresses[0]
    with ThreadPoolExecutor(max_workers=min(48, 3 * len(by_port))) as pool:
        pending: list[tuple[str, int, Future, Future, Future]] = [
            (
                region,
                port,
                pool.submit(check_healthz, address, port, timeout),
                pool.submit(health_check, address, port, timeout),
                pool.submit(check_identity, address, port, region, version, timeout),
            )
            for region, port in by_port
        ]
        return [
            port_check(region, port, healthz.result(), grpc.result(), identity.result())
            for region, port, healthz, grpc, identity in pending
        ]
