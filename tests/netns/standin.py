"""Clients run inside the test namespaces, for what the rehearsal's probe does not measure.

Run as a script (`python standin.py MODE ...`) under `ip netns exec`, so each
process lives in its namespace's network stack. The servers are not here:
the regions are finfocus_ecs.rehearsal.region_server (its docstring lists
what it does not reproduce of the real binary), the metadata endpoint is
finfocus_ecs.rehearsal.metadata, and the one-shot HTTP probe is
finfocus_ecs.rehearsal.probe.

- latency HOST PORT COUNT: COUNT sequential HTTP requests on fresh
  connections, prints the per-request seconds as JSON.
- http HOST: reads a JSON list of {"method", "port", "path", "headers",
  "body"} on stdin, sends each as one HTTP/1.1 request, as a browser would;
  prints a JSON list of {"status", "headers" (lower-case names), "body"}.
- grpc-check TIMEOUT: reads a JSON list of {"host", "port"} on stdin; for
  each, concurrently, grpc.health.v1 Health/Check and CostSourceService/
  GetPluginInfo, each on a fresh connection, as FinFocus makes them; prints
  a JSON list with the region each port says it serves.
- grpc-burst HOST PORT CALLS IN_FLIGHT: CALLS GetPluginInfo calls over ONE
  channel (one HTTP/2 connection), IN_FLIGHT at a time; prints the regions
  and peers seen, the failures and calls per second.
- grpc-hold HOST PORT IDLE_SECONDS KEEPALIVE_MS: GetPluginInfo, IDLE_SECONDS
  of silence, GetPluginInfo again on the same channel (KEEPALIVE_MS 0: no
  keepalive pings); prints both peers the server saw.
- grpc-latency PORT COUNT HOST...: COUNT rounds of one GetPluginInfo call to
  each HOST in turn (so every host sees the same machine load), one channel
  per host; prints the per-call seconds by host.
- price-latency PORT REGION COUNT HOST...: COUNT rounds of one
  GetProjectedCost (EC2 t3.micro in REGION) to each HOST over Connect JSON
  on HTTP/1.1 and over gRPC in turn, one client per host and protocol kept
  open; prints the per-call seconds by protocol and host.
- local-plugin HOME HOST PORT REGION COUNT LAUNCHES: launches the plugin
  `finfocus-ecs connect` wrote in HOME as the FinFocus core does
  (tests/core_standin.py) LAUNCHES times, then COUNT rounds of one
  GetProjectedCost over gRPC through it and straight to HOST:PORT in turn;
  prints the seconds until each launch bound its port and the per-call
  seconds of both paths.
- dead-call HOST PORT TIMES DEADLINE: a port whose region is down, called
  TIMES as a client would, over gRPC (grpcio, with that deadline) and
  HTTP/1.1 (GET /healthz, with that timeout); prints each call's seconds and
  how it ended.
- price-burst PROTOCOL HOST PORT REGION CALLS IN_FLIGHT: CALLS
  GetProjectedCost calls over one client, IN_FLIGHT at a time; prints calls
  per second and the failures.

Each call reads the region from GetPluginInfo's metadata, the one answer
that tells regions apart, and the TCP peer the stand-in accepted the
connection from (its x-standin-peer header).
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from finfocus_ecs.plugin_api import PluginClient, PluginError, health_check, messages, resource
from finfocus_ecs.plugin_api.facts import REGION_KEY
from finfocus_ecs.rehearsal.region_web import PEER_HEADER


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


def http_requests(host: str, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answers = []
    for request in requests:
        connection = http.client.HTTPConnection(host, request["port"], timeout=5)
        connection.request(request["method"], request["path"], request.get("body"), request.get("headers", {}))
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
        headers = {name.lower(): value for name, value in response.getheaders()}
        answers.append({"status": response.status, "headers": headers, "body": body})
        connection.close()
    return answers


def served(client: PluginClient) -> tuple[str, str]:
    """(region the port says it serves, TCP peer the stand-in saw) of one GetPluginInfo call."""
    info, headers = client.call_with_metadata("GetPluginInfo", messages.GetPluginInfoRequest())
    return info.metadata.get(REGION_KEY, ""), headers.get(PEER_HEADER.decode(), "")


def timed_identity(host: str, port: int, timeout: float) -> dict[str, Any]:
    """GetPluginInfo on a fresh connection: region and peer, or the gRPC code it failed with."""
    started = time.perf_counter()
    try:
        with PluginClient(host, port, "grpc", timeout) as client:
            region, peer = served(client)
        result: dict[str, Any] = {"region": region, "peer": peer}
    except PluginError as error:
        result = {"identity_error": error.wire_code}
    return {**result, "identity_seconds": time.perf_counter() - started}


def grpc_check(host: str, port: int, timeout: float) -> dict[str, Any]:
    """Health/Check and GetPluginInfo, each on its own connection, at the same time (a failure costs one wait)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        health = pool.submit(health_check, host, port, timeout)
        identity = pool.submit(timed_identity, host, port, timeout)
        checked = health.result()
        return {"host": host, "port": port, **checked.__dict__, "ok": checked.ok, **identity.result()}


