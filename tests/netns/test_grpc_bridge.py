"""gRPC through the port bridge, as FinFocus calls the plugin: h2c from another host, via HAProxy.

The regions are finfocus_ecs.rehearsal.region_server, which serves HTTP/1.1
/healthz and gRPC on one loopback port as the real binary does. The clients
run in the "client" namespace and call TASK_IP:PORT, which only the
module's rendered bridge script (the one ECS runs) makes reachable.

One task host (every region plus the bridge) serves most tests of this file,
because starting it costs more than the tests; a test that stops a region
starts it again before it ends. The last test holds the stand-in to the
binary's own contract (port precedence, /healthz switches, signals), which
the tests of the bridge rely on.
"""

from __future__ import annotations

import re
import signal
import subprocess
from dataclasses import dataclass

import pytest

from tests.netns.harness import TASK_IP, TwoHosts

# Skipped where namespaces cannot be built, never in CI (tests/conftest.py).
pytestmark = [pytest.mark.netns, pytest.mark.usefixtures("rehearsal_available")]


@dataclass
class Task:
    """The two hosts, with every region and the module's bridge running on the task host."""

    hosts: TwoHosts
    region_ports: dict[str, int]
    plugins: dict[str, subprocess.Popen]


def start_task(hosts: TwoHosts, script: str, region_ports: dict[str, int], run_dir, running=None) -> dict:
    """The regions in running (all by default) and the bridge, listening on every port of region_ports."""
    plugins = hosts.start_plugins(region_ports if running is None else running)
    metadata = hosts.start_metadata()
    bridge = hosts.start_bridge(script, {"ECS_CONTAINER_METADATA_URI_V4": metadata}, run_dir)
    listening = hosts.wait_for_listeners(len(region_ports))
    assert listening == set(region_ports.values()), bridge.stderr.read() if bridge.poll() is not None else ""
    return plugins


@pytest.fixture(scope="module")
def planned(module_cases):
    outputs = module_cases.output("defaults")
    return outputs["port_bridge_script"], {region: int(port) for region, port in outputs["region_ports"].items()}


@pytest.fixture(scope="module")
def task(planned, tmp_path_factory):
    script, region_ports = planned
    with TwoHosts("grpc") as hosts:
        plugins = start_task(hosts, script, region_ports, tmp_path_factory.mktemp("bridge"))
        yield Task(hosts, region_ports, plugins)


def test_every_regional_port_answers_grpc_through_the_bridge(task):
    """Health SERVING and Name = the port's region, on every port; the server sees the bridge as its peer."""
    results = task.hosts.grpc_check(sorted(task.region_ports.values()))
    assert {port: (r["status"], r.get("name")) for port, r in results.items()} == {
        port: ("ok", region) for region, port in task.region_ports.items()
    }, results
    assert {r["peer"].rpartition(":")[0] for r in results.values()} == {"127.0.0.1"}, "HAProxy connects on loopback"


def test_a_stopped_region_fails_fast_with_unavailable(task):
    """A stopped region: UNAVAILABLE quickly, never a hang until the deadline; its neighbours keep answering."""
    (region, port), (neighbour, neighbour_port) = list(task.region_ports.items())[2:4]
    task.plugins[region].send_signal(signal.SIGTERM)
    assert task.plugins[region].wait(timeout=2) == 0, "the region stand-in exits 0 on SIGTERM"
    try:
        results = task.hosts.grpc_check([port, neighbour_port], timeout=10)
    finally:
        task.plugins[region] = task.hosts.start_plugin(region, port)
    stopped = results[port]
    assert (stopped["status"], stopped["name_error"]) == ("closed", "UNAVAILABLE"), stopped
    # HAProxy accepts, retries the dead region 3 times a second apart, then closes: about 3 s.
    # The health check then probes for TLS for up to 0.5 s more, to tell a TLS port from a closing one.
    assert stopped["seconds"] < 5 and stopped["name_seconds"] < 5, "fails well before the 10 s deadline"
    assert results[neighbour_port]["name"] == neighbour
    assert task.hosts.grpc_check([port])[port]["name"] == region, "answers again once restarted"


def test_concurrent_calls_share_one_connection_as_without_the_bridge(task):
    """400 calls, 50 in flight, over one channel: all answer, over one connection, bridged as direct."""
    region, port = next(iter(task.region_ports.items()))
    direct = task.hosts.run_client(task.hosts.task_ns, "grpc-burst", "127.0.0.1", port, 400, 50)
    bridged = task.hosts.run_client(task.hosts.client_ns, "grpc-burst", TASK_IP, port, 400, 50)
    for run in (direct, bridged):
        assert run["failures"] == [] and run["names"] == [region]
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
    (1 h in the module, 2 s here). Each client calls Name, stays silent 3 s
    and calls Name again on the same channel. Name reports the TCP peer the
    region server accepted the connection from: through the bridge, that is
    HAProxy's source port, one per client connection. The same peer twice
    means one connection; a new peer means the bridge closed it and gRPC
    reconnected (transparently: the call still succeeds). Direct on loopback
    the connection survives the silence; through the bridge it survives only
    when the client sends keepalive pings more often than the timeout. grpcio
    sends at most one ping a second whatever keepalive_time_ms asks, so a
    timeout of 1 s races with the pings: hence 2 s.
    """
    script, region_ports = planned
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
    assert {name: tuple(r["names"]) for name, r in results.items()} == dict.fromkeys(runs, (region, region))
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
    ports = {name: hosts.await_listening(name, process)["port"] for name, process in starts.items()}
    assert (ports["flag"], ports["env"], ports["legacy"]) == (flag, env_port, legacy)
    assert ports["none"] not in (0, flag, env_port, legacy, 9104)

    http = hosts.probe(sorted(ports.values()), host="127.0.0.1", namespace=hosts.task_ns)
    grpc = hosts.grpc_check(sorted(ports.values()), host="127.0.0.1", namespace=hosts.task_ns)
    assert {port: (result["http"] == 200, result.get("http_region")) for port, result in http.items()} == {
        **{port: (True, "us-east-1") for port in ports.values()},
        9104: (False, "us-west-2"),
    }
    assert {port: result["status"] for port, result in grpc.items()} == dict.fromkeys(ports.values(), "ok")
    for process in starts.values():
        process.send_signal(signal.SIGINT)
    assert [process.wait(timeout=2) for process in starts.values()] == [0] * len(starts)
