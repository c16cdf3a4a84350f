"""`finfocus-ecs verify` against region stand-ins on loopback, and against servers that break it.

The healthy ports are finfocus_ecs.rehearsal.region_server, which serves
HTTP/1.1 /healthz and gRPC on one port as the real region binary does. Each
broken server stands for one thing a deployment gets wrong; what it does not
reproduce is beside the point, which is the bytes a client sees:
- refused: nothing listens (no bridge, or a region the image lacks);
- hanging: the kernel accepts, nobody answers (a black-holing path);
- closing: accepts and closes at once (the bridge, with its region down);
- tls_only: HTTPS with a self-signed certificate (a TLS terminator);
- http1_only: an HTTP/1.1 server with /healthz (an HTTP-mode proxy), with
  and without a status line in its answer to the HTTP/2 preface;
- other_grpc: grpcio whose health service knows another service only;
- not_serving: grpcio whose health service reports the plugin NOT_SERVING;
- grpc_without_health: grpcio with no health service at all;
- healthz_off: the stand-in with FINFOCUS_PLUGIN_HEALTH_ENDPOINT=false.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from finfocus_ecs.grpc_health import COST_SOURCE_SERVICE
from finfocus_ecs.verify import verify
from tests.commands import run_cli

# The seed's 12-region layout: the most ports verify is asked to check at once.
REGIONS = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-south-1",
    "ca-central-1",
    "sa-east-1",
    "us-gov-west-1",
    "us-gov-east-1",
    "us-west-1",
]


def start_region(region: str, **env: str) -> tuple[subprocess.Popen, int]:
    """A region stand-in on an ephemeral loopback port, as the binary takes one with no port given."""
    clean = {key: value for key, value in os.environ.items() if key not in ("PORT", "FINFOCUS_PLUGIN_PORT")}
    process = subprocess.Popen(
        [sys.executable, "-m", "finfocus_ecs.rehearsal.region_server", region],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**clean, **env},
    )
    return process, json.loads(process.stdout.readline())["port"]


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=5)
    process.stdout.close()


@pytest.fixture(scope="module")
def standins() -> Iterator[dict[str, int]]:
    """Twelve region stand-ins, started at once; region => port."""
    with ThreadPoolExecutor(max_workers=len(REGIONS)) as pool:
        started = dict(zip(REGIONS, pool.map(start_region, REGIONS), strict=True))
    yield {region: port for region, (_, port) in started.items()}
    for process, _ in started.values():
        process.terminate()
    for process, _ in started.values():
        stop(process)


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
    now = datetime.datetime.now(datetime.timezone.utc)
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


@contextmanager
def grpc_server(statuses: dict[str, int] | None) -> Iterator[int]:
    """grpcio on TCP: a health service that knows these services only, or none when None."""
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    if statuses is not None:
        checker = health.HealthServicer()
        for service, status in statuses.items():
            checker.set(service, status)
        health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port
    finally:
        server.stop(0)


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


@contextmanager
def refused() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield port


@contextmanager
def healthz_off() -> Iterator[int]:
    process, port = start_region("us-west-2", FINFOCUS_PLUGIN_HEALTH_ENDPOINT="false")
    try:
        yield port
    finally:
        stop(process)


def test_every_port_healthy_over_http_and_grpc(standins):
    started = time.perf_counter()
    checks = verify("localhost", standins, timeout=2)
    elapsed = time.perf_counter() - started
    assert {c.region: (c.status, c.grpc.status) for c in checks} == dict.fromkeys(REGIONS, ("ok", "ok"))
    assert all(c.ok and c.cause == "" for c in checks)
    assert [c.port for c in checks] == sorted(standins.values()), "rows come in port order"
    assert elapsed < 1.5, f"12 regions took {elapsed:.2f} s: the checks must run concurrently"


SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING

# (server, healthz status, grpc status, a phrase of the likely cause)
BROKEN = {
    "refused": (lambda tmp: refused(), "refused", "refused", "port bridge"),
    "hanging": (lambda tmp: listener(close_at_once=False), "timeout", "timeout", "security group"),
    "closing": (lambda tmp: listener(close_at_once=True), "closed", "closed", "region behind it does not"),
    "tls_only": (lambda tmp: http_server(self_signed(tmp).wrap_socket), "closed", "tls", "speaks TLS"),
    "http1_only": (lambda tmp: http_server(), "ok", "http1", "HTTP/1 only"),
    "http1_no_status_line": (lambda tmp: http_server(handler=HealthzOnly), "ok", "http1", "HTTP/1 only"),
    "other_grpc": (lambda tmp: grpc_server({"other.v1.Service": SERVING}), "http", "wrong-service", "another service"),
    "not_serving": (lambda tmp: grpc_server({COST_SOURCE_SERVICE: NOT_SERVING}), "http", "not-serving", "not serving"),
    "grpc_without_health": (lambda tmp: grpc_server(None), "http", "wrong-service", "another service"),
    "healthz_off": (lambda tmp: healthz_off(), "http", "ok", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT"),
}


@pytest.mark.parametrize("broken", BROKEN)
def test_each_failure_names_its_likely_cause(standins, tmp_path, broken):
    server, http_status, grpc_status, phrase = BROKEN[broken]
    with server(tmp_path) as port:
        checks = {c.region: c for c in verify("127.0.0.1", {**standins, "eu-west-1": port}, timeout=1)}
    failed = checks.pop("eu-west-1")
    assert (failed.status, failed.grpc.status, failed.ok) == (http_status, grpc_status, False), failed
    assert phrase in failed.cause
    assert all(check.ok for check in checks.values()), "one broken port does not hold the others"


def test_a_hanging_port_does_not_slow_the_others(standins):
    with listener(close_at_once=False) as port:
        checks = {c.region: c for c in verify("127.0.0.1", {**standins, "us-west-2": port}, timeout=0.5)}
    assert checks["us-west-2"].grpc.status == "timeout"
    assert checks["us-east-1"].ok and checks["us-east-1"].seconds < 0.5 and checks["us-east-1"].grpc.seconds < 0.5


def test_name_that_does_not_resolve():
    checks = verify("aws-public.finfocus.invalid", {"us-east-1": 8001}, timeout=1)
    assert [(c.status, c.detail, c.grpc) for c in checks] == [
        ("dns", "aws-public.finfocus.invalid does not resolve", None)
    ]
    assert "VPC" in checks[0].cause and not checks[0].ok


def test_command_checks_twelve_regions_in_under_two_seconds(standins):
    mapping = ",".join(f"{region}={port}" for region, port in standins.items())
    started = time.perf_counter()
    completed = run_cli("verify", "localhost", "--region-ports", mapping)
    elapsed = time.perf_counter() - started
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "12 of 12 ports healthy" in completed.stdout
    assert "healthz" in completed.stdout and "grpc" in completed.stdout
    assert elapsed < 2, f"finfocus-ecs verify took {elapsed:.2f} s for 12 regions"


def test_command_json_and_exit_code(standins):
    with http_server() as http1_port:
        ports = {**standins, "eu-west-1": http1_port}
        mapping = ",".join(f"{region}={port}" for region, port in ports.items())
        completed = run_cli("verify", "127.0.0.1", "--region-ports", mapping, "--json", "--timeout", "1")
    assert completed.returncode == 1
    rows = {row["region"]: row for row in json.loads(completed.stdout)}
    broken = rows["eu-west-1"]
    assert (broken["status"], broken["grpc"]["status"], broken["ok"]) == ("ok", "http1", False)
    assert "HTTP/1 only" in broken["cause"] and broken["grpc"]["cause"] == broken["cause"]
    healthy = rows["us-east-1"]
    assert (healthy["status"], healthy["grpc"]["status"], healthy["ok"]) == ("ok", "ok", True)
    assert healthy["grpc"]["detail"] == "SERVING"


def test_bad_port_map_is_a_usage_error():
    completed = run_cli("verify", "localhost", "--region-ports", "us-east-1=0")
    assert completed.returncode == 2
    assert "outside 1-65535" in completed.stderr
