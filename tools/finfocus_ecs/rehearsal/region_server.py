"""Stand-in for one region binary of the image (/usr/local/bin/finfocus-plugin-aws-public-REGION).

The real binary cannot run here (no image, no network), yet the port bridge,
`verify`, `price` and `connect` must be proved against what it does on its
one port, so this reproduces it as a process (main.go and the SDK's Serve;
../shared/reference/calling-the-plugin.md, section 7 measured on the built
plugin), for the release it is built for (plugin_api/releases.json):

- the port: `--port N` (also `-port N`, `--port=N`) only in releases whose
  main parses flags (v0.1.6 on; earlier ones ignore it), then
  FINFOCUS_PLUGIN_PORT, then the deprecated PORT (with the plugin's warning),
  else an ephemeral port; it listens on 127.0.0.1 only (listenOnLoopback);
- stdout carries exactly one line, `PORT=N`, once it listens; every log line
  is compact JSON on stderr (level, plugin_name "aws-public",
  plugin_version, its fields, time, message), as the SDK's zerolog logger
  writes it;
- web mode only when FINFOCUS_PLUGIN_WEB_ENABLED is `true` (the image's
  ENV sets it): one HTTP server for HTTP/1.1 and h2c (region_web.py says
  what it serves); otherwise plain gRPC only (region_grpc.py): the service
  and gRPC reflection, no grpc.health.v1, no /healthz, and an HTTP/1.1
  request gets grpc-go's SETTINGS frame and a reset;
- the answers of region_service.py; CORS settings the plugin refuses (`*`
  with credentials, or beside named origins) stop it at start with exit 1;
- SIGTERM or SIGINT stop it with exit code 0; a port in use exits 1; it
  writes no file.

Test affordances the real plugin lacks: in web mode every response carries
`x-standin-peer: IP:PORT`, the TCP peer this server accepted the connection
from, so a test can tell that a connection was kept (same peer) or
re-opened (new source port); and the version it reports is the image tag
the rehearsal's image stand-in was built for.

What it does not reproduce of the real binary (beside region_service.py's
and region_web.py's lists): its memory (about 150 MB a region), start-up
time and every log line but the start, the deprecation warning and the
stop; Go flag parsing (unknown flags are logged and ignored here, where
Go's flag package exits 2); the ErrorDetail of gRPC mode's errors.
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
from collections.abc import Mapping
from contextlib import suppress
from functools import cache

from finfocus_ecs.plugin_api.facts import LOGGER_NAME
from finfocus_ecs.plugin_api.releases import Release, release
from finfocus_ecs.rehearsal.region_service import RegionService
from finfocus_ecs.rehearsal.region_web import Refused, WebConfig, region_app, serve_like_go

PORT_DEPRECATED = (
    "PORT environment variable is deprecated since v0.0.8 and will be removed in v0.1.0. "
    "Please use FINFOCUS_PLUGIN_PORT instead."
)


class Logger:
    """The SDK's zerolog logger: JSON lines on stderr; a closed stderr must not take the server down."""

    def __init__(self, version: str) -> None:
        self.version = version

    def __call__(self, level: str, message: str, **fields: object) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        line = {"level": level, "plugin_name": LOGGER_NAME, "plugin_version": self.version, **fields}
        line |= {"time": stamp, "message": message}
        with suppress(OSError, ValueError):
            sys.stderr.write(json.dumps(line, separators=(",", ":")) + "\n")
            sys.stderr.flush()


def resolve_port(argv: list[str], environ: Mapping[str, str], port_flag: bool) -> tuple[int, str, list[str]]:
    """(port, where it came from, arguments ignored) by the release's precedence: flag, FINFOCUS_PLUGIN_PORT, PORT."""
    parser = argparse.ArgumentParser(prog="finfocus-plugin-aws-public", add_help=False, exit_on_error=False)
    parser.add_argument("-port", "--port")
    known, ignored = parser.parse_known_args(argv)
    if not port_flag and known.port is not None:
        ignored = [*ignored, "--port", known.port]  # this release's main never parses flags
        known.port = None
    sources = (("--port", known.port), *((name, environ.get(name)) for name in ("FINFOCUS_PLUGIN_PORT", "PORT")))
    for source, value in sources:
        if value is not None and value.strip():
            port = int(value)
            if not 0 <= port <= 65535:
                raise ValueError(f"port {port} is outside 0-65535")
            return port, source, ignored
    return 0, "ephemeral", ignored


def announce(port: int) -> None:
    """The SDK's announcePort: the one line on stdout, which the FinFocus core may read."""
    sys.stdout.write(f"PORT={port}\n")
    sys.stdout.flush()


@cache
def default_version() -> str:
    """The release the module deploys by default, which this stand-in reports unless built for another."""
    from finfocus_ecs.module import default_image_tag

    return default_image_tag().lstrip("v")


def listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(512)
    except OSError:
        listener.close()
        raise
    return listener


async def _serve_web(service: RegionService, config: WebConfig, listener: socket.socket, stop: asyncio.Event) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    serve_like_go()
    hypercorn = Config()
    hypercorn.bind = [f"fd://{listener.fileno()}"]
    hypercorn.accesslog = None
    hypercorn.errorlog = None
    hypercorn.include_server_header = False
    hypercorn.keep_alive_timeout = 120  # the SDK's IdleTimeout
    # Go's server serves any number of requests on a connection; Hypercorn ends one
    # after 1000 with a GOAWAY that fails the calls in flight.
    hypercorn.keep_alive_max_requests = sys.maxsize
    hypercorn.h2_max_concurrent_streams = 250  # golang.org/x/net/http2's default (Hypercorn's: 100)
    hypercorn.graceful_timeout = 1
    await serve(region_app(service, config), hypercorn, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


def main(region: str, argv: list[str], version: str | None = None) -> int:
    """Serve region until SIGTERM or SIGINT; 0 then, 1 if it cannot start, 2 on a bad port."""
    environ = dict(os.environ)
    facts: Release = release(version or default_version())
    log = Logger(facts.version)
    try:
        port, source, ignored = resolve_port(argv, environ, facts.port_flag)
    except (ValueError, argparse.ArgumentError) as error:
        log("error", "invalid port", error=str(error))
        return 2
    log("info", "plugin started", aws_region=region)
    if source == "PORT":
        log(
            "warn",
            PORT_DEPRECATED,
            env_var="PORT",
            replacement="FINFOCUS_PLUGIN_PORT",
            deprecated_since="v0.0.8",
            removal_version="v0.1.0",
        )
    if ignored:
        log("warn", "ignoring arguments", arguments=ignored)
    try:
        config = WebConfig.from_environment(environ)
    except Refused as refused:
        log(refused.level, refused.message, error=refused.error)
        return 1
    if "*" in config.origins:
        log("warn", "CORS wildcard origin (*) is insecure; use specific origins in production")
    service = RegionService(region, facts, config.web_mode)

    async def run() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            listener = listen(port)
        except OSError as error:
            log("error", "failed to listen", port=port, error=str(error))
            return 1
        if config.web_mode:
            log("info", "web serving enabled with multi-protocol support")
            announce(listener.getsockname()[1])
            await _serve_web(service, config, listener, stop)
        else:
            from finfocus_ecs.rehearsal.region_grpc import serve_grpc

            await serve_grpc(service, listener, stop, lambda: announce(listener.getsockname()[1]))
        log("info", "received shutdown signal")
        return 0

    return asyncio.run(run())


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.stderr.write("usage: python -m finfocus_ecs.rehearsal.region_server REGION [--port N]\n")
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1], sys.argv[2:]))
