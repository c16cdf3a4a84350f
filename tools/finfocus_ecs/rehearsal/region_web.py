"""The web-mode port of the stand-in region binary: one HTTP server, as finfocus-spec's serveConnect builds it.

Reproduced (../shared/reference/calling-the-plugin.md sections 1.4-1.7 and
7, measured on the built plugin):
- HTTP/1.1 and h2c (prior knowledge, and `Upgrade: h2c` answered 101) on
  one port; finfocus.v1.CostSourceService over Connect (JSON and binary),
  gRPC (over HTTP/2, and over HTTP/1.1 with chunked trailers, as Go's
  server answers it) and gRPC-Web, answering as region_service.py says;
- grpc.health.v1.Health/Check, SERVING for finfocus.v1.CostSourceService
  and "", NOT_FOUND for other names; over Connect JSON its status reads
  `SERVING_STATUS_SERVING` (connect-go's grpchealth names);
- `GET`/`HEAD /healthz`: 200 text/plain `ok` (405 `Method not allowed` for
  other methods) when FINFOCUS_PLUGIN_HEALTH_ENDPOINT is true, else 404;
  `404 page not found` for any other path, unknown methods and gRPC
  reflection included (web mode registers none);
- CORS as the SDK's middleware, only when FINFOCUS_CORS_ALLOWED_ORIGINS is
  set: `Vary: Origin` always; for an allowed Origin (`*` or an exact match)
  the origin echoed, the methods, allowed and exposed headers, credentials
  with FINFOCUS_CORS_ALLOW_CREDENTIALS=true, and an OPTIONS preflight on any
  path answered 204 with Access-Control-Max-Age; other origins pass with no
  CORS headers;
- the 1 MiB limit: a Content-Length over it gets 413 `payload too large`
  with `Connection: close` and no `100 Continue`; a chunked body that
  passes it gets 429 resource_exhausted with the MaxBytesReader text;
- what Go's server puts on a reply: reason phrases, Content-Length on
  unary answers, `Accept-Encoding: gzip` on Connect answers,
  `X-Content-Type-Options: nosniff` on text, no Server header; JSON with
  the spacing protojson gives one build (which varies between builds on
  purpose: clients must parse, never compare bytes);
- connections closed as soon as the client closes them, and any number of
  requests on one connection, as Go's server does.

The protocols are connectrpc's (an ASGI application generated from our
.proto) served by Hypercorn; no protocol framing is written here. Where
Hypercorn differs from Go's server (no trailers over HTTP/1.1, no reason
phrases, `100 Continue` before the app looks at the request), it is
patched in this process only.

Not reproduced: Connect GET; Go's server timeouts (read header 10 s, write
30 s; idle 120 s is kept); a shutdown grace of 30 s (here 1 s); the CORS
rules of releases before v0.1.4, which drop `*` from the origins.
"""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
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

from finfocus_ecs.plugin_api import HEALTH_SERVICE, SERVICE
from finfocus_ecs.proto.finfocus.v1.costsource_connect import CostSourceServiceASGIApplication
from finfocus_ecs.rehearsal.region_service import RegionService

MAX_PAYLOAD_BYTES = 1 << 20
TOO_LARGE_READ = (
    f"read first {MAX_PAYLOAD_BYTES} bytes of message: exceeded {MAX_PAYLOAD_BYTES} byte http.MaxBytesReader limit"
)
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
CONNECT_TYPES = (b"application/json", b"application/proto")
UNSENT = {(b"content-encoding", b"identity"), (b"grpc-encoding", b"identity"), (b"vary", b"Accept-Encoding")}

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def enabled(environ: Mapping[str, str], name: str) -> bool:
    """The plugin turns a switch on only for `true`, in any case (main.go, internal/webconfig); unset is off."""
    return environ.get(name, "").lower() == "true"


