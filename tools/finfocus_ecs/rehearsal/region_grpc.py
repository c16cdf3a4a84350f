"""The stand-in region binary with web mode off: plain gRPC only, as the SDK's serveGRPC serves it.

A grpc-go server with the plugin's service and gRPC reflection
(reflection.Register) and nothing else: no grpc.health.v1 (a health call
answers UNIMPLEMENTED), no /healthz, no HTTP/1.1 (a request gets HTTP/2
bytes back). Errors keep their real code. grpcio's asyncio server stands in
for grpc-go; the answers are region_service.py's.

Not reproduced: the ErrorDetail grpc-go attaches to the plugin's errors, and
the SDK's tracing interceptor (x-finfocus-trace-id).
"""

from __future__ import annotations

from typing import Any

import grpc
from connectrpc.errors import ConnectError
from grpc_reflection.v1alpha import reflection

from finfocus_ecs.plugin_api import SERVICE
from finfocus_ecs.plugin_api.wire import METHODS, messages
from finfocus_ecs.rehearsal.region_service import RegionService
from finfocus_ecs.rehearsal.region_web import PEER_HEADER

# RegionService's coroutine for each method, by the method's snake_case name.
HANDLERS = {
    "Name": "name",
    "Supports": "supports",
    "GetProjectedCost": "get_projected_cost",
    "GetPricingSpec": "get_pricing_spec",
    "GetPluginInfo": "get_plugin_info",
}


def _grpc_code(error: ConnectError) -> grpc.StatusCode:
    name = error.code.name
    return grpc.StatusCode.CANCELLED if name == "CANCELED" else grpc.StatusCode[name]


def _handler(service: RegionService, method: str) -> grpc.RpcMethodHandler:
    described = METHODS[method]
    function = getattr(service, HANDLERS[method])

    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        peer = context.peer().split(":", 1)[-1]
        await context.send_initial_metadata(((PEER_HEADER.decode(), peer),))
        try:
            return await function(request, None)
        except ConnectError as error:
            await context.abort(_grpc_code(error), error.message)

    return grpc.unary_unary_rpc_method_handler(
        call,
        request_deserializer=described.request.FromString,
        response_serializer=described.response.SerializeToString,
    )


def grpc_server(service: RegionService, port: int) -> tuple[grpc.aio.Server, int]:
    """The server on 127.0.0.1:port, not started, and the port it bound (0 when it could not)."""
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, {name: _handler(service, name) for name in HANDLERS}),)
    )
    reflection.enable_server_reflection((SERVICE, reflection.SERVICE_NAME), server, pool=messages.DESCRIPTOR.pool)
    try:
        bound = server.add_insecure_port(f"127.0.0.1:{port}")
    except RuntimeError:
        bound = 0
    return server, bound
