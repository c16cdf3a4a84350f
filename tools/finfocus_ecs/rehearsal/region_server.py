"""Stand-in for one region binary of the image (/usr/local/bin/finfocus-plugin-aws-public-REGION).

The real binary cannot run here (no image, no network), yet the port bridge,
`verify`, `price` and `connect` must be proved against what it speaks on its
one port, so this reproduces its wire behaviour in web mode, the image
default (finfocus-spec sdk/go/pluginsdk/sdk.go, serveConnect; fact sheet
../shared/reference/calling-the-plugin.md):

- it listens on 127.0.0.1 only (listenOnLoopback), on the port from
  `--port N` (also `-port N`, `--port=N`), else FINFOCUS_PLUGIN_PORT, else
  PORT, else an ephemeral port;
- one HTTP server for HTTP/1.1 and h2c (prior knowledge) on that port, with:
  finfocus.v1.CostSourceService over Connect (JSON and binary), gRPC and
  gRPC-Web (connectrpc, answering as region_service.py says);
  grpc.health.v1.Health/Check, SERVING for finfocus.v1.CostSourceService and
  "", NOT_FOUND for other names; `GET`/`HEAD /healthz`: 200, text/plain, `ok`
  (405 for other methods) unless FINFOCUS_PLUGIN_WEB_ENABLED or
  FINFOCUS_PLUGIN_HEALTH_ENDPOINT is false (then 404, as with the handler
  not registered); 404 `404 page not found` for other paths;
- CORS as the SDK's middleware, only when FINFOCUS_CORS_ALLOWED_ORIGINS is
  set: `Vary: Origin` always; for an allowed Origin (`*` or an exact match)
  the origin echoed, the methods, allowed and exposed headers, credentials
  with FINFOCUS_CORS_ALLOW_CREDENTIALS=true, and an OPTIONS preflight on any
  path answered 204 with Access-Control-Max-Age (FINFOCUS_CORS_MAX_AGE,
  86400 by default); other origins pass with no CORS headers. `*` with
  credentials, or `*` beside named origins, stops it at start with exit 1;
- a request body over 1 MiB (by Content-Length) gets 413 `payload too large`;
- JSON log lines on stdout; SIGTERM or SIGINT stop it with exit code 0;
- it writes no file.

The protocols are connectrpc's (an ASGI application generated from our
.proto) served by Hypercorn; no protocol framing is written here.

Test affordances the real plugin lacks: every response carries
`x-standin-peer: IP:PORT`, the TCP peer this server accepted the connection
from (gRPC initial metadata), so a test can tell that a connection was kept
(same peer) or re-opened (new source port); and the version it reports is
the image tag the rehearsal's image stand-in was built for.

What it does not reproduce of the real binary (beside region_service.py's
list): pricing data beyond its table; Connect GET; the non-web mode, in
which the real binary serves plain gRPC and no HTTP/1.1 at all (here, with
FINFOCUS_PLUGIN_WEB_ENABLED=false, HTTP/1.1 and Connect still answer, /healthz
is 404 and errors keep their real code); h2c upgrade from HTTP/1.1
(`Upgrade: h2c`; Hypercorn supports it, untested); Go's server timeouts
(read header 10 s, write 30 s; idle 120 s is kept); a shutdown grace of 30 s
(here 1 s); the exact answer to gRPC over HTTP/1.1 (here a gRPC error in a
trailers-only response; connect-go's is not in the fact sheet); the releases
before v0.1.3 that drop `*` from the origins; its memory (about 150 MB a
region), start-up time and exact log fields; its exit code on a port already
in use (here 1); Go flag parsing (unknown flags are logged and ignored here,
where Go's flag package exits 2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import Any

from connectrpc.code import Code
from connectrpc.codec import Codec
from connectrpc.compat import google_protobuf_binary_codec
from connectrpc.errors import ConnectError
from connectrpc.method import IdempotencyLevel, MethodInfo, StreamType
from connectrpc.request import RequestContext
from connectrpc.server import ConnectASGIApplication, Endpoint
from google.protobuf import json_format
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2
from hypercorn.asyncio import serve
from hypercorn.config import Config

from finfocus_ecs.plugin_api import HEALTH_SERVICE, SERVICE
from finfocus_ecs.proto.finfocus.v1.costsource_connect import CostSourceServiceASGIApplication
from finfocus_ecs.rehearsal.region_service import RegionService

FALSE_VALUES = {"0", "f", "F", "false", "FALSE", "False"}  # what Go's strconv.ParseBool reads as false
MAX_PAYLOAD_BYTES = 1 << 20
PEER_HEADER = b"x-standin-peer"
# The SDK's CORS middleware (options.go).
CORS_METHODS = "POST, GET, OPTIONS"
CORS_ALLOWED_HEADERS = (
    "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization, X-CSRF-Token, X-Requested-With, "
    "Connect-Protocol-Version, Connect-Timeout-Ms, Grpc-Timeout, X-Grpc-Web, X-User-Agent"
)
CORS_EXPOSED_HEADERS = (
    "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin, Connect-Content-Encoding, Connect-Content-Type"
)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def log(level: str, msg: str, **fields: object) -> None:
    """One JSON line on stdout; a closed stdout must not take the server down."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with suppress(OSError, ValueError):
        sys.stdout.write(json.dumps({"level": level, "time": stamp, "msg": msg, **fields}) + "\n")
        sys.stdout.flush()


