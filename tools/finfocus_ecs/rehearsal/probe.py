"""What a client in the VPC sees on each regional port: run on the rehearsal's client host.

`python -m finfocus_ecs.rehearsal.probe [--http-only] HOST PORT [PORT...]`
prints a JSON object, port => {"http": status or error, "http_body",
"http_region", "grpc": health status, "grpc_region"}: HTTP/1.1 `GET /healthz`
and a gRPC health check plus `Name` call, the two kinds of traffic that must
cross the port bridge. The netns tests and the rehearsal both use it.
"""

from __future__ import annotations

import http.client
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

TIMEOUT = 2.0


def http_healthz(host: str, port: int) -> dict[str, Any]:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
        return {"http": response.status, "http_body": body, "http_region": response.getheader("X-Standin-Region")}
    except ConnectionRefusedError:
        return {"http": "refused"}
    except TimeoutError:
        return {"http": "timeout"}
    except (OSError, http.client.HTTPException) as error:
        return {"http": type(error).__name__}


def grpc_calls(host: str, port: int) -> dict[str, Any]:
    from finfocus_ecs import grpc_health

    health = grpc_health.check(host, port, timeout=TIMEOUT)
    found: dict[str, Any] = {"grpc": health.status, "grpc_detail": health.detail}
    if health.ok:
        found["grpc_region"] = grpc_health.region_name(host, port, timeout=TIMEOUT)[0]
    return found


def probe(host: str, port: int, with_grpc: bool = True) -> dict[str, Any]:
    return {**http_healthz(host, port), **(grpc_calls(host, port) if with_grpc else {})}


def main(argv: list[str]) -> None:
    with_grpc = argv[0] != "--http-only"
    host, *ports = argv if with_grpc else argv[1:]
    numbers = [int(port) for port in ports]
    with ThreadPoolExecutor(max_workers=len(numbers) or 1) as pool:
        results = dict(zip(numbers, pool.map(lambda port: probe(host, port, with_grpc), numbers), strict=True))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
