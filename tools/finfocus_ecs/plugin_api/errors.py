"""Why a call to a regional port failed: the plugin's own code, or what the network did.

Two things make a failure hard to read, and both are undone here:
- In web mode (the image's default) every plugin error reaches the client as
  Connect `unknown` / HTTP 500, or gRPC UNKNOWN, with the real code only in
  the text: "rpc error: code = FailedPrecondition desc = region mismatch"
  (grpc-go's status text, passed through by connect-go). `unflatten` reads
  the real code back out; the stand-in writes that text with `flatten`.
- A call that never reached the plugin fails with a transport error whose
  likely cause (nothing listening, a bridge whose region is down, a security
  group, TLS or HTTP/1 on the path) decides the fix. `from_grpc` here and
  client.py's `from_connect` classify both clients' errors the same way.

Only grpcio is needed here: the local plugin that `connect` installs uses it
without connectrpc.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from typing import Literal

import grpc

from finfocus_ecs.plugin_api.facts import REGION_MISMATCH

Kind = Literal[
    "ok",
    "dns",
    "refused",
    "closed",
    "timeout",
    "tls",
    "http1",
    "wrong-service",
    "web-off",
    "not-serving",
    "wrong-region",
    "wrong-version",
    "unknown-sku",
    "no-pricing-data",
    "unsupported-type",
    "plugin",
    "error",
]

CAUSES: dict[Kind, str] = {
    "ok": "",
    "dns": "the name does not resolve: run this inside the VPC, and check the VPC's DNS support and DNS "
    "hostnames and that the namespace belongs to this VPC",
    "refused": "nothing listens on this port at the task IP: the port bridge is off or has exited; with the bridge "
    "off, the image may not serve this region (compare region_ports with the image's layout)",
    "closed": "the port accepts the connection, then closes it unanswered: the port bridge runs but the region "
    "behind it does not (stopped, crashed, still starting, or not in this image's layout)",
    "timeout": "no answer in time: a security group or network ACL drops the traffic (allowed_cidr_blocks), no "
    "task is running, or something on the path accepts the connection but never answers",
    "tls": "the port speaks TLS but FinFocus connects in plaintext (h2c): remove the TLS terminator from the path, "
    "or the port is not the plugin's",
    "http1": "the port answers, but not in HTTP/2 (HTTP/1 only): something between FinFocus and the plugin (an HTTP "
    "proxy or a load balancer in HTTP mode) does not pass HTTP/2 with prior knowledge; the bridge must forward raw TCP",
    "wrong-service": "a server answers but it is not the FinFocus plugin (it does not know "
    "finfocus.v1.CostSourceService or has no health service): the port maps to another service",
    "web-off": "web mode off: the plugin answers gRPC (GetPluginInfo) but serves no HTTP/1.1, no /healthz and no gRPC "
    "health, as when FINFOCUS_PLUGIN_WEB_ENABLED is not `true`: the image sets it and the module refuses to unset it, "
    "so something else overrides it; ECS's health check fails and the task is replaced",
    "not-serving": "the plugin answers but reports it is not serving",
    "wrong-region": "the port serves another region than the map says: the region map does not match the image "
    "(pin the image tag and use its layout, or fix --region-ports)",
    "wrong-version": "the port serves another release than the image tag: the task runs another image (an "
    "older task still running, or a tag that was moved), or --image names another tag than the deployment's",
    "unknown-sku": "the plugin has no price for this SKU in this region (it answers $0): check the SKU's spelling, "
    "e.g. t3.micro, gp3",
    "no-pricing-data": "the plugin has no pricing data for this service in this region (it answers $0): the "
    "release's embedded data lacks it",
    "unsupported-type": "the plugin does not price this resource type (it answers $0): use a type it knows, "
    "e.g. ec2, ebs, rds, s3",
    "plugin": "the plugin refused the request: its message says why",
    "error": "the call failed unexpectedly",
}

# grpc-go's names for the codes ("FailedPrecondition"), as its status text prints them.
_GO_NAMES = {
    code.name: "Canceled" if code is grpc.StatusCode.CANCELLED else "OK" if code is grpc.StatusCode.OK
    else "".join(part.capitalize() for part in code.name.split("_"))
    for code in grpc.StatusCode
}  # fmt: skip
_CODES_BY_GO_NAME = {go: name for name, go in _GO_NAMES.items()}
_FLATTENED = re.compile(r"^rpc error: code = (\w+) desc = (.*)$", re.DOTALL)


def flatten(code: str, message: str) -> str:
    """The text a web-mode plugin sends for a status error: grpc-go's `status.Error(...).Error()`."""
    return f"rpc error: code = {_GO_NAMES[code]} desc = {message}"


