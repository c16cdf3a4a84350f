"""Clients run inside the test namespaces, for what the rehearsal's probe does not measure.

Run as a script (`python standin.py MODE ...`) under `ip netns exec`, so each
process lives in its namespace's network stack. The servers are not here:
the regions are finfocus_ecs.rehearsal.region_server (its docstring lists
what it does not reproduce of the real binary), the metadata endpoint is
finfocus_ecs.rehearsal.metadata, and the one-shot HTTP probe is
finfocus_ecs.rehearsal.probe.

- latency HOST PORT COUNT: COUNT sequential HTTP requests on fresh
  connections, prints the per-request seconds as JSON.
- grpc-check TIMEOUT: reads a JSON list of {"host", "port"} on stdin; for
  each, concurrently, grpc.health.v1 Health/Check and CostSourceService/Name,
  each on a fresh connection, as FinFocus makes them; prints a JSON list.
- grpc-burst HOST PORT CALLS IN_FLIGHT: CALLS Name calls over ONE channel
  (one HTTP/2 connection), IN_FLIGHT at a time; prints the names and peers
  seen, the failures and calls per second.
- grpc-hold HOST PORT IDLE_SECONDS KEEPALIVE_MS: Name, IDLE_SECONDS of
  silence, Name again on the same channel (KEEPALIVE_MS 0: no keepalive
  pings); prints both peers the server saw.
- grpc-latency PORT COUNT HOST...: COUNT rounds of one Name call to each
  HOST in turn (so every host sees the same machine load), one channel per
  host; prints the per-call seconds by host.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def latency(host: str, port: int, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=2)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        connection.close()
        samples.append(time.perf_counter() - started)
    return samples


def timed_name(host: str, port: int, timeout: float) -> dict[str, Any]:
    """CostSourceService/Name on a fresh connection: name and peer, or the gRPC code it failed with."""
    import grpc

    from finfocus_ecs import grpc_health

    started = time.perf_counter()
    try:
        name, peer = grpc_health.region_name(host, port, timeout)
        result: dict[str, Any] = {"name": name, "peer": peer}
    except grpc.RpcError as error:
        result = {"name_error": error.code().name}
    return {**result, "name_seconds": time.perf_counter() - started}


def grpc_check(host: str, port: int, timeout: float) -> dict[str, Any]:
    """Health/Check and Name, each on its own connection, at the same time (a failure costs one wait)."""
    from finfocus_ecs import grpc_health

    with ThreadPoolExecutor(max_workers=2) as pool:
        health = pool.submit(grpc_health.check, host, port, timeout)
        name = pool.submit(timed_name, host, port, timeout)
        checked = health.result()
        return {"host": host, "port": port, **checked.__dict__, "ok": checked.ok, **name.result()}


def grpc_burst(host: str, port: int, calls: int, in_flight: int) -> dict[str, Any]:
    from finfocus_ecs import grpc_health

    names: set[str] = set()
    peers: set[str] = set()
    failures: list[str] = []
    with grpc_health.channel(host, port) as channel:
        grpc_health.region_name(host, port, target=channel)  # connect before the clock starts
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            futures = [pool.submit(grpc_health.region_name, host, port, 10, channel) for _ in range(calls)]
            for future in futures:
                error = future.exception()
                if error is not None:
                    failures.append(repr(error)[:200])
                    continue
                name, peer = future.result()
                names.add(name)
                peers.add(peer)
        elapsed = time.perf_counter() - started
    return {
        "names": sorted(names),
        "peers": sorted(peers),
        "failures": failures,
        "calls_per_second": calls / elapsed,
    }


def grpc_hold(host: str, port: int, idle: float, keepalive_ms: int) -> dict[str, Any]:
    from finfocus_ecs import grpc_health

    options = []
    if keepalive_ms:
        options = [
            ("grpc.keepalive_time_ms", keepalive_ms),
            ("grpc.keepalive_timeout_ms", 5000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
        ]
    with grpc_health.channel(host, port, options) as channel:
        first = grpc_health.region_name(host, port, target=channel)
        time.sleep(idle)
        second = grpc_health.region_name(host, port, target=channel)
    return {"names": [first[0], second[0]], "peers": [first[1], second[1]]}


def grpc_latency(port: int, count: int, hosts: list[str]) -> dict[str, list[float]]:
    from finfocus_ecs import grpc_health

    channels = {host: grpc_health.channel(host, port) for host in hosts}
    samples: dict[str, list[float]] = {host: [] for host in hosts}
    for host, channel in channels.items():
        grpc_health.region_name(host, port, target=channel)  # connect before measuring
    for _ in range(count):
        for host, channel in channels.items():
            started = time.perf_counter()
            grpc_health.region_name(host, port, target=channel)
            samples[host].append(time.perf_counter() - started)
    for channel in channels.values():
        channel.close()
    return samples


def main(argv: list[str]) -> None:
    mode, args = argv[0], argv[1:]
    if mode == "latency":
        json.dump(latency(args[0], int(args[1]), int(args[2])), sys.stdout)
    elif mode == "grpc-check":
        targets = json.load(sys.stdin)
        with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
            results = pool.map(lambda item: grpc_check(item["host"], item["port"], float(args[0])), targets)
            json.dump(list(results), sys.stdout)
    elif mode == "grpc-burst":
        json.dump(grpc_burst(args[0], int(args[1]), int(args[2]), int(args[3])), sys.stdout)
    elif mode == "grpc-hold":
        json.dump(grpc_hold(args[0], int(args[1]), float(args[2]), int(args[3])), sys.stdout)
    elif mode == "grpc-latency":
        json.dump(grpc_latency(int(args[0]), int(args[1]), args[2:]), sys.stdout)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