class Refused(ValueError):
    """A web configuration the plugin refuses, and how it says so: the log level and message, the error in a field."""

    def __init__(self, level: str, message: str, error: str) -> None:
        super().__init__(error)
        self.level, self.message, self.error = level, message, error


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
        """Raises Refused where the plugin refuses to start: ParseWebConfig's fatal, or Serve's error."""
        origins = tuple(
            origin.strip() for origin in environ.get("FINFOCUS_CORS_ALLOWED_ORIGINS", "").split(",") if origin.strip()
        )
        credentials = environ.get("FINFOCUS_CORS_ALLOW_CREDENTIALS", "").strip().lower() == "true"
        max_age = int(environ.get("FINFOCUS_CORS_MAX_AGE", "86400") or "86400")
        if max_age < 0:
            raise Refused(
                "fatal", "failed to parse web configuration", f"FINFOCUS_CORS_MAX_AGE must be 0 or more, got {max_age}"
            )
        if "*" in origins and credentials:
            raise Refused(
                "fatal",
                "failed to parse web configuration",
                "cannot enable credentials with wildcard origin (*); security risk",
            )
        web_mode = enabled(environ, "FINFOCUS_PLUGIN_WEB_ENABLED")
        if web_mode and "*" in origins and len(origins) > 1:
            raise Refused(
                "error",
                "server error",
                "AllowedOrigins cannot mix wildcard '*' with specific origins; use either '*' alone or a list of "
                "specific origins",
            )
        return cls(
            web_mode=web_mode,
            healthz=web_mode and enabled(environ, "FINFOCUS_PLUGIN_HEALTH_ENDPOINT"),
            origins=origins,
            credentials=credentials,
            max_age=max_age,
        )


# protojson's whitespace differs between builds (internal/detrand); one build writes one form.
SEPARATORS = random.choice(((",", ":"), (",", ": ")))


class GoJSONCodec:
    """proto3 JSON on one line, as connect-go's protojson writes it (google.protobuf's indents it).

    Unknown fields in a request are ignored, as connect-go's JSON codec
    discards them: clients send fields this stand-in's .proto leaves out.
    enum_prefix renames enum values as another .proto names them.
    """

    def __init__(self, enum_renames: Mapping[str, str] | None = None) -> None:
        self.enum_renames = dict(enum_renames or {})

    def name(self) -> str:
        return "json"

    def encode(self, message: Message) -> bytes:
        fields = json_format.MessageToDict(message)
        fields = {key: self.enum_renames.get(value, value) if isinstance(value, str) else value
                  for key, value in fields.items()}  # fmt: skip
        return json.dumps(fields, separators=SEPARATORS).encode()

    def decode(self, data: bytes | bytearray, message_class: type[Message]) -> Message:
        return json_format.Parse(bytes(data), message_class(), ignore_unknown_fields=True)


def codecs(json_codec: GoJSONCodec | None = None) -> list[Codec]:
    return [google_protobuf_binary_codec(), json_codec or GoJSONCodec()]


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
        # connect-go's health .proto prefixes its enum values (SERVING_STATUS_SERVING); gRPC's does not.
        statuses = health_pb2.HealthCheckResponse.ServingStatus.DESCRIPTOR.values
        renames = {status.name: f"SERVING_STATUS_{status.name}" for status in statuses}
        super().__init__(
            service=self,
            endpoints=lambda service: {f"/{HEALTH_SERVICE}/Check": Endpoint.unary(method=check, function=self.check)},
            codecs=codecs(GoJSONCodec(renames)),
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


async def text(send: Send, status: int, body: bytes, method: str = "GET", headers: list | None = None) -> None:
    """A text/plain answer as Go's http.Error writes it; to HEAD, no body and so no Content-Length (Go counts none)."""
    length = [] if method == "HEAD" else [(b"content-length", str(len(body)).encode())]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"x-content-type-options", b"nosniff"),
                *length,
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


def with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """send, adding headers to the response's start."""

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


