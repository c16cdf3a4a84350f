"""Every kind of client through the port bridge: gRPC as FinFocus, Connect as curl and scripts, CORS as browsers.

The regions are finfocus_ecs.rehearsal.region_server, which serves HTTP/1.1
and h2c on one loopback port as the real binary does (Connect, gRPC,
gRPC-Web, /healthz, grpc.health.v1). The clients run in the "client"
namespace and call TASK_IP:PORT, which only the module's rendered bridge
script (the one ECS runs) makes reachable.

One task host (every region plus the bridge) serves most tests of this file,
because starting it costs more than the tests; its regions run with the
environment the module plans for a deployment with CORS on, so browsers'
requests can be shown too. A test that stops a region starts it again
before it ends. The last test holds the stand-in to the binary's own
contract (port precedence, /healthz switches, signals), which the tests of
the bridge rely on. The FinFocus core is tests/core_standin.py, with the
local plugin `finfocus-ecs connect` installs, both on the client host.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from finfocus_ecs.rehearsal.region_service import price_table
from tests.core_standin import MODES
from tests.netns.harness import TASK_IP, TwoHosts

# Skipped where namespaces cannot be built, never in CI (tests/conftest.py).
pytestmark = [pytest.mark.netns, pytest.mark.usefixtures("rehearsal_available")]

CORE = Path(__file__).parents[1] / "core_standin.py"
# A deployment with cors_allowed_origins = ["https://app.example.com"] and credentials (tests/module_cases.py).
CORS_CALL = "extras"
ALLOWED_ORIGIN = "https://app.example.com"


@dataclass
class Task:
    """The two hosts, with every region and the module's bridge running on the task host."""

    hosts: TwoHosts
    region_ports: dict[str, int]
    plugins: dict[str, subprocess.Popen]
    environment: dict[str, str]


def start_task(hosts: TwoHosts, script: str, region_ports: dict[str, int], run_dir, running=None, env=None) -> dict:
    """The regions in running (all by default) and the bridge, listening on every port of region_ports."""
    plugins = hosts.start_plugins(region_ports if running is None else running, env)
    metadata = hosts.start_metadata()
    bridge = hosts.start_bridge(script, {"ECS_CONTAINER_METADATA_URI_V4": metadata}, run_dir)
    listening = hosts.wait_for_listeners(len(region_ports))
    assert listening == set(region_ports.values()), bridge.stderr.read() if bridge.poll() is not None else ""
    return plugins


@pytest.fixture(scope="module")
def planned(module_cases):
    outputs = module_cases.output(CORS_CALL)
    plugin = module_cases.containers(CORS_CALL)["finfocus-plugin"]
    environment = {item["name"]: item["value"] for item in plugin["environment"]}
    region_ports = {region: int(port) for region, port in outputs["region_ports"].items()}
    return outputs["port_bridge_script"], region_ports, environment


@pytest.fixture(scope="module")
def task(planned, tmp_path_factory):
    script, region_ports, environment = planned
    with TwoHosts("calls") as hosts:
        plugins = start_task(hosts, script, region_ports, tmp_path_factory.mktemp("bridge"), env=environment)
        yield Task(hosts, region_ports, plugins, environment)


def monthly(region: str, service: str, sku: str, quantity: float = 730) -> float:
    """The stand-in's price for a month: the table's rate x 730 hours (EC2) or x GB (EBS), as the fact sheet says."""
    return price_table()[service]["prices"][region][sku] * quantity


def test_every_regional_port_answers_grpc_through_the_bridge(task):
    """Health SERVING and GetPluginInfo = the port's region, on every port; the server sees the bridge as its peer."""
    results = task.hosts.grpc_check(sorted(task.region_ports.values()))
    assert {port: (r["kind"], r.get("region")) for port, r in results.items()} == {
        port: ("ok", region) for region, port in task.region_ports.items()
    }, results
    assert {r["peer"].rpartition(":")[0] for r in results.values()} == {"127.0.0.1"}, "HAProxy connects on loopback"


def test_every_port_prices_its_region_over_connect_http1_connect_h2c_and_grpc(task):
    """One EC2 t3.micro per port over each protocol, from the client host: the port's region's price, each time."""
    results = task.hosts.probe(task.region_ports, with_grpc=True)
    assert {port: result["prices"] for port, result in results.items()} == {
        port: dict.fromkeys(("connect", "connect-h2c", "grpc"), monthly(region, "ec2", "t3.micro"))
        for region, port in task.region_ports.items()
    }


