"""`finfocus-ecs verify` against region stand-ins on loopback, and against servers that break it.

The healthy ports and the refused, hanging, closing, TLS-only and
HTTP/1-only ones are tests/cli/standins.py's. The other broken servers here:
- other_grpc: grpcio whose health service knows another service only;
- not_serving: grpcio whose health service reports the plugin NOT_SERVING;
- grpc_without_health: grpcio with no health service at all;
- healthz_off: the stand-in with FINFOCUS_PLUGIN_HEALTH_ENDPOINT=false;
- web_mode_off: the stand-in with FINFOCUS_PLUGIN_WEB_ENABLED=false (plain gRPC).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from finfocus_ecs.module import default_region_ports
from finfocus_ecs.plugin_api import SERVICE
from finfocus_ecs.verify import verify
from tests.cli.standins import (
    REGIONS,
    HealthzOnly,
    Silent,
    http_server,
    listener,
    refused,
    self_signed,
    start_region,
    stop,
)
from tests.commands import run_cli


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
def region_standin(region: str, version: str | None = None, **env: str) -> Iterator[int]:
    process, port = start_region(region, version, **env)
    try:
        yield port
    finally:
        stop(process)


def test_every_port_healthy_over_http_grpc_and_as_its_region(standins):
    # A bound on a hang only: twelve stand-ins answering at once under load can take seconds.
    checks = verify("localhost", standins, timeout=10, version="0.1.8")
    assert {c.region: (c.status, c.grpc.kind, c.identity.kind) for c in checks} == dict.fromkeys(
        REGIONS, ("ok", "ok", "ok")
    )
    assert {c.region: c.identity.region for c in checks} == {region: region for region in REGIONS}
    assert all(c.ok and c.cause == "" for c in checks)
    assert [c.port for c in checks] == sorted(standins.values()), "rows come in port order"


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
    "not_serving": (lambda tmp: grpc_server({SERVICE: NOT_SERVING}), "http", "not-serving", "not serving"),
    "grpc_without_health": (lambda tmp: grpc_server(None), "http", "wrong-service", "another service"),
    "healthz_off": (
        lambda tmp: region_standin("eu-west-1", FINFOCUS_PLUGIN_HEALTH_ENDPOINT="false"),
        "http",
        "ok",
        "FINFOCUS_PLUGIN_HEALTH_ENDPOINT",
    ),
    # Plain gRPC mode: GetPluginInfo answers as the plugin, HTTP/1.1 and gRPC health do not: one story, web-off.
    "web_mode_off": (
        lambda tmp: region_standin("eu-west-1", FINFOCUS_PLUGIN_WEB_ENABLED="false"),
        "web-off",
        "web-off",
        "web mode off",
    ),
}


@pytest.mark.parametrize("broken", BROKEN)
def test_each_failure_names_its_likely_cause(standins, tmp_path, broken):
    server, http_status, grpc_status, phrase = BROKEN[broken]
    with server(tmp_path) as port:
        # Under load, twelve healthy ports checked at once may need seconds; only the hanging case waits it out.
        checks = {c.region: c for c in verify("127.0.0.1", {**standins, "eu-west-1": port}, timeout=8)}
    failed = checks.pop("eu-west-1")
    assert (failed.status, failed.grpc.kind, failed.ok) == (http_status, grpc_status, False), failed
    assert phrase in failed.cause
    assert all(check.ok for check in checks.values()), "one broken port does not hold the others"


def test_hanging_ports_are_waited_for_at_once_not_one_after_another(standins):
    """Three ports that never answer cost one timeout, not three: every check of every port is in flight at once.

    When the first check gives up on a silent port (the /healthz one closes
    its connection at its timeout), every check of every silent port has
    connected: /healthz's HTTP connection and gRPC's per port (the health and
    identity checks share it, as grpcio shares a connection between channels
    to one address). One after another, only the first would have. The
    timeout is generous so that, on a loaded machine too, every check has
    started before the first one gives up.
    """
    silent = Silent()
    with ExitStack() as stack:
        hanging = {region: stack.enter_context(silent.port()) for region in REGIONS[:3]}
        checks = {c.region: c for c in verify("127.0.0.1", {**standins, **hanging}, timeout=5)}
    assert {region: (checks[region].status, checks[region].grpc.kind) for region in hanging} == dict.fromkeys(
        hanging, ("timeout", "timeout")
    )
    assert silent.accepted_when_first_closed == 2 * len(hanging), "every check of every silent port at once"
    assert all(checks[region].ok for region in REGIONS[3:])


def test_a_port_with_web_mode_off_tells_one_story_in_every_column():
    """healthz and grpc read web-off, as the cause does; identity still names the region the plugin serves."""
    with region_standin("eu-west-1", FINFOCUS_PLUGIN_WEB_ENABLED="false") as port:
        completed = run_cli("verify", "127.0.0.1", "--region-ports", f"eu-west-1={port}", "--json")
        table = run_cli("verify", "127.0.0.1", "--region-ports", f"eu-west-1={port}")
    assert completed.returncode == table.returncode == 1
    [row] = json.loads(completed.stdout)
    assert (row["status"], row["grpc"]["kind"], row["identity"]["kind"], row["web_mode_off"]) == (
        "web-off",
        "web-off",
        "ok",
        True,
    )
    assert row["cause"] == row["grpc"]["cause"] and row["cause"].startswith("web mode off: the plugin answers gRPC")
    [line] = [line for line in table.stdout.splitlines() if line.startswith("│ eu-west-1 ")]
    assert [cell.strip() for cell in line.split("│")[3:6]] == ["web-off", "web-off", "ok"], line


def test_a_swapped_map_fails_naming_both_regions(standins):
    """The fault the layouts per tag invite: every port answers, but as another region than the map says."""
    swapped = {**standins, "us-west-2": standins["eu-west-1"], "eu-west-1": standins["us-west-2"]}
    checks = {c.region: c for c in verify("127.0.0.1", swapped, timeout=10)}
    for mapped, serving in (("us-west-2", "eu-west-1"), ("eu-west-1", "us-west-2")):
        check = checks[mapped]
        assert (check.status, check.grpc.kind, check.identity.kind, check.ok) == ("ok", "ok", "wrong-region", False)
        assert check.identity.detail == f"port {swapped[mapped]} serves {serving}, not {mapped}"
        assert "does not match the image" in check.cause
    assert all(check.ok for region, check in checks.items() if region not in ("us-west-2", "eu-west-1"))


def test_name_that_does_not_resolve():
    checks = verify("aws-public.finfocus.invalid", {"us-east-1": 8001}, timeout=1)
    assert [(c.status, c.detail, c.grpc, c.identity) for c in checks] == [
        ("dns", "aws-public.finfocus.invalid does not resolve", None, None)
    ]
    assert "VPC" in checks[0].cause and not checks[0].ok


def mapping(ports: dict[str, int]) -> str:
    return ",".join(f"{region}={port}" for region, port in ports.items())


def test_command_checks_twelve_regions_with_three_columns(standins):
    completed = run_cli("verify", "localhost", "--region-ports", mapping(standins))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "12 of 12 ports healthy" in completed.stdout
    for column in ("healthz", "grpc", "identity"):
        assert column in completed.stdout


def test_command_json_and_exit_code(standins):
    with http_server() as http1_port:
        ports = {**standins, "eu-west-1": http1_port}
        completed = run_cli("verify", "127.0.0.1", "--region-ports", mapping(ports), "--json", "--timeout", "10")
    assert completed.returncode == 1
    rows = {row["region"]: row for row in json.loads(completed.stdout)}
    broken = rows["eu-west-1"]
    assert (broken["status"], broken["grpc"]["kind"], broken["ok"]) == ("ok", "http1", False)
    assert "HTTP/1 only" in broken["cause"] and broken["grpc"]["cause"] == broken["cause"]
    healthy = rows["us-east-1"]
    assert (healthy["status"], healthy["grpc"]["kind"], healthy["ok"]) == ("ok", "ok", True)
    assert healthy["grpc"]["detail"] == "SERVING"
    assert (healthy["identity"]["region"], healthy["identity"]["version"], healthy["identity"]["ok"]) == (
        "us-east-1",
        "0.1.8",
        True,
    )


def test_command_exits_1_on_a_swapped_map_and_names_both_regions(standins):
    swapped = {**standins, "us-east-1": standins["us-west-1"], "us-west-1": standins["us-east-1"]}
    completed = run_cli("verify", "127.0.0.1", "--region-ports", mapping(swapped), "--json")
    assert completed.returncode == 1
    rows = {row["region"]: row for row in json.loads(completed.stdout)}
    assert rows["us-east-1"]["identity"]["kind"] == "wrong-region"
    assert rows["us-east-1"]["identity"]["detail"] == f"port {swapped['us-east-1']} serves us-west-1, not us-east-1"


def test_command_holds_each_port_to_the_image_tags_release():
    """--image names the release: a port that reports another one fails, as an older task still running would."""
    old, port = start_region("us-east-1", version="0.1.2")
    try:
        image = "ghcr.io/rshade/finfocus-plugin-aws-public"
        same = run_cli("verify", "127.0.0.1", "--image", f"{image}:v0.1.2", "--region-ports", f"us-east-1={port}")
        other = run_cli(
            "verify", "127.0.0.1", "--image", f"{image}:v0.1.8", "--region-ports", f"us-east-1={port}", "--json"
        )
    finally:
        stop(old)
    assert same.returncode == 0, same.stdout + same.stderr
    assert other.returncode == 1
    [row] = json.loads(other.stdout)
    assert (row["identity"]["kind"], row["identity"]["detail"]) == ("wrong-version", "serves release 0.1.2, not 0.1.8")


def test_bad_port_map_is_a_usage_error():
    completed = run_cli("verify", "localhost", "--region-ports", "us-east-1=0")
    assert completed.returncode == 2
    assert "outside 1-65535" in completed.stderr


def test_an_image_the_module_does_not_know_needs_a_map():
    completed = run_cli("verify", "localhost", "--image", "ghcr.io/rshade/finfocus-plugin-aws-public:v9.9.9")
    assert completed.returncode == 2
    assert "v9.9.9 is not a release this module knows" in completed.stderr and "--region-ports" in completed.stderr


def task_definition(path, image: str, region_ports: dict[str, int]) -> str:
    """A deployed task definition as `aws ecs describe-task-definition` prints it: the bridge maps the ports."""
    document = {
        "taskDefinition": {
            "family": "finfocus-plugin-aws-public",
            "containerDefinitions": [
                {"name": "finfocus-plugin", "image": image, "portMappings": []},
                {
                    "name": "port-bridge",
                    "image": "public.ecr.aws/docker/library/haproxy:3.2-alpine",
                    "portMappings": [
                        {"name": region, "containerPort": port, "hostPort": port, "protocol": "tcp"}
                        for region, port in region_ports.items()
                    ],
                },
            ],
        }
    }
    path.write_text(json.dumps(document))
    return str(path)


def test_the_deployments_task_definition_gives_ports_and_release(tmp_path):
    """A v0.1.5 port where the deployment's task definition runs v0.1.8: the wrong release, named."""
    with region_standin("us-east-1", "0.1.5") as port:
        image = "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8"
        described = task_definition(tmp_path / "td.json", image, {"us-east-1": port})
        completed = run_cli("verify", "127.0.0.1", "--task-definition", described, "--json")
        readable = run_cli("verify", "127.0.0.1", "--task-definition", described)
    assert completed.returncode == 1
    [row] = json.loads(completed.stdout)
    assert (row["identity"]["kind"], row["identity"]["detail"]) == ("wrong-version", "serves release 0.1.5, not 0.1.8")
    assert row["release_expected"] == "0.1.8" and image in row["release_source"]
    assert "Release checked: 0.1.8, the tag of the image of task definition" in " ".join(readable.stdout.split())


