"""Stand-in for one region binary of the image (/usr/local/bin/finfocus-plugin-aws-public-REGION).

The real binary cannot run here (no image, no network), yet the port bridge
and `verify` must be proved against what it speaks on its one port, so this
reproduces its wire behaviour in web mode, the image default
(finfocus-spec sdk/go/pluginsdk/sdk.go, serveConnect):

- it listens on 127.0.0.1 only (listenOnLoopback), on the port from
  `--port N` (also `-port N`, `--port=N`), else FINFOCUS_PLUGIN_PORT, else
  PORT, else an ephemeral port;
- HTTP/1.1 `GET`/`HEAD /healthz`: 200, text/plain, body `ok`, unless
  FINFOCUS_PLUGIN_WEB_ENABLED or FINFOCUS_PLUGIN_HEALTH_ENDPOINT is false
  (then 404, as with the handler not registered);
- gRPC over h2c on the same port: `grpc.health.v1.Health/Check` with
  grpcio's static health servicer (SERVING for finfocus.v1.CostSourceService
  and for "", NOT_FOUND for any other name) and
  `finfocus.v1.CostSourceService/Name`;
- JSON log lines on stdout; SIGTERM or SIGINT stop it with exit code 0;
- it writes no file (abstract unix socket, logs on stdout only).

grpcio cannot serve HTTP/1.1, so one TCP listener peeks at the first bytes
of each connection: the HTTP/2 preface (`PRI * HTTP/2.0`) is relayed byte
for byte to an in-process grpcio server on an abstract unix socket
(invisible to `ss -lt`, no writable filesystem needed); anything else is
answered as HTTP/1.1 by http.server. No HTTP/2 framing is written here.

Test affordances the real plugin lacks:
- `Name` returns the region (the real one returns the plugin's display
  name), so a gRPC test can tell regions apart;
- HTTP responses carry `X-Standin-Region: REGION`, for the same reason;
- `Name` sends initial metadata `x-standin-peer: IP:PORT`, the TCP peer this
  server accepted the call's connection from, so a test can tell that a
  connection was kept (same peer) or re-opened (new source port);
- the server accepts client keepalive pings at any rate. The real plugin in
  web mode is Go's net/http h2c server, which answers pings without
  grpc-go's ping policing; grpcio's server would otherwise send GOAWAY
  (too_many_pings) to a client that pings more often than every 5 minutes.

What it does not reproduce of the real binary:
- pricing data and every CostSourceService method but Name (the others
  answer UNIMPLEMENTED), gRPC-Web and the Connect protocol (HTTP/1.1 POST
  answers 501), h2c upgrade from HTTP/1.1 (`Upgrade: h2c`), CORS headers;
- the non-web mode: with FINFOCUS_PLUGIN_WEB_ENABLED=false the real binary
  serves plain gRPC and no HTTP/1.1 at all; here HTTP/1.1 still answers, 404;
- its memory (about 150 MB a region) and start-up time, its exact log
  fields, its exit code on a port already in use (here 1), Go flag parsing
  (unknown flags are logged and ignored here, where Go's flag package exits 2).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from finfocus_ecs.grpc_health import COST_SOURCE_SERVICE, PEER_METADATA_KEY, NameRequest, NameResponse

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
FALSE_VALUES = {"0", "f", "F", "false", "FALSE", "False"}  # what Go's strconv.ParseBool reads as false
PREFACE_WAIT_SECONDS = 10.0

_log_lock = threading.Lock()


def log(level: str, msg: str, **fields: object) -> None:
    """One JSON line on stdout; a closed stdout must not take the server down."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = json.dumps({"level": level, "time": stamp, "msg": msg, **fields})
    with _log_lock, suppress(OSError, ValueError):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def resolve_port(argv: list[str], environ: dict[str, str]) -> tuple[int, list[str]]:
    """The port by the binary's precedence (flag, FINFOCUS_PLUGIN_PORT, PORT, 0), and arguments it ignored."""
    parser = argparse.ArgumentParser(prog="finfocus-plugin-aws-public", add_help=False, exit_on_error=False)
    parser.add_argument("-port", "--port")
    known, ignored = parser.parse_known_args(argv)
    for value in (known.port, environ.get("FINFOCUS_PLUGIN_PORT"), environ.get("PORT")):
        if value is not None and value.strip():
            return _port(value), ignored
    return 0, ignored


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is outside 0-65535")
    return port