def grpc_burst(host: str, port: int, calls: int, in_flight: int) -> dict[str, Any]:
    regions: set[str] = set()
    peers: set[str] = set()
    failures: list[str] = []
    with PluginClient(host, port, "grpc", timeout=10) as client:
        served(client)  # connect before the clock starts
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            futures = [pool.submit(served, client) for _ in range(calls)]
            for future in futures:
                error = future.exception()
                if error is not None:
                    failures.append(repr(error)[:200])
                    continue
                region, peer = future.result()
                regions.add(region)
                peers.add(peer)
        elapsed = time.perf_counter() - started
    return {
        "regions": sorted(regions),
        "peers": sorted(peers),
        "failures": failures,
        "calls_per_second": calls / elapsed,
    }


def grpc_hold(host: str, port: int, idle: float, keepalive_ms: int) -> dict[str, Any]:
    options = []
    if keepalive_ms:
        options = [
            ("grpc.keepalive_time_ms", keepalive_ms),
            ("grpc.keepalive_timeout_ms", 5000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
        ]
    with PluginClient(host, port, "grpc", timeout=3, grpc_options=options) as client:
        first = served(client)
        time.sleep(idle)
        second = served(client)
    return {"regions": [first[0], second[0]], "peers": [first[1], second[1]]}


def grpc_latency(port: int, count: int, hosts: list[str]) -> dict[str, list[float]]:
    clients = {host: PluginClient(host, port, "grpc", timeout=3) for host in hosts}
    samples: dict[str, list[float]] = {host: [] for host in hosts}
    for client in clients.values():
        served(client)  # connect before measuring
    for _ in range(count):
        for host, client in clients.items():
            started = time.perf_counter()
            served(client)
            samples[host].append(time.perf_counter() - started)
    for client in clients.values():
        client.close()
    return samples


def price_latency(port: int, region: str, count: int, hosts: list[str]) -> dict[str, dict[str, list[float]]]:
    request = messages.GetProjectedCostRequest(resource=resource("ec2", "t3.micro", region))
    protocols = ("connect", "grpc")
    clients = {
        (protocol, host): PluginClient(host, port, protocol, timeout=3) for protocol in protocols for host in hosts
    }
    samples: dict[str, dict[str, list[float]]] = {protocol: {host: [] for host in hosts} for protocol in protocols}
    for client in clients.values():
        client.call("GetProjectedCost", request)  # connect before measuring
    for _ in range(count):
        for (protocol, host), client in clients.items():
            started = time.perf_counter()
            client.call("GetProjectedCost", request)
            samples[protocol][host].append(time.perf_counter() - started)
    for client in clients.values():
        client.close()
    return samples


def price_burst(protocol: str, host: str, port: int, region: str, calls: int, in_flight: int) -> dict[str, Any]:
    request = messages.GetProjectedCostRequest(resource=resource("ec2", "t3.micro", region))
    failures: list[str] = []
    with PluginClient(host, port, protocol, timeout=10) as client:  # type: ignore[arg-type]
        client.call("GetProjectedCost", request)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            for future in [pool.submit(client.call, "GetProjectedCost", request) for _ in range(calls)]:
                if future.exception() is not None:
                    failures.append(repr(future.exception())[:200])
        elapsed = time.perf_counter() - started
    return {"calls_per_second": calls / elapsed, "failures": failures}


def dead_call(host: str, port: int, times: int, deadline: float) -> dict[str, list[dict[str, Any]]]:
    calls: dict[str, list[dict[str, Any]]] = {"grpc": [], "http": []}
    for _ in range(times):
        started = time.perf_counter()
        with PluginClient(host, port, "grpc", timeout=deadline) as client:
            try:
                client.call("GetPluginInfo", messages.GetPluginInfoRequest())
                ended = "answered"
            except PluginError as error:
                ended = error.wire_code
        calls["grpc"].append({"seconds": time.perf_counter() - started, "ended": ended})
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=deadline)
        try:
            connection.request("GET", "/healthz")
            ended = str(connection.getresponse().status)
        except (OSError, http.client.HTTPException) as error:
            ended = type(error).__name__
        finally:
            connection.close()
        calls["http"].append({"seconds": time.perf_counter() - started, "ended": ended})
    return calls