def unflatten(code: str, message: str) -> tuple[str, str]:
    """(real code, real message) of an error as received; an UNKNOWN that carries a status text gives that."""
    match = _FLATTENED.match(message)
    if code == "UNKNOWN" and match and match.group(1) in _CODES_BY_GO_NAME:
        return _CODES_BY_GO_NAME[match.group(1)], match.group(2)
    return code, message


class Classified:
    """A check whose `kind` says how it ended: "ok", or the failure whose likely cause CAUSES gives."""

    kind: Kind

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    @property
    def cause(self) -> str:
        return CAUSES[self.kind]


@dataclass
class PluginError(Exception):
    """A failed call: how it failed (kind), the plugin's real code and message, and the code that arrived."""

    kind: Kind
    code: str
    message: str
    wire_code: str

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code

    @property
    def cause(self) -> str:
        return CAUSES[self.kind]


def plugin_kind(code: str, message: str) -> Kind:
    if code == "FAILED_PRECONDITION" and message == REGION_MISMATCH:
        return "wrong-region"
    if code in ("NOT_FOUND", "UNIMPLEMENTED"):
        return "wrong-service"
    return "plugin"


# What grpcio puts before the reason of a failed connection: the reason alone says more in a table cell.
_BOILERPLATE = re.compile(r"^failed to connect to all addresses; last error: \w+: (ipv[46]:\S+: )?")


def from_grpc(error: grpc.RpcError, host: str, port: int, timeout: float) -> PluginError:
    """A grpcio failure, classified: the plugin's own error, unflattened, or the transport's likely cause."""
    code = error.code().name  # type: ignore[attr-defined]
    details = error.details() or ""  # type: ignore[attr-defined]
    if code == "DEADLINE_EXCEEDED":
        return PluginError("timeout", code, details, code)
    if code != "UNAVAILABLE":
        real_code, message = unflatten(code, details)
        return PluginError(plugin_kind(real_code, message), real_code, message, code)
    lowered = details.lower()
    message = _BOILERPLATE.sub("", details)[:200]
    if "connection refused" in lowered:
        return PluginError("refused", code, message, code)
    # "Trying to connect an http1.x server": a status line came back; "Failed parsing HTTP/2": other bytes did.
    if "http1.x" in lowered or "failed parsing http/2" in lowered:
        return PluginError("http1", code, message, code)
    if speaks_tls(host, port, min(timeout, 0.5)):
        return PluginError("tls", code, message, code)
    if "socket closed" in lowered or "connection reset" in lowered:
        return PluginError("closed", code, message, code)
    return PluginError("error", code, message, code)


def speaks_http1(host: str, port: int, timeout: float) -> bool:
    """True if host:port answers an HTTP/1.1 request with a status line.

    Asked only after an HTTP/2 call failed there: the plugin speaks both, so
    a port that fails HTTP/2 and answers HTTP/1.1 has something else on it.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: finfocus\r\nConnection: close\r\n\r\n")
            return raw.recv(16).startswith(b"HTTP/1.")
    except OSError:
        return False


def speaks_tls(host: str, port: int, timeout: float) -> bool:
    """True if host:port completes a TLS handshake (any certificate): it is not plaintext."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, context.wrap_socket(raw):
            return True
    except (OSError, ssl.SSLError):
        return False
