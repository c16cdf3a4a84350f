"""Stand-ins run inside the test namespaces: a plugin region, the metadata endpoint, a client.

Run as a script (`python standin.py MODE ...`) under `ip netns exec`, so each
process lives in its namespace's network stack.

- plugin REGION PORT: listens on 127.0.0.1:PORT only, exactly as the real
  plugin does (pluginsdk listenOnLoopback), and answers GET /healthz with
  the region's name.
- metadata PORT TASK_IP: the ECS task metadata v4 endpoint, answering
  GET /v4/test/task with the task JSON shape carrying TASK_IP.
- client: reads a JSON list of {"host", "port"} on stdin, tries each once
  (HTTP GET /healthz, 2 s timeout), prints a JSON list of results.
- latency HOST PORT COUNT: COUNT sequential requests on fresh connections,
  prints the per-request seconds as JSON.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(host: str, port: int, body: bytes, path: str) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != path:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer((host, port), Handler)
    print("ready", flush=True)
    server.serve_forever()


def task_metadata(task_ip: str) -> bytes:
    """The fields of the v4 task response the bridge reads, in their real nesting."""
    return json.dumps(
        {
            "Cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/test",
            "TaskARN": "arn:aws:ecs:us-east-1:123456789012:task/test/0123456789",
            "Family": "finfocus-plugin-aws-public",
            "Containers": [
                {
                    "Name": "port-bridge",
                    "Networks": [{"NetworkMode": "awsvpc", "IPv4Addresses": [task_ip]}],
                },
                {
                    "Name": "finfocus-plugin",
                    "Networks": [{"NetworkMode": "awsvpc", "IPv4Addresses": [task_ip]}],
                },
            ],
        },
        indent=2,
    ).encode()


def probe(host: str, port: int) -> dict[str, object]:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=2)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        return {"host": host, "port": port, "ok": response.status == 200, "body": response.read().decode()}
    except ConnectionRefusedError:
        return {"host": host, "port": port, "ok": False, "error": "refused"}
    except TimeoutError:
        return {"host": host, "port": port, "ok": False, "error": "timeout"}
    except (OSError, http.client.HTTPException) as error:
        return {"host": host, "port": port, "ok": False, "error": type(error).__name__}


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


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "plugin":
        serve("127.0.0.1", int(argv[2]), argv[1].encode(), "/healthz")
    elif mode == "metadata":
        serve("127.0.0.1", int(argv[1]), task_metadata(argv[2]), "/v4/test/task")
    elif mode == "client":
        targets = json.load(sys.stdin)
        json.dump([probe(item["host"], item["port"]) for item in targets], sys.stdout)
    elif mode == "latency":
        json.dump(latency(argv[1], int(argv[2]), int(argv[3])), sys.stdout)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
