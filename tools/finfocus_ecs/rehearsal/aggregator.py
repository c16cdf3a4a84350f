"""Stand-in for the image's `/usr/local/bin/metrics-aggregator`.

Same flags (`-listen`, default `:9090` on all interfaces; `-start-port`,
`-end-port`, `-timeout`) and paths: `/metrics` (its own) and
`/metrics/aggregated`, which scrapes `http://localhost:PORT/metrics` over the
port range and answers 503 when fewer than half answer.

Not reproduced: the Prometheus text it merges (it counts answers only) and
Go's flag parsing beyond these four flags.
"""

from __future__ import annotations

import argparse
import signal
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _seconds(text: str) -> float:
    return float(text[:-1]) if text.endswith("s") else float(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="metrics-aggregator", prefix_chars="-")
    parser.add_argument("-listen", default=":9090")
    parser.add_argument("-start-port", type=int, default=8001)
    parser.add_argument("-end-port", type=int, default=8012)
    parser.add_argument("-timeout", type=_seconds, default=5.0)
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    host, _, port = options.listen.rpartition(":")

    def scrape(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/metrics", timeout=options.timeout) as response:
                return response.status == 200
        except OSError:
            return False

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._answer(200, "finfocus_metrics_aggregator_up 1\n")
            elif self.path == "/metrics/aggregated":
                ports = range(options.start_port, options.end_port + 1)
                answered = sum(scrape(port) for port in ports)
                status = 200 if answered * 2 >= len(ports) else 503
                self._answer(status, f"# {answered} of {len(ports)} regional ports answered\n")
            else:
                self._answer(404, "not found\n")

        def _answer(self, status: int, text: str) -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host or "0.0.0.0", int(port)), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f'{{"level":"info","msg":"metrics aggregator listening","listen":"{options.listen}"}}', flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
