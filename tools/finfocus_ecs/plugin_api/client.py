"""Calling one regional port, over each protocol the plugin serves there.

- `connect`: Connect with JSON over HTTP/1.1, what curl and most scripts send;
- `connect-h2c`: Connect with binary protobuf over HTTP/2 without TLS, what
  the Go SDK's NewConnectClient sends given an h2c transport;
- `grpc-web`: gRPC-Web over HTTP/1.1, what a browser sends;
- `grpc`: gRPC over h2c with grpcio, what the FinFocus core (grpc-go) sends.

The Connect and gRPC-Web clients are connectrpc's, over pyqwest; the gRPC
client is grpcio's. Every failure comes back as one PluginError, classified
the same way whatever the protocol (errors.py).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any, Literal

import grpc
from connectrpc.client import ConnectClientSync
from connectrpc.code import Code
from connectrpc.compat import google_protobuf_binary_codec, google_protobuf_json_codec
from connectrpc.errors import ConnectError
from connectrpc.protocol import ProtocolType
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyqwest import HTTPVersion, SyncClient, SyncHTTPTransport

from finfocus_ecs.plugin_api.errors import (
    Classified,
    Kind,
    PluginError,
    from_grpc,
    plugin_kind,
    speaks_http1,
    speaks_tls,
    unflatten,
)
from finfocus_ecs.plugin_api.transport import grpc_channel
from finfocus_ecs.plugin_api.wire import METHODS, SERVICE, messages

Protocol = Literal["connect", "connect-h2c", "grpc-web", "grpc"]
PROTOCOLS: dict[Protocol, str] = {
    "connect": "Connect, JSON over HTTP/1.1 (curl, scripts)",
    "connect-h2c": "Connect, binary protobuf over HTTP/2 without TLS (the Go SDK's Connect client)",
    "grpc-web": "gRPC-Web over HTTP/1.1 (browsers)",
    "grpc": "gRPC over HTTP/2 without TLS (the FinFocus core)",
}
_CONNECT_SETTINGS = {
    "connect": (ProtocolType.CONNECT, "json", HTTPVersion.HTTP1),
    "connect-h2c": (ProtocolType.CONNECT, "proto", HTTPVersion.HTTP2),
    "grpc-web": (ProtocolType.GRPC_WEB, "proto", HTTPVersion.HTTP1),
}


def resolve(host: str) -> list[str]:
    """IPv4 addresses of host (a Cloud Map name resolves to one per healthy task); empty when it does not resolve."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)})
    except socket.gaierror:
        return []


def _connect_code(code: Code) -> str:
    """A Connect code as gRPC names it (Connect spells CANCELED with one L)."""
    return "CANCELLED" if code is Code.CANCELED else code.name


def from_connect(error: ConnectError, host: str, port: int, timeout: float) -> PluginError:
    """A connectrpc failure, classified like from_grpc; transport failures carry pyqwest's error as cause."""
    code = _connect_code(error.code)
    message = error.message or ""
    transport = error.__cause__
    if code == "DEADLINE_EXCEEDED":
        return PluginError("timeout", code, message, code)
    if transport is None:
        real_code, real_message = unflatten(code, message)
        return PluginError(plugin_kind(real_code, real_message), real_code, real_message, code)
    lowered = str(transport).lower()
    short = str(transport).rsplit("): ", 1)[-1][:200]
    if "connection refused" in lowered:
        return PluginError("refused", code, short, code)
    if isinstance(transport, TimeoutError):
        return PluginError("timeout", code, short, code)
    if speaks_tls(host, port, min(timeout, 0.5)):
        return PluginError("tls", code, short, code)
    # An HTTP/2 client's connection closed by an HTTP/1-only server looks like any closed one, so ask it.
    if "http2" in lowered or "frame" in lowered or speaks_http1(host, port, min(timeout, 0.5)):
        return PluginError("http1", code, short, code)
    if "closed" in lowered or "reset" in lowered:
        return PluginError("closed", code, short, code)
    return PluginError("error", code, short, code)


