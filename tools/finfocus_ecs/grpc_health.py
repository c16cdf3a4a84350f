"""gRPC, as FinFocus speaks it to a regional port: plaintext HTTP/2 (h2c, prior knowledge).

The FinFocus core talks gRPC to every regional port, so an HTTP/1.1 GET
/healthz that answers proves less than it seems: a forwarder that only
passes HTTP/1, a TLS terminator in the path or another gRPC server on the
port all pass /healthz-style checks and still break FinFocus. check() makes
the call FinFocus depends on first, `grpc.health.v1.Health/Check` for
`finfocus.v1.CostSourceService`, and names the likely cause of a failure.

The two finfocus.v1 messages used here (NameRequest, NameResponse) are built
from a descriptor with protobuf's own APIs, in the shape of
proto/finfocus/v1/costsource.proto of github.com/rshade/finfocus-spec, so
they encode exactly as the plugin's generated code does without vendoring
the whole spec.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Literal

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc

COST_SOURCE_SERVICE = "finfocus.v1.CostSourceService"
NAME_METHOD = f"/{COST_SOURCE_SERVICE}/Name"
# The stand-in region server reports, on Name, the TCP peer it accepted the call's connection from.
PEER_METADATA_KEY = "x-standin-peer"


def _costsource_pool() -> descriptor_pool.DescriptorPool:
    """A private pool holding NameRequest {} and NameResponse { string name = 1; } of finfocus.v1."""
    field = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(
        name="finfocus/v1/costsource.proto", package="finfocus.v1", syntax="proto3"
    )
    file.message_type.add(name="NameRequest")
    file.message_type.add(name="NameResponse").field.add(
        name="name", json_name="name", number=1, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL
    )
    file.service.add(name="CostSourceService").method.add(
        name="Name", input_type=".finfocus.v1.NameRequest", output_type=".finfocus.v1.NameResponse"
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return pool


_POOL = _costsource_pool()
NameRequest = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("finfocus.v1.NameRequest"))
NameResponse = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("finfocus.v1.NameResponse"))

Status = Literal["ok", "refused", "closed", "timeout", "tls", "http1", "wrong-service", "not-serving", "error"]

CAUSES: dict[Status, str] = {
    "ok": "",
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
    "wrong-service": "a gRPC server answers but it is not the FinFocus plugin (it does not know "
    f"{COST_SOURCE_SERVICE} or has no health service): the port maps to another service",
    "not-serving": "the plugin answers but reports it is not serving",
    "error": "the gRPC call failed unexpectedly",
}


@dataclass(frozen=True)
class GrpcCheck:
    """One health check: status is the classification, detail what gRPC said, seconds the wall time."""

    status: Status
    detail: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def cause(self) -> str:
        return CAUSES[self.status]


def channel(host: str, port: int, options: list[tuple[str, int]] | None = None) -> grpc.Channel:
    """A plaintext channel to host:port, as FinFocus opens one (no TLS, HTTP/2 prior knowledge)."""
    return grpc.insecure_channel(f"{host}:{port}", options=options or [])


def check(host: str, port: int, timeout: float = 3.0, service: str = COST_SOURCE_SERVICE) -> GrpcCheck:
    """grpc.health.v1.Health/Check of service on host:port, classified; never raises for network failures."""
    started = time.perf_counter()
    with channel(host, port) as opened:
        try:
            reply = health_pb2_grpc.HealthStub(opened).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError as error:
            status, detail = classify(error, host, port, timeout)
            return GrpcCheck(status, detail, time.perf_counter() - started)
    serving = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    status: Status = "ok" if reply.status == health_pb2.HealthCheckResponse.SERVING else "not-serving"
    return GrpcCheck(status, serving, time.perf_counter() - started)


# What grpcio puts before the reason of a failed connection: the reason alone says more in a table cell.
_BOILERPLATE = re.compile(r"^failed to connect to all addresses; last error: \w+: (ipv[46]:\S+: )?")


def classify(error: grpc.RpcError, host: str, port: int, timeout: float) -> tuple[Status, str]:
    """The likely cause of a failed call, from its status code and, for a closed connection, a TLS probe."""
    code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
    details: str = error.details() or ""  # type: ignore[attr-defined]
    detail = f"{code.name}: {_BOILERPLATE.sub('', details)}"[:200] if details else code.name
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return "timeout", detail
    if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNIMPLEMENTED):
        return "wrong-service", detail
    if code != grpc.StatusCode.UNAVAILABLE:
        return "error", detail
    lowered = details.lower()
    if "connection refused" in lowered:
        return "refused", detail
    # "Trying to connect an http1.x server": a status line came back; "Failed parsing HTTP/2": other bytes did.
    if "http1.x" in lowered or "failed parsing http/2" in lowered:
        return "http1", detail
    # A TLS server answers a ClientHello within a round trip; half a second bounds what this probe adds.
    if speaks_tls(host, port, min(timeout, 0.5)):
        return "tls", detail
    if "socket closed" in lowered or "connection reset" in lowered:
        return "closed", detail
    return "error", detail


def speaks_tls(host: str, port: int, timeout: float) -> bool:
    """True if host:port completes a TLS handshake (any certificate): it is not plaintext h2c."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, context.wrap_socket(raw):
            return True
    except (OSError, ssl.SSLError):
        return False


def region_name(host: str, port: int, timeout: float = 3.0, target: grpc.Channel | None = None) -> tuple[str, str]:
    """Call finfocus.v1.CostSourceService/Name; (name, peer the server saw, or "" when it does not say).

    With target, the call goes over that open channel (one connection for
    many calls, as FinFocus keeps it) instead of a new one to host:port.
    """
    opened = target or channel(host, port)
    try:
        name = opened.unary_unary(
            NAME_METHOD, request_serializer=NameRequest.SerializeToString, response_deserializer=NameResponse.FromString
        )
        reply, call = name.with_call(NameRequest(), timeout=timeout)
    finally:
        if target is None:
            opened.close()
    peer = dict(call.initial_metadata() or ()).get(PEER_METADATA_KEY, "")
    return reply.name, peer
