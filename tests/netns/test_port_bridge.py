"""The port bridge, run for real: HAProxy in a "task" namespace, reached from a "client" namespace.

The stand-in plugin binds 127.0.0.1 on every regional port, exactly as the
real image does, so these tests first show the problem and then that the
module's rendered bridge script (the one ECS runs) solves it.
"""

from __future__ import annotations

import time

import pytest

from finfocus_ecs.module import default_region_ports
from tests.module_cases import TEN_REGIONS
from tests.netns.harness import TASK_IP, TwoHosts, busybox_shell

# Skipped where namespaces cannot be built, never in CI (tests/conftest.py).
pytestmark = [pytest.mark.netns, pytest.mark.usefixtures("rehearsal_available")]


@pytest.fixture(scope="module")
def scripts(module_cases):
    return {
        "defaults": module_cases.output("defaults")["port_bridge_script"],
        "ten_regions": module_cases.output("ten_regions")["port_bridge_script"],
    }


@pytest.fixture
def hosts(request):
    with TwoHosts(request.node.name[:6]) as two_hosts:
        yield two_hosts


def start_bridge(hosts, script, tmp_path, shell=("/bin/sh",), **env):
    metadata_url = hosts.start_metadata()
    return hosts.start_bridge(script, {"ECS_CONTAINER_METADATA_URI_V4": metadata_url, **env}, tmp_path, shell)


def test_without_the_bridge_regional_ports_refuse_other_hosts(hosts):
    region_ports = default_region_ports()
    hosts.start_plugins(region_ports)
    first_region, first_port = next(iter(region_ports.items()))
    inside = hosts.probe({first_region: first_port}, host="127.0.0.1", namespace=hosts.task_ns)[first_port]
    assert (inside["http"], inside["http_body"], inside["region"]) == (200, "ok", first_region), "on loopback"
    outside = hosts.probe(region_ports)
    assert {port: result["http"] for port, result in outside.items()} == {
        port: "refused" for port in region_ports.values()
    }


@pytest.mark.parametrize("shell", ["debian-sh", "busybox-sh"])
def test_bridge_reaches_every_region_on_its_own_port(hosts, scripts, tmp_path, shell):
    """Under Debian's sh (dash) and under busybox sh with busybox's wget, as in the Alpine image."""
    region_ports = default_region_ports()
    hosts.start_plugins(region_ports)
    if shell == "busybox-sh":
        command, env = busybox_shell(tmp_path / "busybox-bin")
        bridge = start_bridge(hosts, scripts["defaults"], tmp_path, command, **env)
    else:
        bridge = start_bridge(hosts, scripts["defaults"], tmp_path)
    listening = hosts.wait_for_listeners(len(region_ports))
    assert listening == set(region_ports.values()), bridge.stderr.read() if bridge.poll() is not None else ""
    results = hosts.probe(region_ports)
    assert {port: result["region"] for port, result in results.items()} == {
        port: region for region, port in region_ports.items()
    }
    assert {result["http_body"] for result in results.values()} == {"ok"}


def test_bridge_survives_a_region_restart(hosts, scripts, tmp_path):
    region_ports = default_region_ports()
    plugins = hosts.start_plugins(region_ports)
    bridge = start_bridge(hosts, scripts["defaults"], tmp_path)
    hosts.wait_for_listeners(len(region_ports))
    (stopped, port), (neighbour, neighbour_port) = list(region_ports.items())[2:4]
    assert hosts.probe({stopped: port})[port]["region"] == stopped

    plugins[stopped].kill()
    plugins[stopped].wait()
    during = hosts.probe({stopped: port, neighbour: neighbour_port})
    assert during[port]["http"] != 200, "a stopped region must not answer"
    assert during[neighbour_port]["region"] == neighbour, "its neighbours keep answering"

    hosts.start_plugin(stopped, port)
    deadline = time.monotonic() + 5
    while hosts.probe({stopped: port})[port]["http"] != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert hosts.probe({stopped: port})[port]["region"] == stopped
    assert bridge.poll() is None, "the bridge was not restarted"


def test_ten_region_layout_listens_on_exactly_ten_ports(hosts, scripts, tmp_path):
    hosts.start_plugins(TEN_REGIONS)
    start_bridge(hosts, scripts["ten_regions"], tmp_path)
    hosts.wait_for_listeners(len(TEN_REGIONS))
    time.sleep(0.2)  # no late extra listener
    assert hosts.listening_ports() == set(TEN_REGIONS.values())
    last_region, last = max(TEN_REGIONS.items(), key=lambda item: item[1])
    beyond = [last + 1, last + 2]  # where the 12-region layout had us-gov-east-1 and us-west-1
    results = hosts.probe({last_region: last, **{f"beyond-{port}": port for port in beyond}})
    assert results[last]["region"] == last_region
    assert {results[port]["http"] for port in beyond} == {"refused"}


def test_bridge_exits_clearly_when_metadata_variable_is_missing(hosts, scripts, tmp_path):
    bridge = hosts.start_bridge(scripts["defaults"], {}, tmp_path)
    assert bridge.wait(timeout=10) != 0
    message = bridge.stderr.read()
    assert "ECS_CONTAINER_METADATA_URI_V4 is not set" in message
    assert hosts.listening_ports() == set()


def test_bridge_exits_clearly_when_metadata_endpoint_does_not_answer(hosts, scripts, tmp_path):
    env = {"ECS_CONTAINER_METADATA_URI_V4": "http://127.0.0.1:51680/v4/none", "PORT_BRIDGE_METADATA_ATTEMPTS": "2"}
    bridge = hosts.start_bridge(scripts["defaults"], env, tmp_path)
    assert bridge.wait(timeout=20) != 0
    message = bridge.stderr.read()
    assert "no answer from the task metadata endpoint" in message and "after 2 attempts" in message
    assert hosts.listening_ports() == set()


def test_bridge_binds_the_task_ip_not_all_interfaces(hosts, scripts, tmp_path):
    region_ports = default_region_ports()
    hosts.start_plugins(region_ports)
    start_bridge(hosts, scripts["defaults"], tmp_path)
    hosts.wait_for_listeners(len(region_ports))
    config = (tmp_path / "port-bridge.cfg").read_text()
    assert f"bind {TASK_IP}:{min(region_ports.values())}" in config
    assert "0.0.0.0" not in config