class PluginClient:
    """Unary calls to one regional port over one protocol, on connections kept between calls."""

    def __init__(
        self,
        host: str,
        port: int,
        protocol: Protocol = "connect",
        timeout: float = 3.0,
        grpc_options: list[tuple[str, Any]] | None = None,
    ) -> None:
        self.host, self.port, self.protocol, self.timeout = host, port, protocol, timeout
        self._channel: grpc.Channel | None = None
        self._connect: ConnectClientSync | None = None
        if protocol == "grpc":
            self._channel = grpc_channel(host, port, grpc_options)
        elif protocol in _CONNECT_SETTINGS:
            kind, codec, version = _CONNECT_SETTINGS[protocol]
            transport = SyncHTTPTransport(http_version=version, connect_timeout=timeout, enable_otel=False)
            self._connect = ConnectClientSync(
                f"http://{host}:{port}",
                protocol=kind,
                codec=google_protobuf_json_codec() if codec == "json" else google_protobuf_binary_codec(),
                http_client=SyncClient(transport),
                timeout_ms=int(timeout * 1000),
                send_compression=None,
            )
        else:
            raise ValueError(f"unknown protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")

    def __enter__(self) -> PluginClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
        if self._connect is not None:
            self._connect.close()

    def call_with_metadata(self, method: str, request: Message) -> tuple[Message, dict[str, str]]:
        """Call a method; (response, the response headers gRPC sent, empty for the other protocols)."""
        described = METHODS[method]
        try:
            if self._channel is not None:
                stub = self._channel.unary_unary(
                    described.path,
                    request_serializer=described.request.SerializeToString,
                    response_deserializer=described.response.FromString,
                )
                response, call = stub.with_call(request, timeout=self.timeout)
                return response, dict(call.initial_metadata() or ())
            assert self._connect is not None
            return self._connect.execute_unary(request=request, method=described.info), {}
        except grpc.RpcError as error:
            raise from_grpc(error, self.host, self.port, self.timeout) from None
        except ConnectError as error:
            raise from_connect(error, self.host, self.port, self.timeout) from None

    def call(self, method: str, request: Message) -> Message:
        return self.call_with_metadata(method, request)[0]

    def name(self) -> str:
        return self.call("Name", messages.NameRequest()).name

    def plugin_info(self) -> messages.GetPluginInfoResponse:
        return self.call("GetPluginInfo", messages.GetPluginInfoRequest())

    def projected_cost(self, resource: messages.ResourceDescriptor) -> messages.GetProjectedCostResponse:
        return self.call("GetProjectedCost", messages.GetProjectedCostRequest(resource=resource))

    def pricing_spec(self, resource: messages.ResourceDescriptor) -> messages.PricingSpec:
        return self.call("GetPricingSpec", messages.GetPricingSpecRequest(resource=resource)).spec

    def supports(self, resource: messages.ResourceDescriptor) -> messages.SupportsResponse:
        return self.call("Supports", messages.SupportsRequest(resource=resource))


@dataclass(frozen=True)
class HealthCheck(Classified):
    """One gRPC health check: kind is "ok" or how it failed, detail what gRPC said, seconds the wall time."""

    kind: Kind
    detail: str
    seconds: float


def health_check(host: str, port: int, timeout: float = 3.0, service: str = SERVICE) -> HealthCheck:
    """grpc.health.v1.Health/Check of service over gRPC (h2c), classified; never raises for network failures.

    The call FinFocus depends on first: a port can answer HTTP/1.1 /healthz
    and still fail this (an HTTP-only proxy, TLS on the path, another service).
    """
    started = time.perf_counter()
    with grpc_channel(host, port) as opened:
        try:
            reply = health_pb2_grpc.HealthStub(opened).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError as error:
            failed = from_grpc(error, host, port, timeout)
            detail = f"{failed.wire_code}: {failed.message}" if failed.message else failed.wire_code
            return HealthCheck(failed.kind, detail, time.perf_counter() - started)
    serving = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    kind: Kind = "ok" if reply.status == health_pb2.HealthCheckResponse.SERVING else "not-serving"
    return HealthCheck(kind, serving, time.perf_counter() - started)
