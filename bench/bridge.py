"""Port bridge figures in the namespace setup of the tests: added latency, throughput, memory, pricing calls.

HTTP/1.1 (a fresh connection per GET /healthz, as health checks make them),
gRPC (GetPluginInfo over one kept HTTP/2 connection, as FinFocus makes
them), and pricing calls (GetProjectedCost over Connect JSON on HTTP/1.1 and
over gRPC, on kept connections, the two protocols and the two paths in
turn). Every path ends in the same region stand-in, so what differs between
direct and bridged is the bridge; the stand-in's own cost (Python: Hypercorn
and connectrpc) is in both and makes the absolute figures higher than the
real Go plugin's. Last, the wall time of `finfocus-ecs price` across every
region, from the client host, as a user waits for it.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.netns.harness import STANDIN, TASK_IP, TwoHosts

from bench.stats import Summary, percentile
from finfocus_ecs.evaluate import plan_module
from finfocus_ecs.module import default_region_ports
from finfocus_ecs.rehearsal.network import namespaces_unavailable

REQUESTS_PER_REGION = 2000
PARALLEL_REQUESTS = 300
GRPC_IN_FLIGHT = 32
PRICE_COMMAND_RUNS = 5
PRICE_CALLS_ONLY = """
import json, sys, time
from finfocus_ecs.evaluate import parse_region_ports
from finfocus_ecs.price import price
host, mapping, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
ports = parse_region_ports(mapping)
walls = []
for _ in range(runs):
    started = time.perf_counter()
    rows = price(host, ports, "ec2", "t3.micro")
    walls.append(time.perf_counter() - started)
    assert all(row.ok for row in rows), [row.error for row in rows]
print(json.dumps(walls))
"""
LOCAL_PLUGIN_LAUNCHES = 5
DEAD_CALLS = 5


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _ms(samples: list[float]) -> dict[str, float]:
    return {"median": Summary.of(samples).median * 1e3, "p99": percentile(samples, 0.99) * 1e3}


def _grpc(hosts: TwoHosts, port: int, calls: int) -> dict[str, Any]:
    """Name calls direct and bridged, alternating in one client so both see the same load; then throughput."""
    samples = hosts.run_client(hosts.task_ns, "grpc-latency", port, calls, "127.0.0.1", TASK_IP)
    direct, bridged = _ms(samples["127.0.0.1"]), _ms(samples[TASK_IP])
    burst = {
        "direct": hosts.run_client(hosts.task_ns, "grpc-burst", "127.0.0.1", port, 2 * calls, GRPC_IN_FLIGHT),
        "through_bridge": hosts.run_client(hosts.client_ns, "grpc-burst", TASK_IP, port, 2 * calls, GRPC_IN_FLIGHT),
    }
    return {
        "grpc_calls": calls,
        "grpc_direct_loopback_ms": direct,
        "grpc_through_bridge_ms": bridged,
        "grpc_added_median_ms": bridged["median"] - direct["median"],
        "grpc_added_p99_ms": bridged["p99"] - direct["p99"],
        "grpc_calls_per_second_one_connection": {name: run["calls_per_second"] for name, run in burst.items()},
        "grpc_in_flight": GRPC_IN_FLIGHT,
    }


def _pricing(hosts: TwoHosts, region_ports: dict[str, int], calls: int) -> dict[str, Any]:
    """GetProjectedCost over Connect JSON and gRPC, direct and bridged in turn; then calls/s; then `price`."""
    region, port = min(region_ports.items(), key=lambda item: item[1])
    samples = hosts.run_client(hosts.task_ns, "price-latency", port, region, calls, "127.0.0.1", TASK_IP)
    latency = {
        protocol: {"direct_ms": _ms(by_host["127.0.0.1"]), "bridged_ms": _ms(by_host[TASK_IP])}
        for protocol, by_host in samples.items()
    }
    burst = {
        protocol: {
            "direct": hosts.run_client(
                hosts.task_ns, "price-burst", protocol, "127.0.0.1", port, region, 2 * calls, GRPC_IN_FLIGHT
            )["calls_per_second"],
            "through_bridge": hosts.run_client(
                hosts.client_ns, "price-burst", protocol, TASK_IP, port, region, 2 * calls, GRPC_IN_FLIGHT
            )["calls_per_second"],
        }
        for protocol in ("connect", "grpc")
    }
    mapping = ",".join(f"{name}={number}" for name, number in region_ports.items())
    command = [sys.executable, "-m", "finfocus_ecs.cli", "price", TASK_IP, "--resource-type", "ec2", "--sku"]
    walls = []
    for _ in range(PRICE_COMMAND_RUNS):
        started = time.perf_counter()
        completed = hosts.on_client([*command, "t3.micro", "--region-ports", mapping, "--json"])
        walls.append(time.perf_counter() - started)
        if completed.returncode != 0:
            raise RuntimeError(f"finfocus-ecs price failed: {completed.stderr}")
    # The calls alone, as the requirement counts them: one process imports the
    # client once, then prices every region again and again on new connections.
    in_process = hosts.on_client([sys.executable, "-c", PRICE_CALLS_ONLY, TASK_IP, mapping, str(PRICE_COMMAND_RUNS)])
    if in_process.returncode != 0:
        raise RuntimeError(f"pricing in process failed: {in_process.stderr}")
    return {
        "price_calls": calls,
        "price_latency": latency,
        "price_calls_per_second": burst,
        "price_command_s": Summary.of(walls).__dict__,
        "price_calls_only_s": Summary.of(json.loads(in_process.stdout)).__dict__,
        "price_command_regions": len(region_ports),
    }


def _local_plugin(hosts: TwoHosts, region_ports: dict[str, int], calls: int, home: Path) -> dict[str, Any]:
    """`finfocus-ecs connect` on the client host; the plugin's start as the core launches it; its added latency."""
    mapping = ",".join(f"{name}={number}" for name, number in region_ports.items())
    connect = [sys.executable, "-m", "finfocus_ecs.cli", "connect", TASK_IP, "--region-ports", mapping]
    completed = hosts.on_client([*connect, "--finfocus-home", str(home)])
    if completed.returncode != 0:
        raise RuntimeError(f"finfocus-ecs connect failed: {completed.stderr}")
    region, port = min(region_ports.items(), key=lambda item: item[1])
    found = hosts.run_client(hosts.client_ns, "local-plugin", home, TASK_IP, port, region, calls, LOCAL_PLUGIN_LAUNCHES)
    through, direct = _ms(found["samples"]["local_plugin"]), _ms(found["samples"]["bridge"])
    return {
        "local_plugin_start_s": Summary.of(found["bind_seconds"]).__dict__,
        "local_plugin_ms": through,
        "local_plugin_bridge_ms": direct,
        "local_plugin_added_median_ms": through["median"] - direct["median"],
    }