@pytest.mark.parametrize(
    ("protocol", "service", "sku", "tags", "quantity"),
    [("connect", "ebs", "gp3", ["--tag", "size=100"], 100), ("grpc", "ec2", "m5.large", [], 730)],
)
def test_price_command_from_the_client_host_gives_every_region_cheapest_first(
    task, protocol, service, sku, tags, quantity
):
    mapping = ",".join(f"{region}={port}" for region, port in task.region_ports.items())
    command = [sys.executable, "-m", "finfocus_ecs.cli", "price", TASK_IP, "--resource-type", service, "--sku", sku]
    completed = task.hosts.on_client(
        [*command, *tags, "--region-ports", mapping, "--protocol", protocol, "--json"], timeout=30
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    rows = result["results"]
    assert [(row["region"], row["port"]) for row in rows] == sorted(
        task.region_ports.items(), key=lambda item: (monthly(item[0], service, sku, quantity), item[1])
    ), "cheapest first"
    assert {row["region"]: row["cost_per_month"] for row in rows} == {
        region: pytest.approx(monthly(region, service, sku, quantity)) for region in task.region_ports
    }
    assert {(row["unit"], row["currency"], row["error"]) for row in rows} == {
        ("GB-month" if service == "ebs" else "hour", "USD", None)
    }


def cors_headers(response: dict) -> dict[str, str]:
    return {name: value for name, value in response["headers"].items() if name.startswith("access-control-")}


def test_browsers_get_cors_headers_only_for_the_allowed_origin(task):
    """cors_allowed_origins reaches the plugin as the module renders it; the SDK's middleware answers, bridged."""
    port = task.region_ports["us-east-1"]
    path = "/finfocus.v1.CostSourceService/GetPluginInfo"
    json_post = {"Content-Type": "application/json"}
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    requests = [
        {"method": method, "port": port, "path": path, "headers": {"Origin": origin, **headers}, "body": body}
        for origin in (ALLOWED_ORIGIN, "https://evil.example")
        for method, headers, body in (("OPTIONS", preflight, None), ("POST", json_post, "{}"))
    ]
    allowed_preflight, allowed_post, other_preflight, other_post = task.hosts.run_client(
        task.hosts.client_ns, "http", TASK_IP, stdin=requests
    )
    # The headers of the fact sheet (calling-the-plugin.md 1.6; finfocus-spec options.go).
    expected = {
        "access-control-allow-origin": ALLOWED_ORIGIN,
        "access-control-allow-methods": "POST, GET, OPTIONS",
        "access-control-allow-headers": "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization, "
        "X-CSRF-Token, X-Requested-With, Connect-Protocol-Version, Connect-Timeout-Ms, Grpc-Timeout, X-Grpc-Web, "
        "X-User-Agent",
        "access-control-expose-headers": "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin, "
        "Connect-Content-Encoding, Connect-Content-Type",
        "access-control-allow-credentials": "true",
    }
    assert task.environment["FINFOCUS_CORS_ALLOW_CREDENTIALS"] == "true"
    assert (allowed_preflight["status"], cors_headers(allowed_preflight)) == (
        204,
        {**expected, "access-control-max-age": "86400"},
    )
    assert (allowed_post["status"], cors_headers(allowed_post)) == (200, expected)
    assert json.loads(allowed_post["body"])["metadata"]["region"] == "us-east-1"
    for other in (other_preflight, other_post):
        assert cors_headers(other) == {}, "an origin that is not allowed gets no CORS headers"
        assert other["headers"]["vary"] == "Origin"
    assert other_post["status"] == 200, "the request itself still passes: CORS is the browser's to enforce"


@pytest.mark.parametrize("mode", MODES)
def test_the_finfocus_core_prices_through_connect_and_the_bridge(task, tmp_path, mode):
    """`finfocus-ecs connect` on a client host, then the core stand-in there: every region priced through the bridge.

    A region the deployment lacks and a region whose process is down each fail
    at once (v0.2.6 sets no deadline on this path: the plugin's 3 s is the
    bound), so the core goes on without a price for them.
    """
    plugins = tmp_path / "finfocus" / "plugins"
    mapping = ",".join(f"{region}={port}" for region, port in task.region_ports.items())
    connect = [sys.executable, "-m", "finfocus_ecs.cli", "connect", TASK_IP, "--region-ports", mapping]
    completed = task.hosts.on_client([*connect, "--plugin-dir", str(plugins)], timeout=60)
    assert completed.returncode == 0, completed.stderr
    priced, down = ["us-east-1", "eu-west-1", "sa-east-1"], "ap-south-1"
    resources = tmp_path / "resources.json"
    resources.write_text(json.dumps([core_instance(region) for region in (*priced, "eu-central-1", down)]))
    task.plugins[down].send_signal(signal.SIGTERM)
    task.plugins[down].wait(timeout=5)
    where = f"FINFOCUS_PLUGIN_DIR={plugins}" if mode == "v0.4" else f"FINFOCUS_HOME={plugins.parent}"
    output, log = tmp_path / "core.out", tmp_path / "core.err"
    # Output to files, not the harness's pipes: a plugin process that outlived the core could hold those open.
    run = 'exec env "$1" "$2" "$3" --mode "$4" "$5" > "$6" 2> "$7"'
    try:
        core = task.hosts.on_client(
            ["sh", "-c", run, "sh", where, sys.executable, str(CORE), mode, str(resources), str(output), str(log)],
            timeout=120,  # a hang guard only
        )
    finally:
        task.plugins[down] = task.hosts.start_plugin(down, task.region_ports[down], task.environment)
    assert core.returncode == 0, log.read_text()
    report = json.loads(output.read_text())
    results = {result["urn"].split("web-")[1]: result for result in report["results"]}
    assert {region: results[region]["cost_per_month"] for region in priced} == {
        region: pytest.approx(monthly(region, "ec2", "t3.micro")) for region in priced
    }
    missing = results["eu-central-1"]
    if mode == "v0.4":
        assert missing["errors"] == [] and "declines eu-central-1" in log.read_text(), "Supports declined it"
    else:
        assert [error["code"] for error in missing["errors"]] == ["FAILED_PRECONDITION"]
    # The bridge closes the connection of a region that is down: the plugin's call fails there, not at a deadline.
    assert [(error["code"], error["message"].split(": ")[0]) for error in results[down]["errors"]] == [
        ("UNAVAILABLE", f"{TASK_IP}:{task.region_ports[down]} did not answer")
    ]
    assert [plugin["launches"] for plugin in report["plugins"]] == [1]
    assert report["outlived_sigkill"] == {"aws-public": []}


def core_instance(region: str) -> dict:
    """A Pulumi EC2 instance as the core reads it from a preview."""
    return {
        "urn": f"urn:pulumi:dev::shop::aws:ec2/instance:Instance::web-{region}",
        "type": "aws:ec2/instance:Instance",
        "properties": {"instanceType": "t3.micro", "region": region},
    }


def test_a_stopped_region_fails_at_once_so_clients_can_fail_over(task):
    """A stopped region: gRPC UNAVAILABLE and a closed HTTP connection, inside a 1 s deadline; neighbours answer.

    The bridge tries a dead region once (retries 0): HAProxy's default of 3
    retries a second apart held every client 3 s for a region that never
    comes back in place (ECS replaces the whole task).
    """
    (region, port), (neighbour, neighbour_port) = list(task.region_ports.items())[2:4]
    task.plugins[region].send_signal(signal.SIGTERM)
    assert task.plugins[region].wait(timeout=5) == 0, "the region stand-in exits 0 on SIGTERM"
    try:
        calls = task.hosts.run_client(task.hosts.client_ns, "dead-call", TASK_IP, port, 3, 1)
        results = task.hosts.grpc_check([port, neighbour_port], timeout=1)
    finally:
        task.plugins[region] = task.hosts.start_plugin(region, port, task.environment)
    assert {call["ended"] for call in calls["grpc"]} == {"UNAVAILABLE"}, calls
    assert {call["ended"] for call in calls["http"]} <= {"RemoteDisconnected", "ConnectionResetError"}, calls
    stopped = results[port]
    assert (stopped["kind"], stopped["identity_error"]) == ("closed", "UNAVAILABLE"), stopped
    assert results[neighbour_port]["region"] == neighbour
    assert task.hosts.grpc_check([port])[port]["region"] == region, "answers again once restarted"


def test_concurrent_calls_share_one_connection_as_without_the_bridge(task):
    """400 calls, 50 in flight, over one channel: all answer, over one connection, bridged as direct."""
    region, port = next(iter(task.region_ports.items()))
    direct = task.hosts.run_client(task.hosts.task_ns, "grpc-burst", "127.0.0.1", port, 400, 50)
    bridged = task.hosts.run_client(task.hosts.client_ns, "grpc-burst", TASK_IP, port, 400, 50)
    for run in (direct, bridged):
        assert run["failures"] == [] and run["regions"] == [region]
        assert len(run["peers"]) == 1, "every call rode the same HTTP/2 connection"


BRIDGE_TIMEOUT_SECONDS = 2
IDLE_SECONDS = 3
# Asked for every 500 ms; grpcio spaces pings at least 1 s apart, still well inside the 2 s timeout.
KEEPALIVE_MS = 500


def shortened(script: str, seconds: int) -> str:
    """The module's bridge script with HAProxy's idle timeouts cut from an hour to seconds."""
    rendered, count = re.subn(r"timeout (client|server) \S+", rf"timeout \1 {seconds}s", script)
    assert count == 2, "the bridge script no longer sets timeout client and timeout server"
    return rendered


def test_keepalive_keeps_a_connection_open_past_the_bridge_timeout(planned, tmp_path):
    """An idle connection outlives HAProxy's idle timeout only with gRPC keepalive.

    HAProxy closes a TCP connection idle for `timeout client`/`timeout server`
    (1 h in the module, 2 s here). Each client calls GetPluginInfo, stays
    silent 3 s and calls it again on the same channel. The stand-in reports
    the TCP peer it accepted the connection from: through the bridge, that is
    HAProxy's source port, one per client connection. The same peer twice
    means one connection; a new peer means the bridge closed it and gRPC
    reconnected (transparently: the call still succeeds). Direct on loopback
    the connection survives the silence; through the bridge it survives only
    when the client sends keepalive pings more often than the timeout. grpcio
    sends at most one ping a second whatever keepalive_time_ms asks, so a
    timeout of 1 s races with the pings: hence 2 s.
    """
    script, region_ports, _ = planned
    region, port = next(iter(region_ports.items()))
    with TwoHosts("grpcka") as hosts:
        start_task(hosts, shortened(script, BRIDGE_TIMEOUT_SECONDS), region_ports, tmp_path, {region: port})
        runs = {  # (namespace, host, keepalive ms), all at once: the file's time is the longest one
            "direct": (hosts.task_ns, "127.0.0.1", 0),
            "bridged": (hosts.client_ns, TASK_IP, 0),
            "bridged_keepalive": (hosts.client_ns, TASK_IP, KEEPALIVE_MS),
        }
        clients = {
            name: hosts.start_client(namespace, "grpc-hold", host, port, IDLE_SECONDS, keepalive_ms)
            for name, (namespace, host, keepalive_ms) in runs.items()
        }
        results = {name: hosts.client_result(process) for name, process in clients.items()}
    assert {name: tuple(r["regions"]) for name, r in results.items()} == dict.fromkeys(runs, (region, region))
    same_connection = {name: r["peers"][0] == r["peers"][1] for name, r in results.items()}
    assert same_connection == {"direct": True, "bridged": False, "bridged_keepalive": True}, results


def test_the_region_standin_takes_its_port_and_health_settings_as_the_binary_does(task):
    """--port, then FINFOCUS_PLUGIN_PORT, then PORT, else an ephemeral port; /healthz off leaves gRPC on."""
    hosts = task.hosts
    flag, env_port, legacy = 9101, 9102, 9103
    both = {"FINFOCUS_PLUGIN_PORT": str(env_port), "PORT": str(legacy)}
    starts = {
        "flag": hosts.spawn_region("us-east-1", "--port", str(flag), env=both),
        "env": hosts.spawn_region("us-east-1", env=both),
        "legacy": hosts.spawn_region("us-east-1", env={"FINFOCUS_PLUGIN_PORT": "", "PORT": str(legacy)}),
        "none": hosts.spawn_region("us-east-1", env={"PORT": "", "FINFOCUS_PLUGIN_PORT": ""}),
        "no-healthz": hosts.spawn_region("us-west-2", "-port=9104", env={"FINFOCUS_PLUGIN_HEALTH_ENDPOINT": "false"}),
    }
    ports = {name: hosts.await_listening(name, process) for name, process in starts.items()}
    assert (ports["flag"], ports["env"], ports["legacy"]) == (flag, env_port, legacy)
    assert ports["none"] not in (0, flag, env_port, legacy, 9104)

    served = {f"{name}-region": port for name, port in ports.items()}
    http = hosts.probe(served, host="127.0.0.1", namespace=hosts.task_ns)
    grpc = hosts.grpc_check(sorted(ports.values()), host="127.0.0.1", namespace=hosts.task_ns)
    assert {port: (result["http"] == 200, result.get("region")) for port, result in http.items()} == {
        **{port: (True, "us-east-1") for port in ports.values()},
        9104: (False, "us-west-2"),
    }
    assert {port: result["kind"] for port, result in grpc.items()} == dict.fromkeys(ports.values(), "ok")
    for process in starts.values():
        process.send_signal(signal.SIGINT)
    assert [process.wait(timeout=5) for process in starts.values()] == [0] * len(starts)