def local_plugin(home: str, host: str, port: int, region: str, count: int, launches: int) -> dict[str, Any]:
    import os
    import signal
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[2]))  # run as a script: the repository, for tests.core_standin
    from tests.core_standin import Core, discover

    core = Core("v0.2.6", {**os.environ, "FINFOCUS_HOME": home})
    [found] = discover(core.mode, Path(home) / "plugins")
    started = []
    for _ in range(launches):
        launched = core.launch(found)
        started.append(launched.bind_seconds)
        launched.process.send_signal(signal.SIGKILL)
        launched.process.wait()
        launched.channel.close()
    plugin = core.launch(found)
    request = messages.GetProjectedCostRequest(resource=resource("ec2", "t3.micro", region))
    paths = {"local_plugin": PluginClient("127.0.0.1", plugin.port, "grpc"), "bridge": PluginClient(host, port, "grpc")}
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for client in paths.values():
        client.call("GetProjectedCost", request)  # connect before measuring
    for _ in range(count):
        for path, client in paths.items():
            began = time.perf_counter()
            client.call("GetProjectedCost", request)
            samples[path].append(time.perf_counter() - began)
    for client in paths.values():
        client.close()
    plugin.process.send_signal(signal.SIGKILL)
    plugin.process.wait()
    return {"bind_seconds": started, "samples": samples}


def main(argv: list[str]) -> None:
    mode, args = argv[0], argv[1:]
    if mode == "latency":
        json.dump(latency(args[0], int(args[1]), int(args[2])), sys.stdout)
    elif mode == "http":
        json.dump(http_requests(args[0], json.load(sys.stdin)), sys.stdout)
    elif mode == "grpc-check":
        targets = json.load(sys.stdin)
        with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
            results = pool.map(lambda item: grpc_check(item["host"], item["port"], float(args[0])), targets)
            json.dump(list(results), sys.stdout)
    elif mode == "grpc-burst":
        json.dump(grpc_burst(args[0], int(args[1]), int(args[2]), int(args[3])), sys.stdout)
    elif mode == "grpc-hold":
        json.dump(grpc_hold(args[0], int(args[1]), float(args[2]), int(args[3])), sys.stdout)
    elif mode == "price-latency":
        json.dump(price_latency(int(args[0]), args[1], int(args[2]), args[3:]), sys.stdout)
    elif mode == "dead-call":
        json.dump(dead_call(args[0], int(args[1]), int(args[2]), float(args[3])), sys.stdout)
    elif mode == "local-plugin":
        json.dump(local_plugin(args[0], args[1], int(args[2]), args[3], int(args[4]), int(args[5])), sys.stdout)
    elif mode == "price-burst":
        json.dump(price_burst(args[0], args[1], int(args[2]), args[3], int(args[4]), int(args[5])), sys.stdout)
    elif mode == "grpc-latency":
        json.dump(grpc_latency(int(args[0]), int(args[1]), args[2:]), sys.stdout)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
