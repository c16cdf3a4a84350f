"""The FinFocus CLI's `aws-public` plugin, forwarding to a deployment in the VPC.

The FinFocus core launches each plugin as a local process with `--port=N`
(and FINFOCUS_PLUGIN_PORT=N), waits until 127.0.0.1:N accepts a TCP
connection, then speaks plain gRPC (h2c) to it: Name, GetPluginInfo, then
(v0.3.8 and later) Supports and GetProjectedCost per resource, and SIGKILL
at the end (../shared/reference/finfocus-core-plugins.md). It cannot dial a
remote plugin. This process is the plugin it launches: a gRPC server on
127.0.0.1:N that sends each request to the deployment's port of the
request's `resource.region`, as upstream's router binary sends it to its
local regional binaries.

- Name and GetPluginInfo are answered here, at once: the plugin's name, the
  deployment's release, providers ["aws"] and metadata without a region (type
  multi-region-router, the deployment and the regions it serves), so the
  core asks this plugin for every AWS resource.
- Supports is answered here too: supported for provider aws, a type the
  plugin prices and a region the deployment serves; otherwise declined with
  the reason, so that today's core (which fails open on errors) asks this
  plugin for exactly the resources it can price. The deployment's own
  Supports fails over the wire up to v0.1.8, so it is not asked.
- GetProjectedCost and GetPricingSpec go to the region's port over gRPC, as
  raw bytes both ways (fields this project's .proto leaves out pass
  through), on one kept channel per port, within the caller's deadline and at
  most FORWARD_SECONDS, with the core's x-finfocus-trace-id when it sends one.
- A region the deployment does not serve: FAILED_PRECONDITION at once. A port
  that refuses, closes or does not answer: UNAVAILABLE, within
  FORWARD_SECONDS (the core v0.2.6 sets no deadline on GetProjectedCost: this
  is the bound), so the core falls back as it does for any plugin.
- The deployment's errors come in web mode as UNKNOWN with the real code in
  the text (up to v0.1.8); they go to the core with that real code.
- Other methods: UNIMPLEMENTED (the core does not ask them when it prices).

It writes no file and starts no process, so the core's SIGKILL leaves nothing
behind. `finfocus-ecs connect` installs it with the packages it needs, and
the JSON settings it reads (--config); it imports grpcio and protobuf only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc

from finfocus_ecs.plugin_api import SERVICE, facts, grpc_channel, messages, unflatten
from finfocus_ecs.plugin_api.errors import CAUSES
from finfocus_ecs.plugin_api.wire import METHODS

ROUTER_TYPE = "multi-region-router"
FORWARDED = ("GetProjectedCost", "GetPricingSpec")
FORWARD_SECONDS = 3.0
TRACE_HEADER = "x-finfocus-trace-id"


class Forwarder:
    """The gRPC service: local answers for who it is, the region's port for everything priced."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.host: str = settings["host"]
        self.region_ports: dict[str, int] = {region: int(port) for region, port in settings["region_ports"].items()}
        self.version: str = settings["version"]
        self.spec_version: str = settings["spec_version"]
        self._channels: dict[int, grpc.Channel] = {}
        self._lock = threading.Lock()

    def channel(self, port: int) -> grpc.Channel:
        with self._lock:
            if port not in self._channels:
                self._channels[port] = grpc_channel(self.host, port)
            return self._channels[port]

    def name(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        return messages.NameResponse(name=facts.PLUGIN_NAME).SerializeToString()

    def plugin_info(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        return messages.GetPluginInfoResponse(
            name=facts.PLUGIN_NAME,
            version=self.version,
            spec_version=self.spec_version,
            providers=[facts.PROVIDER],
            metadata={"type": ROUTER_TYPE, "deployment": self.host, "regions": ",".join(sorted(self.region_ports))},
        ).SerializeToString()

    def supports(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        """Supported exactly when a forward could price it: aws, a type the plugin prices, a region served."""
        resource = messages.SupportsRequest.FromString(request).resource
        answer = messages.SupportsResponse()
        service = facts.service_of(resource.resource_type)
        if resource.provider != facts.PROVIDER:
            answer.reason = facts.provider_not_supported(resource.provider)
        elif resource.region not in self.region_ports:
            answer.reason = self._not_served(resource.region)
        elif service is None:
            answer.reason = facts.type_not_supported(resource.resource_type)
        else:
            answer.supported = True
            if service in facts.CARBON_REPORTED:
                answer.supported_metrics.append(messages.METRIC_KIND_CARBON_FOOTPRINT)
        return answer.SerializeToString()

    def _not_served(self, region: str) -> str:
        served = ", ".join(sorted(self.region_ports))
        return f"region {region or '(none)'} is not served by the deployment at {self.host} (it serves {served})"

    def forward(self, method: str) -> Callable[[bytes, grpc.ServicerContext], bytes]:
        request_class = METHODS[method].request

        def call(request: bytes, context: grpc.ServicerContext) -> bytes:
            region = request_class.FromString(request).resource.region
            port = self.region_ports.get(region)
            if port is None:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, self._not_served(region))
            remaining = context.time_remaining()
            timeout = FORWARD_SECONDS if remaining is None else max(0.05, min(FORWARD_SECONDS, remaining - 0.1))
            trace = [(key, value) for key, value in context.invocation_metadata() if key == TRACE_HEADER]
            stub = self.channel(port).unary_unary(METHODS[method].path)
            try:
                return stub(request, timeout=timeout, metadata=trace or None)
            except grpc.RpcError as error:
                context.abort(*self._status(error, port, timeout))

        return call

    def _status(self, error: grpc.RpcError, port: int, timeout: float) -> tuple[grpc.StatusCode, str]:
        """What to tell the core: the plugin's real code, or UNAVAILABLE for a port that did not answer."""
        code, message = unflatten(error.code().name, error.details() or "")  # type: ignore[attr-defined]
        where = f"{self.host}:{port}"
        if code == "DEADLINE_EXCEEDED":
            return grpc.StatusCode.UNAVAILABLE, f"no answer from {where} within {timeout:.1f} s: {CAUSES['timeout']}"
        if code == "UNAVAILABLE":
            return grpc.StatusCode.UNAVAILABLE, f"{where} did not answer: {message}"
        return grpc.StatusCode[code], message

    def handler(self) -> grpc.GenericRpcHandler:
        handlers = {
            "Name": self.name,
            "GetPluginInfo": self.plugin_info,
            "Supports": self.supports,
            **{method: self.forward(method) for method in FORWARDED},
        }
        return grpc.method_handlers_generic_handler(
            SERVICE, {method: grpc.unary_unary_rpc_method_handler(function) for method, function in handlers.items()}
        )


def arguments(argv: list[str], environ: dict[str, str]) -> tuple[Path, int]:
    """(settings file, port): `--config FILE` from the script, `--port=N` or FINFOCUS_PLUGIN_PORT from the core."""
    parser = argparse.ArgumentParser(prog="finfocus-plugin-aws-public", add_help=False)
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int)
    known, _ = parser.parse_known_args(argv)
    port = known.port if known.port is not None else environ.get("FINFOCUS_PLUGIN_PORT")
    if port is None:
        parser.error("no --port=N and no FINFOCUS_PLUGIN_PORT: the FinFocus CLI sets both")
    return Path(known.config), int(port)


def serve(settings: dict[str, Any], port: int) -> grpc.Server:
    server = grpc.server(ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((Forwarder(settings).handler(),))
    if not server.add_insecure_port(f"127.0.0.1:{port}"):
        raise SystemExit(f"finfocus-ecs local plugin: cannot listen on 127.0.0.1:{port}")
    server.start()
    return server


def main(argv: list[str]) -> int:
    config, port = arguments(argv, dict(os.environ))
    settings = json.loads(config.read_text())
    server = serve(settings, port)
    # As the SDK announces its port once it listens (today's core reads it when the bind probe is slow).
    print(f"PORT={port}", flush=True)
    # The core prints a plugin's stderr: say where prices come from.
    print(f"finfocus-ecs local plugin: forwarding to {settings['host']}", file=sys.stderr, flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=0.5).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