def _dead_region(hosts: TwoHosts, region_ports: dict[str, int], plugins: dict[str, Any]) -> dict[str, Any]:
    """How long a client waits before a call to a stopped region fails, through the bridge."""
    region, port = max(region_ports.items(), key=lambda item: item[1])
    plugins[region].kill()
    plugins[region].wait()
    calls = hosts.run_client(hosts.client_ns, "dead-call", TASK_IP, port, DEAD_CALLS, 10)
    return {
        f"dead_region_{kind}_s": Summary.of([call["seconds"] for call in found]).__dict__
        for kind, found in calls.items()
    } | {f"dead_region_{kind}_ended": sorted({call["ended"] for call in found}) for kind, found in calls.items()}


def measure(requests_per_region: int = REQUESTS_PER_REGION) -> dict[str, Any]:
    reason = namespaces_unavailable()
    if reason:
        return {"skipped": reason}
    script = plan_module({})  # the module's defaults, as ECS would run them
    script_text = script.outputs["port_bridge_script"]
    region_ports = default_region_ports()
    with TwoHosts("bench") as hosts, tempfile.TemporaryDirectory() as run_dir:
        plugins = hosts.start_plugins(region_ports)
        metadata = hosts.start_metadata()
        bridge = hosts.start_bridge(script_text, {"ECS_CONTAINER_METADATA_URI_V4": metadata}, Path(run_dir))
        hosts.wait_for_listeners(len(region_ports))
        direct, bridged, remote = [], [], []
        # Alternate direct and bridged per region, so both see the same machine load.
        for port in sorted(region_ports.values()):
            direct += hosts.latency("127.0.0.1", port, requests_per_region, hosts.task_ns)
            bridged += hosts.latency(TASK_IP, port, requests_per_region, hosts.task_ns)
        remote = hosts.latency(TASK_IP, 8001, requests_per_region, hosts.client_ns)
        rss_idle = _rss_kib(bridge.pid)
        # Connections per second with all regions in parallel from the client host.
        started = time.perf_counter()
        processes = [
            hosts.spawn(
                hosts.client_ns,
                [sys.executable, str(STANDIN), "latency", TASK_IP, str(port), str(PARALLEL_REQUESTS)],
            )
            for port in sorted(region_ports.values())
        ]
        for process in processes:
            process.wait()
        elapsed = time.perf_counter() - started
        rss_loaded = _rss_kib(bridge.pid)
        grpc = _grpc(hosts, min(region_ports.values()), requests_per_region)
        pricing = _pricing(hosts, region_ports, requests_per_region // 2)
        local_plugin = _local_plugin(hosts, region_ports, requests_per_region // 2, Path(run_dir) / "finfocus")
        dead = _dead_region(hosts, region_ports, plugins)
    return {
        "requests_per_region": requests_per_region,
        "direct_loopback_ms": _ms(direct),
        "through_bridge_ms": _ms(bridged),
        "client_host_through_bridge_ms": _ms(remote),
        "added_median_ms": (Summary.of(bridged).median - Summary.of(direct).median) * 1e3,
        "added_p99_ms": (percentile(bridged, 0.99) - percentile(direct, 0.99)) * 1e3,
        "connections_per_second_12_regions": PARALLEL_REQUESTS * len(region_ports) / elapsed,
        "bridge_rss_mib_idle": rss_idle / 1024,
        "bridge_rss_mib_after_load": rss_loaded / 1024,
        **grpc,
        **pricing,
        **local_plugin,
        **dead,
    }