def as_go_answers(send: Send) -> Send:
    """send, giving a unary answer what Go's server and connect-go put on it.

    Content-Length: the answer is held until its last body part (a unary
    answer is small), unless it ends with trailers (gRPC), which Go sends
    chunked. Connect answers also advertise gzip, as connect-go does.
    """
    held: dict[str, Any] = {}
    body: list[bytes] = []

    async def sending(message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            # connectrpc names the identity encoding on every answer; connect-go names none, and offers gzip.
            headers = [header for header in message.get("headers", []) if header not in UNSENT]
            content_type = dict(headers).get(b"content-type", b"")
            if content_type in CONNECT_TYPES and not dict(headers).get(b"accept-encoding"):
                headers.append((b"accept-encoding", b"gzip"))
            elif content_type.startswith(b"application/grpc"):
                headers.append((b"grpc-accept-encoding", b"gzip"))
            message = {**message, "headers": headers}
            if message.get("trailers") or any(name == b"content-length" for name, _ in headers):
                await send(message)
            else:
                held["start"] = message
            return
        if kind == "http.response.body" and "start" in held:
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            start = held.pop("start")
            whole = b"".join(body)
            headers = [*start["headers"], (b"content-length", str(len(whole)).encode())]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": whole})
            return
        await send(message)

    return sending


def limited(receive: Receive, send: Send, scope: Scope) -> Receive:
    """receive, refusing a body that grows past 1 MiB as the SDK's http.MaxBytesReader does (429 over Connect)."""
    read = 0

    async def receiving() -> dict[str, Any]:
        nonlocal read
        message = await receive()
        read += len(message.get("body", b""))
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        if read > MAX_PAYLOAD_BYTES and content_type in CONNECT_TYPES:
            answer = json.dumps({"code": "resource_exhausted", "message": TOO_LARGE_READ}, separators=SEPARATORS)
            answering = as_go_answers(send)
            await answering(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
                }
            )
            await answering({"type": "http.response.body", "body": answer.encode()})
            raise ConnectionAbortedError("request body over 1 MiB")
        return message

    return receiving


