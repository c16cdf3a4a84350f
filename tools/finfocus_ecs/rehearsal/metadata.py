"""The ECS task metadata endpoint v4, run inside the task's network namespace.

`python -m finfocus_ecs.rehearsal.metadata ADDRESS` reads
{"task": {...}, "containers": {ID: {...}}} on stdin, listens on ADDRESS:80
and answers `GET /v4/ID` with that container's JSON and `GET /v4/ID/task`
with the task's, as Fargate does. Prints "ready" once listening.

Not reproduced: `/stats`, `/task/stats`, the v3 and v2 paths, and status
fields that change while the task runs (every container reads RUNNING).
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main(address: str) -> None:
    document = json.load(sys.stdin)
    task, containers = document["task"], document["containers"]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            if len(parts) >= 2 and parts[0] == "v4" and parts[1] in containers:
                body = {2: containers[parts[1]], 3: task if parts[2:] == ["task"] else None}.get(len(parts))
                if body is not None:
                    payload = json.dumps(body).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((address, 80), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