def test_a_map_alone_says_the_release_was_not_checked(standins):
    completed = run_cli("verify", "127.0.0.1", "--region-ports", f"us-east-1={standins['us-east-1']}")
    assert completed.returncode == 0, completed.stderr
    text = " ".join(completed.stdout.split())
    assert "Release not checked: --region-ports alone names no image: give --image or --task-definition" in text


def test_a_task_definition_without_the_plugin_is_a_usage_error(tmp_path):
    described = task_definition(tmp_path / "td.json", "nginx:1.27", {"us-east-1": 8001})
    completed = run_cli("verify", "127.0.0.1", "--task-definition", described)
    assert completed.returncode == 2
    assert "does not run the finfocus-plugin-aws-public image" in " ".join(completed.stderr.split())


def test_a_cause_shared_by_every_port_is_printed_once_under_the_table():
    """A name that does not resolve fails all ten ports for one reason: one note, each row pointing at it."""
    ports = {region: 8001 + index for index, region in enumerate(default_region_ports())}
    completed = run_cli("verify", "aws-public.finfocus.invalid", "--region-ports", mapping(ports), "--timeout", "1")
    assert completed.returncode == 1
    [cause] = {check.cause for check in verify("aws-public.finfocus.invalid", ports, timeout=1)}
    printed = " ".join(completed.stdout.split())
    assert printed.count(" ".join(cause.split())) == 1
    assert f"[1] {' '.join(cause.split())}" in printed
    assert printed.count("[1]") == len(ports) + 1, "each row refers to the one note"