def region_app(service: RegionService, config: WebConfig, on_start: Callable[[], None] = lambda: None) -> ASGIApp:
    """The one ASGI application of the port: the payload limit outermost, then CORS, then the routes.

    on_start runs once the server serves (ASGI lifespan startup), which is
    when the binary says it listens.
    """
    services = {
        app.path: app
        for app in (
            CostSourceServiceASGIApplication(service, read_max_bytes=MAX_PAYLOAD_BYTES, codecs=codecs()),
            HealthApplication(),
        )
    }
    methods = {method.name for method in service_methods()}

    async def routes(scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path == "/healthz" and config.healthz:
            if method in ("GET", "HEAD"):
                await text(send, 200, b"ok", method)
            else:
                await text(send, 405, b"Method not allowed\n", method)
            return
        prefix, _, name = path.strip("/").partition("/")
        app = services.get("/" + prefix)
        # connect-go's handler answers an unknown method under its prefix with http.NotFound.
        if app is None or (prefix == SERVICE and name not in methods):
            await text(send, 404, b"404 page not found\n", method)
            return
        await app(scope, receive, as_go_answers(send))

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
        await routes(scope, receive, with_headers(send, added))

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
            send = with_headers(send, [(PEER_HEADER, f"{client[0]}:{client[1]}".encode())])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_PAYLOAD_BYTES:
            await text(send, 413, b"payload too large\n", scope["method"], [(b"connection", b"close")])
            return
        try:
            await cors(scope, limited(receive, send, scope), send)
        except ConnectionAbortedError:
            return

    return application


def service_methods() -> list[Any]:
    from finfocus_ecs.plugin_api import METHODS

    return list(METHODS.values())


# Headers Go's server adds after the handler's, in this order (net/http's extraHeader).
SERVER_ADDED = (b"date", b"content-length", b"connection", b"transfer-encoding")


def canonical(name: bytes) -> bytes:
    """Go's canonical form of a header name (textproto.CanonicalMIMEHeaderKey): x-content-type-options =>
    X-Content-Type-Options."""
    return b"-".join(part[:1].upper() + part[1:].lower() for part in name.split(b"-"))


def go_ordered(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A reply's headers as Go writes them: the handler's sorted by canonical name, then the server's own."""
    named = [(name.lower(), canonical(name), value) for name, value in headers]
    handlers = sorted((item for item in named if item[0] not in SERVER_ADDED), key=lambda item: item[1])
    added = sorted((item for item in named if item[0] in SERVER_ADDED), key=lambda item: SERVER_ADDED.index(item[0]))
    return [(name, value) for _, name, value in [*handlers, *added]]


def serve_like_go() -> None:
    """Patch Hypercorn, in this process, where it answers otherwise than Go's net/http server.

    - A connection is closed as soon as its client closes it. Hypercorn 0.18
      ignores the end of an idle connection (HTTP/1.1 between requests, or
      HTTP/2): the socket stays in CLOSE_WAIT until keep_alive_timeout (120 s
      here, Go's IdleTimeout). Under a load of short connections (health
      checks, the benchmarks) hundreds pile up, and the server stops
      answering new HTTP/2 connections.
    - HTTP/1.1 carries trailers (chunked), so gRPC over HTTP/1.1 is answered
      with its grpc-status trailer, as Go answers it.
    - Status lines carry their reason phrase ("404 Not Found").
    - `100 Continue` is not sent for a body the 1 MiB limit refuses by its
      Content-Length: Go sends it only when the handler reads the body.
    - Header names go out in Go's canonical case (Content-Type), in Go's
      order: the handler's headers sorted by name, then Date, Content-Length
      and Connection, which the server adds; trailers canonical too.
    - A HEAD answer without Content-Length goes out without one (h11 would
      add Transfer-Encoding: chunked).
    - A request h11 cannot parse (a malformed request line) gets Go's raw
      answer: `400 Bad Request`, text/plain, Connection: close, the status
      as the body, no Date or Content-Length, then the connection closes.
    """
    import h11
    from hypercorn.events import Closed, RawData
    from hypercorn.protocol import http_stream
    from hypercorn.protocol.events import EndBody, Trailers
    from hypercorn.protocol.h2 import H2Protocol
    from hypercorn.protocol.h11 import H11Protocol

    if getattr(H11Protocol, "served_like_go", False):
        return
    H11Protocol.served_like_go = True  # type: ignore[attr-defined]

    def closing(original: Any, idle: Callable[[Any], bool]) -> Any:
        async def handle(self: Any, event: Any) -> None:
            await original(self, event)
            if isinstance(event, Closed) and idle(self):
                await self.send(Closed())

        return handle

    H11Protocol.handle = closing(H11Protocol.handle, lambda protocol: protocol.stream is None)  # type: ignore[method-assign]
    H2Protocol.handle = closing(H2Protocol.handle, lambda protocol: True)  # type: ignore[method-assign]

    http_stream.TRAILERS_VERSIONS = {*http_stream.TRAILERS_VERSIONS, "1.1"}
    original_stream_send = H11Protocol.stream_send

    async def stream_send(self: Any, event: Any) -> None:
        if isinstance(event, Trailers):
            self.trailers = list(event.headers)
            return
        if isinstance(event, EndBody) and getattr(self, "trailers", None):
            trailers, self.trailers = self.trailers, None
            await self._send_h11_event(h11.EndOfMessage(headers=trailers))
            return
        await original_stream_send(self, event)

    H11Protocol.stream_send = stream_send  # type: ignore[method-assign]

    original_send_event = H11Protocol._send_h11_event

    async def send_event(self: Any, event: Any) -> None:
        if isinstance(event, h11.Response | h11.InformationalResponse):
            phrase = event.reason or HTTPStatus(event.status_code).phrase.encode()
            headers = go_ordered(event.headers.raw_items())
            event = type(event)(status_code=event.status_code, headers=headers, reason=phrase)
        elif isinstance(event, h11.EndOfMessage) and event.headers:
            event = h11.EndOfMessage(headers=[(canonical(name), value) for name, value in event.headers.raw_items()])
        connection = self.connection
        if isinstance(event, h11.Response) and getattr(connection, "_request_method", None) == b"HEAD":
            # h11 adds framing headers to a HEAD answer that has no Content-Length; Go adds none.
            connection._clean_up_response_headers_for_sending = lambda response: response
            try:
                await original_send_event(self, event)
            finally:
                del connection._clean_up_response_headers_for_sending
            return
        await original_send_event(self, event)

    H11Protocol._send_h11_event = send_event  # type: ignore[method-assign]

    async def send_error_response(self: Any, status_code: int) -> None:
        status = f"{status_code} {HTTPStatus(status_code).phrase}"
        answer = f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n{status}"
        await self.send(RawData(data=answer.encode()))

    H11Protocol._send_error_response = send_error_response  # type: ignore[method-assign]

    original_next_event = h11.Connection.next_event
    waiting = h11.Connection.they_are_waiting_for_100_continue

    def next_event(self: h11.Connection) -> Any:
        event = original_next_event(self)
        if isinstance(event, h11.Request):
            length = dict(event.headers).get(b"content-length", b"")
            self.refused_by_length = length.isdigit() and int(length) > MAX_PAYLOAD_BYTES  # type: ignore[attr-defined]
        return event

    h11.Connection.next_event = next_event  # type: ignore[method-assign]
    h11.Connection.they_are_waiting_for_100_continue = property(  # type: ignore[method-assign]
        lambda self: waiting.fget(self) and not getattr(self, "refused_by_length", False)
    )