def resolve_port(argv: list[str], environ: Mapping[str, str]) -> tuple[int, list[str]]:
    """The port by the binary's precedence (flag, FINFOCUS_PLUGIN_PORT, PORT, 0), and arguments it ignored."""
    parser = argparse.ArgumentParser(prog="finfocus-plugin-aws-public", add_help=False, exit_on_error=False)
    parser.add_argument("-port", "--port")
    known, ignored = parser.parse_known_args(argv)
    for value in (known.port, environ.get("FINFOCUS_PLUGIN_PORT"), environ.get("PORT")):
        if value is not None and value.strip():
            port = int(value)
            if not 0 <= port <= 65535:
                raise ValueError(f"port {port} is outside 0-65535")
            return port, ignored
    return 0, ignored


def _enabled(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    return default if value is None or not value.strip() else value.strip() not in FALSE_VALUES


@dataclass(frozen=True)
class WebConfig:
    """The web-mode settings the plugin reads from its environment (internal/webconfig/config.go)."""

    web_mode: bool
    healthz: bool
    origins: tuple[str, ...]
    credentials: bool
    max_age: int

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> WebConfig:
        """Raises ValueError where the plugin refuses to start."""
        origins = tuple(
            origin.strip() for origin in environ.get("FINFOCUS_CORS_ALLOWED_ORIGINS", "").split(",") if origin.strip()
        )
        credentials = environ.get("FINFOCUS_CORS_ALLOW_CREDENTIALS", "").strip().lower() == "true"
        max_age = int(environ.get("FINFOCUS_CORS_MAX_AGE", "86400") or "86400")
        if max_age < 0:
            raise ValueError(f"FINFOCUS_CORS_MAX_AGE must be 0 or more, got {max_age}")
        if "*" in origins and credentials:
            raise ValueError("cannot enable credentials with wildcard origin (*); security risk")
        if "*" in origins and len(origins) > 1:
            raise ValueError("wildcard origin (*) cannot be combined with specific origins")
        web_mode = _enabled(environ, "FINFOCUS_PLUGIN_WEB_ENABLED", True)
        return cls(
            web_mode=web_mode,
            healthz=web_mode and _enabled(environ, "FINFOCUS_PLUGIN_HEALTH_ENDPOINT", True),
            origins=origins,
            credentials=credentials,
            max_age=max_age,
        )


class CompactJSONCodec:
    """proto3 JSON on one line, as connect-go's protojson writes it (google.protobuf's indents it).

    Unknown fields in a request are ignored, as connect-go's JSON codec
    discards them: clients send fields this stand-in's .proto leaves out.
    """

    def name(self) -> str:
        return "json"

    def encode(self, message: Message) -> bytes:
        return json.dumps(json_format.MessageToDict(message), separators=(",", ":")).encode()

    def decode(self, data: bytes | bytearray, message_class: type[Message]) -> Message:
        return json_format.Parse(bytes(data), message_class(), ignore_unknown_fields=True)


def codecs() -> list[Codec]:
    return [google_protobuf_binary_codec(), CompactJSONCodec()]


class HealthApplication(ConnectASGIApplication):
    """grpc.health.v1.Health/Check as connect-go's static grpchealth checker answers it."""

    def __init__(self) -> None:
        check = MethodInfo(
            name="Check",
            service_name=HEALTH_SERVICE,
            input=health_pb2.HealthCheckRequest,
            output=health_pb2.HealthCheckResponse,
            idempotency_level=IdempotencyLevel.UNKNOWN,
            stream_type=StreamType.UNARY,
        )
        super().__init__(
            service=self,
            endpoints=lambda service: {f"/{HEALTH_SERVICE}/Check": Endpoint.unary(method=check, function=self.check)},
            codecs=codecs(),
        )

    @property
    def path(self) -> str:
        return f"/{HEALTH_SERVICE}"

    async def check(
        self, request: health_pb2.HealthCheckRequest, ctx: RequestContext
    ) -> health_pb2.HealthCheckResponse:
        if request.service not in ("", SERVICE):
            raise ConnectError(Code.NOT_FOUND, f"unknown service {request.service}")
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


async def _text(send: Send, status: int, body: bytes, method: str = "GET", headers: list | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """send, adding headers to the response's start."""

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


def region_app(region: str, version: str, config: WebConfig, on_start: Callable[[], None] = lambda: None) -> ASGIApp:
    """The one ASGI application of the port: the payload limit outermost, then CORS, then the routes.

    on_start runs once the server serves (ASGI lifespan startup), which is
    when the binary says it listens.
    """
    services = {
        app.path: app
        for app in (
            CostSourceServiceASGIApplication(
                RegionService(region, version, config.web_mode), read_max_bytes=MAX_PAYLOAD_BYTES, codecs=codecs()
            ),
            HealthApplication(),
        )
    }

    async def routes(scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path == "/healthz" and config.healthz:
            if method in ("GET", "HEAD"):
                await _text(send, 200, b"ok", method)
            else:
                await _text(send, 405, b"method not allowed\n", method)
            return
        service = services.get("/" + path.strip("/").split("/")[0])
        if service is None:
            await _text(send, 404, b"404 page not found\n", method)
            return
        await service(scope, receive, send)

    async def cors(scope: Scope, receive: Receive, send: Send) -> None:
        if not config.origins:
            await routes(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin-1")
        added = [(b"vary", b"Origin")]
        if origin and ("*" in config.origins or origin in config.origins):
            added += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", CORS_METHODS.encode()),
                (b"access-control-allow-headers", CORS_ALLOWED_HEADERS.encode()),
                (b"access-control-expose-headers", CORS_EXPOSED_HEADERS.encode()),
            ]
            if config.credentials:
                added.append((b"access-control-allow-credentials", b"true"))
            if scope["method"] == "OPTIONS":
                added.append((b"access-control-max-age", str(config.max_age).encode()))
                await send({"type": "http.response.start", "status": 204, "headers": added})
                await send({"type": "http.response.body", "body": b""})
                return
        await routes(scope, receive, _with_headers(send, added))

    async def lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                on_start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are not served
        client = scope.get("client")
        if client:
            send = _with_headers(send, [(PEER_HEADER, f"{client[0]}:{client[1]}".encode())])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_PAYLOAD_BYTES:
            await _text(send, 413, b"payload too large\n", scope["method"])
            return
        await cors(scope, receive, send)

    return application


def close_connections_on_eof() -> None:
    """Close a connection as soon as its client does, as Go's server does.

    Hypercorn 0.18 ignores the end of an idle connection (HTTP/1.1 between
    requests, or HTTP/2): the socket stays in CLOSE_WAIT until
    keep_alive_timeout (120 s here, Go's IdleTimeout). Under a load of short
    connections (health checks, the benchmarks) hundreds pile up, and the
    server stops answering new HTTP/2 connections. Go closes at once; so does
    this, by closing the connection when Hypercorn reports the client gone.
    """
    from hypercorn.events import Closed
    from hypercorn.protocol.h2 import H2Protocol
    from hypercorn.protocol.h11 import H11Protocol

    def closing(original: Any, idle: Callable[[Any], bool]) -> Any:
        if getattr(original, "closes_on_eof", False):
            return original

        async def handle(self: Any, event: Any) -> None:
            await original(self, event)
            if isinstance(event, Closed) and idle(self):
                await self.send(Closed())

        handle.closes_on_eof = True  # type: ignore[attr-defined]
        return handle

    H11Protocol.handle = closing(H11Protocol.handle, lambda protocol: protocol.stream is None)  # type: ignore[method-assign]
    H2Protocol.handle = closing(H2Protocol.handle, lambda protocol: True)  # type: ignore[method-assign]


async def _serve(app: ASGIApp, listener: socket.socket, stop: asyncio.Event) -> None:
    config = Config()
    config.bind = [f"fd://{listener.fileno()}"]
    config.accesslog = None
    config.errorlog = None
    config.keep_alive_timeout = 120  # the SDK's IdleTimeout
    # Go's server serves any number of requests on a connection; Hypercorn ends one
    # after 1000 with a GOAWAY that fails the calls in flight.
    config.keep_alive_max_requests = sys.maxsize
    config.h2_max_concurrent_streams = 250  # golang.org/x/net/http2's default (Hypercorn's: 100)
    config.graceful_timeout = 1
    await serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


@cache
def default_version() -> str:
    """The release the module deploys by default, which this stand-in reports unless built for another."""
    from finfocus_ecs.module import default_image_tag

    return default_image_tag().lstrip("v")


def main(region: str, argv: list[str], version: str | None = None) -> int:
    """Serve region until SIGTERM or SIGINT; 0 then, 1 if it cannot start, 2 on a bad port."""
    environ = dict(os.environ)
    try:
        port, ignored = resolve_port(argv, environ)
    except (ValueError, argparse.ArgumentError) as error:
        log("error", "invalid port", region=region, error=str(error))
        return 2
    if ignored:
        log("warn", "ignoring arguments", region=region, arguments=ignored)
    try:
        config = WebConfig.from_environment(environ)
    except ValueError as error:
        log("error", "invalid web configuration", region=region, error=str(error))
        return 1
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(512)
    except OSError as error:
        log("error", "cannot listen", region=region, port=port, error=str(error))
        listener.close()
        return 1
    bound = listener.getsockname()[1]

    def listening() -> None:
        log("info", "listening", region=region, port=bound, address="127.0.0.1", healthz=config.healthz)

    app = region_app(region, version or default_version(), config, on_start=listening)
    close_connections_on_eof()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        serving = asyncio.create_task(_serve(app, listener, stop))
        await stop.wait()
        log("info", "stopping", region=region, port=bound)
        await serving

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.stderr.write("usage: python -m finfocus_ecs.rehearsal.region_server REGION [--port N]\n")
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1], sys.argv[2:]))
