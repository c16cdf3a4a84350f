"""What a client in the VPC sees on each regional port: run on the rehearsal's client host.

`python -m finfocus_ecs.rehearsal.probe [--http-only] HOST REGION=PORT...`
prints a JSON object, port => what each kind of client got there:
- "http", "http_body": HTTP/1.1 `GET /healthz` (status, or how it failed);
- "region", "version": GetPluginInfo over Connect JSON on HTTP/1.1, the
  region and release the port says it serves (or "region_error");
- unless --http-only: "grpc" (grpc.health.v1 Health/Check over h2c, "ok" or
  how it failed) and "prices": one GetProjectedCost of an EC2 t3.micro in
  the port's region over Connect JSON on HTTP/1.1, Connect on h2c and gRPC
  (protocol => cost per month, or the failure's kind).
The netns tests, the rehearsal and the benchmarks use it.
"""

from __future__ import annotations

import http.client
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from finfocus_ecs.plugin_api import PluginClient, PluginError, Protocol, health_check, resource
from finfocus_ecs.plugin_api.facts import REGION_KEY

TIMEOUT = 2.0
PROBE_RESOURCE = ("ec2", "t3.micro")
PRICE_PROTOCOLS: tuple[Protocol, ...] = ("connect", "connect-h2c", "grpc")


def http_healthz(host: str, port: int) -> dict[str, Any]:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        return {"http": response.status, "http_body": response.read().decode(errors="replace")}
    except ConnectionRefusedError:
        return {"http": "refused"}
    except TimeoutError:
        return {"http": "timeout"}
    except (OSError, http.client.HTTPException) as error:
        return {"http": type(error).__name__}


def identity(host: str, port: int) -> dict[str, Any]:
    try:
        with PluginClient(host, port, "connect", TIMEOUT) as client:
            info = client.plugin_info()
    except PluginError as error:
        return {"region_error": error.kind}
    return {"region": info.metadata.get(REGION_KEY, ""), "version": info.version}


def prices(host: str, port: int, region: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for protocol in PRICE_PROTOCOLS:
        try:
            with PluginClient(host, port, protocol, TIMEOUT) as client:
                found[protocol] = client.projected_cost(resource(*PROBE_RESOURCE, region)).cost_per_month
        except PluginError as error:
            found[protocol] = error.kind
    return found


def probe(host: str, region: str, port: int, with_grpc: bool = True) -> dict[str, Any]:
    result = {**http_healthz(host, port), **identity(host, port)}
    if with_grpc:
        result["grpc"] = health_check(host, port, timeout=TIMEOUT).kind
        result["prices"] = prices(host, port, region)
    return result


def main(argv: list[str]) -> None:
    with_grpc = argv[0] != "--http-only"
    host, *pairs = argv if with_grpc else argv[1:]
    targets = [(region, int(port)) for region, _, port in (pair.partition("=") for pair in pairs)]
    with ThreadPoolExecutor(max_workers=len(targets) or 1) as pool:
        results = pool.map(lambda target: probe(host, *target, with_grpc), targets)
        json.dump({port: result for (_, port), result in zip(targets, results, strict=True)}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
