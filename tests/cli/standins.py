"""Region stand-ins and broken servers on loopback, for the commands that call a deployment (verify, price).

The healthy ports are finfocus_ecs.rehearsal.region_server, which answers on
one port as the real region binary does (its docstring lists what it does
not reproduce). Each broken server stands for one thing a deployment gets
wrong; what matters is the bytes a client sees:
- refused: nothing listens (no bridge, or a region the image lacks);
- hanging: the kernel accepts, nobody answers (a black-holing path);
- closing: accepts and closes at once (the bridge, with its region down);
- tls_only: HTTPS with a self-signed certificate (a TLS terminator);
- http1_only: an HTTP/1.1 server with /healthz (an HTTP-mode proxy), with
  and without a status line in its answer to the HTTP/2 preface.

And plugins as they lie in FinFocus's plugin directory (installed_plugin):
a region stand-in behind the binary's name, carrying, where it stands for
one of upstream's Go binaries, that binary's Go build information (what
`go version -m` reads), since that, not its name, is what a Go binary is.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from finfocus_ecs.rehearsal.images import PLUGIN
from finfocus_ecs.rehearsal.region_server import default_version
from tests.module_cases import LAYOUTS

# The 12-region layout of upstream's research note: the most ports a command is asked to call at once.
REGIONS = list(LAYOUTS["12-region"]["region_ports"])

# Go's build information framing (debug/buildinfo; cmd/go's modload infoStart and infoEnd).
GO_BUILD_INFO_MAGIC = b"\xff Go buildinf:"
GO_INFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
GO_INFO_END = bytes.fromhex("f932433186182072008242104116d8f2")


def upstream_build_info(region: str = "us-east-1", tag: str = "use1", version: str = "0.1.8", router: bool = False):
    """What `go version -m` reads from one of upstream's release binaries: main package, module, SDK, build flags.

    As its .goreleaser.yaml builds them at v0.1.8 (tags region_<tag>,
    -ldflags "-s -w -X main.version={{ .Version }}", CGO off) from its go.mod
    (module github.com/rshade/finfocus-plugin-aws-public, finfocus-spec
    v0.6.0). The dependency's checksum and the other dependencies are left out.
    """
    command = "finfocus-plugin-aws-public-router" if router else "finfocus-plugin-aws-public"
    lines = [
        f"path\tgithub.com/rshade/finfocus-plugin-aws-public/cmd/{command}",
        f"mod\tgithub.com/rshade/finfocus-plugin-aws-public\tv{version}\t",
        "dep\tgithub.com/rshade/finfocus-spec\tv0.6.0",
        "build\t-buildmode=exe",
        "build\t-compiler=gc",
        f'build\t-ldflags="-s -w -X main.version={version}"',
        *([] if router else [f"build\t-tags=region_{tag}"]),
        "build\tCGO_ENABLED=0",
        "build\tGOARCH=amd64",
        "build\tGOOS=linux",
    ]
    return "go1.25.8", "\n".join(lines) + "\n"


def go_build_info_blob(go_version: str, module_info: str) -> bytes:
    """The blob the Go linker writes (Go 1.18 and later): magic, pointer size, flags (strings inline), two strings."""

    def uvarint(value: int) -> bytes:
        encoded = b""
        while value >= 0x80:
            encoded += bytes([value & 0x7F | 0x80])
            value >>= 7
        return encoded + bytes([value])

    def string(data: bytes) -> bytes:
        return uvarint(len(data)) + data

    header = GO_BUILD_INFO_MAGIC + bytes([8, 0x2]) + bytes(32 - len(GO_BUILD_INFO_MAGIC) - 2)
    return header + string(go_version.encode()) + string(GO_INFO_START + module_info.encode() + GO_INFO_END)


def installed_plugin(binary: Path, region: str, build_info: tuple[str, str] | None = None) -> Path:
    """A plugin at binary (PLUGINS/NAME/VERSION/FILE) that serves region as the real binary does; its directory.

    With build_info, the file carries that Go build information after the
    line that execs the stand-in: the shell never reads past it, and
    connect reads it as it reads a real Go binary.
    """
    binary.parent.mkdir(parents=True, exist_ok=True)
    program = binary.parent / "region.py"  # not executable: the core never picks it
    program.write_text(
        f"import sys\nfrom finfocus_ecs.rehearsal.region_server import main\nsys.exit(main({region!r}, sys.argv[1:]))\n"
    )
    environment = " ".join(f"{name}={value}" for name, value in IMAGE_ENV.items())
    script = f'#!/bin/sh\nexec env {environment} {sys.executable} {program} "$@"\n'.encode()
    binary.write_bytes(script + (go_build_info_blob(*build_info) if build_info else b""))
    binary.chmod(0o755)
    return binary.parent


# The image's ENV (web mode and /healthz on), as every deployment runs the binaries; PATH is the container's own.
IMAGE_ENV = {name: value for name, value in PLUGIN.env.items() if name != "PATH"}


def start_region(region: str, version: str | None = None, **env: str) -> tuple[subprocess.Popen, int]:
    """A region stand-in on an ephemeral loopback port, as the binary takes one with no port given.

    version: the release it reports, as the image stand-in of that tag builds it (default: the module's,
    read here once rather than by every stand-in). env: on top of the image's ENV.
    """
    version = version or default_version()
    clean = {key: value for key, value in os.environ.items() if key not in ("PORT", "FINFOCUS_PLUGIN_PORT")}
    program = (
        f"from finfocus_ecs.rehearsal.region_server import main\nraise SystemExit(main({region!r}, [], {version!r}))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", program],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**clean, **IMAGE_ENV, **env},
    )
    return process, announced_port(process)


def announced_port(process: subprocess.Popen) -> int:
    """The port from the one stdout line the plugin writes once it listens (`PORT=N`)."""
    line = process.stdout.readline()
    if not line.startswith("PORT="):
        process.kill()
        raise RuntimeError(f"the region stand-in did not announce its port: {line!r} (exit {process.wait()})")
    return int(line.removeprefix("PORT="))


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=5)
    process.stdout.close()


@contextmanager
def listener(close_at_once: bool) -> Iterator[int]:
    """A TCP port that accepts and then closes every connection, or never answers (the kernel's backlog)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    def accept_and_close() -> None:
        with sock:
            while True:
                try:
                    connection, _ = sock.accept()
                except OSError:
                    return
                connection.close()

    if close_at_once:
        threading.Thread(target=accept_and_close, daemon=True).start()
    try:
        yield sock.getsockname()[1]
    finally:
        with socket.socket() as wake:  # unblock accept(), then close
            wake.connect_ex(sock.getsockname())
        sock.close()


class Silent:
    """Ports that accept connections and never answer, like `listener(close_at_once=False)`, noting how many
    connections they had accepted when a client first gave up on one (closed it): what proves that calls
    overlap, with no clock read. One after another, a call gives up before the next one connects; at once,
    every call has connected by then. (A gRPC client keeps its connection open past a call's deadline, so
    a port called only over gRPC never sees a client give up.)"""

    def __init__(self) -> None:
        self.accepted = 0
        self.accepted_when_first_closed: int | None = None
        self._lock = threading.Lock()

    def _hold(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            while connection.recv(65536):  # what the client sends is never answered
                pass
        with self._lock:
            if self.accepted_when_first_closed is None:
                self.accepted_when_first_closed = self.accepted

    @contextmanager
    def port(self) -> Iterator[int]:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)

        def accept() -> None:
            while True:
                try:
                    connection, _ = sock.accept()
                except OSError:
                    return
                with self._lock:
                    self.accepted += 1
                threading.Thread(target=self._hold, args=(connection,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        try:
            yield sock.getsockname()[1]
        finally:
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@contextmanager
def refused() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield port


class HealthzOnly(BaseHTTPRequestHandler):
    """GET /healthz 200 ok over HTTP/1.1 and nothing else, as a plain web server.

    Python answers a request line it cannot parse (the HTTP/2 preface) as
    HTTP/0.9: an error page with no status line.
    """

    def do_GET(self) -> None:
        body = b"ok"
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class HealthzWithStatusLines(HealthzOnly):
    """The same, with a status line on every answer, as nginx, Go and load balancers answer the preface."""

    default_request_version = "HTTP/1.1"


@contextmanager
def http_server(
    wrap: Callable[[socket.socket], socket.socket] | None = None, handler: type[HealthzOnly] = HealthzWithStatusLines
) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if wrap:
        server.socket = wrap(server.socket)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def self_signed(directory: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return context
