"""The stand-in region binary with web mode off: plain gRPC only, as the SDK's serveGRPC serves it (grpc-go).

What a client sees on the port (calling-the-plugin.md section 7, items 4
and 20-23, measured on the built plugin):
- the plugin's service, and gRPC reflection under both names grpc-go
  registers (grpc.reflection.v1 and v1alpha), listing the service;
- no grpc.health.v1: a health call fails UNIMPLEMENTED "unknown service
  grpc.health.v1.Health", as grpc-go words any service it lacks ("unknown
  method M for service S" for a method its service lacks);
- no HTTP/1.1, no /healthz: anything but the HTTP/2 preface gets the one
  15-byte SETTINGS frame grpc-go writes first (MAX_FRAME_SIZE 16384), then
  a TCP reset, as grpc-go drops the connection with the request unread;
- a listening socket on 127.0.0.1 (IPv4), never an IPv4-mapped IPv6 one;
- errors keep their real code.

grpcio's asyncio server stands in for grpc-go, behind a front of this
module's that owns the TCP port: it reads the first bytes of each
connection and passes a connection that opens with the HTTP/2 preface on
to grpcio, over an abstract Unix socket (no file, and no second TCP port).
The answers are region_service.py's.

Not reproduced: the ErrorDetail grpc-go attaches to the plugin's errors;
grpcio's own SETTINGS and frames once the preface has passed (grpc-go's
differ); the SDK's tracing interceptor (x-finfocus-trace-id); the
x-standin-peer test header (web mode only: grpcio sees the front, not the
client).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import grpc
from connectrpc.errors import ConnectError
from grpc_reflection.v1alpha import reflection, reflection_pb2

from finfocus_ecs.plugin_api import SERVICE
from finfocus_ecs.plugin_api.wire import METHODS, messages
from finfocus_ecs.rehearsal.region_service import RegionService

# RegionService's coroutine for each method, by the method's snake_case name.
HANDLERS = {
    "Name": "name",
    "Supports": "supports",
    "GetProjectedCost": "get_projected_cost",
    "GetPricingSpec": "get_pricing_spec",
    "GetPluginInfo": "get_plugin_info",
}
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# grpc-go's server preface: a SETTINGS frame (length 6, type 4, stream 0) holding MAX_FRAME_SIZE (5) = 16384.
GO_SETTINGS = bytes.fromhex("000006040000000000") + bytes.fromhex("000500004000")
REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"


def _grpc_code(error: ConnectError) -> grpc.StatusCode:
    name = error.code.name
    return grpc.StatusCode.CANCELLED if name == "CANCELED" else grpc.StatusCode[name]


def _handler(service: RegionService, method: str) -> grpc.RpcMethodHandler:
    described = METHODS[method]
    function = getattr(service, HANDLERS[method])

    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await function(request, None)
        except ConnectError as error:
            await context.abort(_grpc_code(error), error.message)

    return grpc.unary_unary_rpc_method_handler(
        call,
        request_deserializer=described.request.FromString,
        response_serializer=described.response.SerializeToString,
    )


class Unknown(grpc.GenericRpcHandler):
    """Every path no other handler serves, refused in grpc-go's words."""

    def __init__(self, services: set[str]) -> None:
        self.services = services

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        service, _, method = details.method.strip("/").partition("/")  # type: ignore[attr-defined]
        message = f"unknown method {method} for service {service}" if service in self.services else None
        message = message or f"unknown service {service}"

        async def refuse(requests: Any, context: grpc.aio.ServicerContext) -> None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, message)

        return grpc.stream_stream_rpc_method_handler(refuse)


def grpc_server(service: RegionService, address: str) -> grpc.aio.Server:
    """grpcio's server of the plugin's service and reflection on address, not started."""
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, {name: _handler(service, name) for name in HANDLERS}),)
    )
    names = (SERVICE, reflection.SERVICE_NAME, REFLECTION_V1)
    reflecting = reflection.aio.ReflectionServicer(names, pool=messages.DESCRIPTOR.pool)
    # v1 is v1alpha under another name, message for message (grpc-go serves both from one implementation).
    for name in (reflection.SERVICE_NAME, REFLECTION_V1):
        info = grpc.stream_stream_rpc_method_handler(
            reflecting.ServerReflectionInfo,
            request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
            response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
        )
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, {"ServerReflectionInfo": info}),))
    server.add_generic_rpc_handlers((Unknown(set(names)),))
    server.add_insecure_port(address)
    return server


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with suppress(ConnectionError, OSError):
        writer.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a close with unread data in the socket sends one."""
    raw = writer.get_extra_info("socket")
    if raw is not None:
        with suppress(OSError):
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, (1).to_bytes(4, "little") + bytes(4))
    writer.transport.abort()


def front(backend: str):
    """The TCP side of the port: the HTTP/2 preface goes on to grpcio at backend, anything else is refused."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received = b""
        while len(received) < len(PREFACE):
            chunk = await reader.read(len(PREFACE) - len(received))
            received += chunk
            if not chunk or not PREFACE.startswith(received):
                with suppress(ConnectionError, OSError):
                    writer.write(GO_SETTINGS)
                    await writer.drain()
                _reset(writer)
                return
        try:
            upstream_reader, upstream_writer = await asyncio.open_unix_connection("\0" + backend)
        except OSError:
            _reset(writer)
            return
        upstream_writer.write(received)
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    return serve


async def serve_grpc(
    service: RegionService, listener: socket.socket, stop: asyncio.Event, on_start: Callable[[], None]
) -> None:
    """Plain gRPC mode on the bound listener until stop is set; on_start runs once both sides serve."""
    backend = f"finfocus-standin-{os.getpid()}-{listener.getsockname()[1]}"
    server = grpc_server(service, f"unix-abstract:{backend}")
    await server.start()
    tcp = await asyncio.start_server(front(backend), sock=listener)
    on_start()
    await stop.wait()
    tcp.close()
    await server.stop(grace=1)