def healthz_enabled(environ: dict[str, str]) -> bool:
    return all(
        environ.get(name, "true").strip() not in FALSE_VALUES
        for name in ("FINFOCUS_PLUGIN_WEB_ENABLED", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT")
    )


class HealthzHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 on the regional port: /healthz, and 404 for any other path, as Go's mux answers."""

    protocol_version = "HTTP/1.1"
    server: RegionServer

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        healthy = self.server.healthz and urlsplit(self.path).path == "/healthz"
        body = b"ok" if healthy else b"404 page not found\n"
        self.send_response(200 if healthy else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Standin-Region", self.server.region)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: a stderr line per request would fill a pipe nobody reads (as in the tests) and stall the server."""


def opens_http2(connection: socket.socket) -> bool | None:
    """Peek without consuming: True for the HTTP/2 preface, False for anything else, None if closed first."""
    deadline = time.monotonic() + PREFACE_WAIT_SECONDS
    while True:
        seen = connection.recv(len(PREFACE), socket.MSG_PEEK)
        if not seen:
            return None
        if not PREFACE.startswith(seen):
            return False
        if len(seen) == len(PREFACE):
            return True
        if time.monotonic() > deadline:
            return None
        time.sleep(0.002)  # a preface split across segments: wait for the rest


def pump(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes one way until EOF (then half-close) or an error (then tear both down)."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
        with suppress(OSError):
            target.shutdown(socket.SHUT_WR)
    except OSError:
        for end in (source, target):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


class RegionServer(socketserver.ThreadingTCPServer):
    """The one loopback TCP listener: HTTP/1.1 answered here, HTTP/2 relayed to grpcio."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, region: str, port: int, grpc_address: str, healthz: bool) -> None:
        self.region = region
        self.healthz = healthz
        self.grpc_address = grpc_address
        self.peers: dict[str, str] = {}  # grpc peer of a relayed connection -> the TCP peer "ip:port"
        super().__init__(("127.0.0.1", port), HealthzHandler)

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        with suppress(OSError):  # a client gone mid-way is its own business, not a server error
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # relayed frames go out at once
            kind = opens_http2(request)
            if kind:
                self.relay(request, f"{client_address[0]}:{client_address[1]}")
            elif kind is False:
                HealthzHandler(request, client_address, self)

    def relay(self, client: socket.socket, tcp_peer: str) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            # Autobind: a unique abstract address, which grpcio reports as the call's peer.
            upstream.bind("")
            upstream.connect(self.grpc_address)
            key = "unix-abstract:" + upstream.getsockname()[1:].decode("latin-1")
            self.peers[key] = tcp_peer
            try:
                back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
                back.start()
                pump(client, upstream)
                back.join()
            finally:
                self.peers.pop(key, None)


def grpc_server(region: str, address: str, peers: dict[str, str]) -> grpc.Server:
    """grpcio on an abstract unix socket: the static health servicer and CostSourceService/Name."""
    server = grpc.server(
        ThreadPoolExecutor(max_workers=8, thread_name_prefix=f"grpc-{region}"),
        options=[("grpc.http2.max_ping_strikes", 0), ("grpc.keepalive_permit_without_calls", 1)],
    )
    checker = health.HealthServicer()
    for service in (COST_SOURCE_SERVICE, ""):
        checker.set(service, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)

    def name(request: NameRequest, context: grpc.ServicerContext) -> NameResponse:
        peer = peers.get(context.peer())
        if peer:
            context.send_initial_metadata(((PEER_METADATA_KEY, peer),))
        return NameResponse(name=region)

    handler = grpc.unary_unary_rpc_method_handler(
        name, request_deserializer=NameRequest.FromString, response_serializer=NameResponse.SerializeToString
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(COST_SOURCE_SERVICE, {"Name": handler}),))
    if not server.add_insecure_port(f"unix-abstract:{address}"):
        raise OSError(f"cannot listen on abstract unix socket {address}")
    return server


def main(region: str, argv: list[str]) -> int:
    """Serve region until SIGTERM or SIGINT; 0 then, 1 if the port cannot be bound, 2 on a bad port."""
    environ = dict(os.environ)
    try:
        port, ignored = resolve_port(argv, environ)
    except (ValueError, argparse.ArgumentError) as error:
        log("error", "invalid port", region=region, error=str(error))
        return 2
    if ignored:
        log("warn", "ignoring arguments", region=region, arguments=ignored)
    address = f"finfocus-standin-{region}-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        tcp = RegionServer(region, port, "\0" + address, healthz_enabled(environ))
    except OSError as error:
        log("error", "cannot listen", region=region, port=port, error=str(error))
        return 1
    rpc = grpc_server(region, address, tcp.peers)
    rpc.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=tcp.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    log("info", "listening", region=region, port=tcp.server_address[1], address="127.0.0.1", healthz=tcp.healthz)
    stop.wait()
    log("info", "stopping", region=region, port=tcp.server_address[1])
    tcp.shutdown()
    tcp.server_close()
    rpc.stop(grace=0.2).wait()
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.stderr.write("usage: python -m finfocus_ecs.rehearsal.region_server REGION [--port N]\n")
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1], sys.argv[2:]))
