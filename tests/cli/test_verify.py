"""`finfocus-ecs verify` against stand-ins on loopback: healthy, refusing, hanging, unresolvable."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from finfocus_ecs.verify import verify
from tests.commands import run_cli

REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


class Healthy(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def servers():
    """One healthy HTTP server per region on free loopback ports."""
    started = []
    for _ in REGIONS:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(server)
    yield {region: server.server_address[1] for region, server in zip(REGIONS, started, strict=True)}
    for server in started:
        server.shutdown()
        server.server_close()


def unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def hanging_port():
    """Accepts connections (the kernel's backlog) but never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def test_every_port_healthy(servers):
    checks = verify("localhost", servers, timeout=2)
    assert {c.region: c.status for c in checks} == dict.fromkeys(REGIONS, "ok")
    assert [c.port for c in checks] == sorted(servers.values()), "rows come in port order"


def test_one_port_refusing_names_its_cause(servers):
    ports = {**servers, "eu-west-1": unused_port()}
    checks = {c.region: c for c in verify("127.0.0.1", ports, timeout=2)}
    assert checks["eu-west-1"].status == "refused"
    assert "port bridge" in checks["eu-west-1"].cause
    assert checks["us-east-1"].ok and checks["us-west-2"].ok


def test_one_port_hanging_times_out_without_holding_the_others(servers, hanging_port):
    ports = {**servers, "us-west-2": hanging_port}
    checks = {c.region: c for c in verify("127.0.0.1", ports, timeout=0.5)}
    assert checks["us-west-2"].status == "timeout"
    assert "security group" in checks["us-west-2"].cause
    assert checks["us-east-1"].ok and checks["us-east-1"].seconds < 0.5


def test_name_that_does_not_resolve():
    checks = verify("aws-public.finfocus.invalid", {"us-east-1": 8001}, timeout=1)
    assert [(c.status, c.detail) for c in checks] == [("dns", "aws-public.finfocus.invalid does not resolve")]
    assert "VPC" in checks[0].cause


def test_command_exit_codes_and_rows(servers, hanging_port):
    mapping = ",".join(f"{region}={port}" for region, port in {**servers, "eu-west-1": unused_port()}.items())
    completed = run_cli("verify", "127.0.0.1", "--region-ports", mapping, "--json", "--timeout", "1")
    assert completed.returncode == 1
    rows = {row["region"]: row for row in json.loads(completed.stdout)}
    assert rows["eu-west-1"]["status"] == "refused" and rows["us-east-1"]["status"] == "ok"

    healthy = ",".join(f"{region}={port}" for region, port in servers.items())
    completed = run_cli("verify", "localhost", "--region-ports", healthy)
    assert completed.returncode == 0, completed.stdout
    assert "3 of 3 ports healthy" in completed.stdout


def test_bad_port_map_is_a_usage_error():
    completed = run_cli("verify", "localhost", "--region-ports", "us-east-1=0")
    assert completed.returncode == 2
    assert "outside 1-65535" in completed.stderr
