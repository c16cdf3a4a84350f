"""Port bridge figures in the namespace setup of the tests: added latency, throughput, memory."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.netns.harness import STANDIN, TASK_IP, TwoHosts, netns_available

from bench.stats import Summary, percentile
from finfocus_ecs.evaluate import plan_module
from finfocus_ecs.module import default_region_ports

REQUESTS_PER_REGION = 2000
PARALLEL_REQUESTS = 300


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(requests_per_region: int = REQUESTS_PER_REGION) -> dict[str, Any]:
    reason = netns_available()
    if reason:
        return {"skipped": reason}
    script = plan_module({})  # the module's defaults, as ECS would run them
    script_text = script.outputs["port_bridge_script"]
    region_ports = default_region_ports()
    with TwoHosts("bench") as hosts, tempfile.TemporaryDirectory() as run_dir:
        hosts.start_plugins(region_ports)
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
    return {
        "requests_per_region": requests_per_region,
        "direct_loopback_ms": {"median": Summary.of(direct).median * 1e3, "p99": percentile(direct, 0.99) * 1e3},
        "through_bridge_ms": {"median": Summary.of(bridged).median * 1e3, "p99": percentile(bridged, 0.99) * 1e3},
        "client_host_through_bridge_ms": {
            "median": Summary.of(remote).median * 1e3,
            "p99": percentile(remote, 0.99) * 1e3,
        },
        "added_median_ms": (Summary.of(bridged).median - Summary.of(direct).median) * 1e3,
        "added_p99_ms": (percentile(bridged, 0.99) - percentile(direct, 0.99)) * 1e3,
        "connections_per_second_12_regions": PARALLEL_REQUESTS * len(region_ports) / elapsed,
        "bridge_rss_mib_idle": rss_idle / 1024,
        "bridge_rss_mib_after_load": rss_loaded / 1024,
    }
