"""Stand-in for the FinFocus core's plugin host: find, launch, call and kill plugins as `finfocus` does.

From ../shared/reference/finfocus-core-plugins.md (rshade/finfocus v0.2.6 and
main, internal/registry and internal/pluginhost):

- discovery: the plugin directory is HOME/plugins, HOME being FINFOCUS_HOME,
  then PULUMI_HOME/finfocus, then ~/.finfocus, then ./.finfocus; each
  sub-directory is a plugin name, each of its sub-directories a version;
  entries that are not directories, or are symlinks, are skipped; only the
  highest semver version of each name is used; the binary is
  `finfocus-plugin-NAME`, then `NAME`, else the first executable regular
  file by name;
- launch: a free port from binding 127.0.0.1:0 and closing it; argv exactly
  `[binary, "--port=N"]`; the core's environment plus FINFOCUS_PLUGIN_PORT=N;
  stdin the null device, stdout and stderr to the core's stderr; then a TCP
  dial to 127.0.0.1:N every 100 ms (100 ms dial timeout) until one connects,
  that probe connection closed at once, for up to 60 s;
- connect: a plaintext gRPC channel to 127.0.0.1:N (grpcio here, grpc-go
  there), with `x-finfocus-trace-id` metadata on every call;
- calls: Name with no deadline, GetPluginInfo with 5 s (a failure only
  logs), the spec version's major compared (a mismatch only logs); then per
  resource GetProjectedCost with its own 5 s deadline, built as the core
  builds it from a Pulumi resource (id = URN, provider = the type's prefix,
  resourceType = the full type, sku, region, every property as a tag); the
  plugins asked are those whose metadata.region is empty or the resource's
  (main's router; v0.2.6 asks every plugin, the same here with one
  region-less plugin); the first answer wins, an error falls through to the
  next plugin, then to "No pricing information available";
- stop: SIGKILL, no SIGTERM, no grace.

`python tests/core_standin.py RESOURCES_JSON` prints, as JSON, the plugins
it launched (name, version directory, binary, seconds until bound, Name,
GetPluginInfo) and one result per resource (the plugin that priced it, its
cost, or the gRPC code of each failure, and seconds), then whether each
plugin's process was gone after the SIGKILL.

Not reproduced: relaunching a plugin that never binds (5 times with
backoff), main's fallback to a `PORT=` line on stdout, strict spec-version
mode, routing configuration (`routing:` features, patterns, priorities),
plugin.metadata.json and file-name regions, the engine's 60 s overall
deadline, actual and estimate costs, spec files as a fallback, Windows, and
everything outside the plugin host (Pulumi plans, output formatting).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from finfocus_ecs.plugin_api import messages
from finfocus_ecs.plugin_api.wire import METHODS

BIND_WAIT_SECONDS = 60
CALL_SECONDS = 5
SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def home(environ: dict[str, str]) -> Path:
    """config.ResolveConfigDir, written again from the fact sheet: finfocus_ecs.connect's must be held to it."""
    if environ.get("FINFOCUS_HOME"):
        return Path(environ["FINFOCUS_HOME"])
    if environ.get("PULUMI_HOME"):
        return Path(environ["PULUMI_HOME"]) / "finfocus"
    if environ.get("HOME"):
        return Path(environ["HOME"]) / ".finfocus"
    return Path(".finfocus")


def _semver_key(name: str) -> tuple | None:
    match = SEMVER.match(name)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    # A pre-release sorts before its release.
    return int(major), int(minor), int(patch), pre is None, pre or ""


def _real_directories(directory: Path) -> list[Path]:
    return sorted(entry for entry in directory.iterdir() if entry.is_dir() and not entry.is_symlink())


def latest_plugins(plugins: Path) -> dict[str, Path]:
    """ListLatestPlugins: name => its highest-semver version directory."""
    found = {}
    if not plugins.is_dir():
        return found
    for name in _real_directories(plugins):
        versions = [(key, version) for version in _real_directories(name) if (key := _semver_key(version.name))]
        if versions:
            found[name.name] = max(versions)[1]
    return found


def find_binary(name: str, version: Path) -> Path | None:
    """findBinary: the named patterns first, then the first executable regular file."""
    for candidate in (f"finfocus-plugin-{name}", name):
        path = version / candidate
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return next((path for path in sorted(version.iterdir()) if path.is_file() and os.stat(path).st_mode & 0o111), None)


def free_port() -> int:
    """allocatePortWithListener, then releasePortListener."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def wait_for_bind(port: int, process: subprocess.Popen, limit: float = BIND_WAIT_SECONDS) -> float:
    """waitForPluginBind: dial every 100 ms; the first connection that succeeds is closed at once."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            raise RuntimeError(f"plugin exited with {process.returncode} before binding")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"plugin failed to bind to port: {port}")


class TraceInterceptor(grpc.UnaryUnaryClientInterceptor):
    """grpc.go: x-finfocus-trace-id on every unary call."""

    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = [*(details.metadata or ()), ("x-finfocus-trace-id", self.trace_id)]
        return continuation(details._replace(metadata=metadata), request)


@dataclass
class Plugin:
    """One launched plugin: its process, channel and what it said about itself."""

    name: str
    version: str
    binary: Path
    process: subprocess.Popen
    port: int
    bind_seconds: float
    channel: grpc.Channel
    plugin_name: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    def call(self, method: str, request: Any, timeout: float | None) -> Any:
        described = METHODS[method]
        stub = self.channel.unary_unary(
            described.path,
            request_serializer=described.request.SerializeToString,
            response_deserializer=described.response.FromString,
        )
        return stub(request, timeout=timeout)

    @property
    def region(self) -> str:
        return self.info.get("metadata", {}).get("region", "")


def launch(name: str, version: Path, trace_id: str) -> Plugin:
    binary = find_binary(name, version)
    if binary is None:
        raise RuntimeError(f"no plugin binary in {version}")
    port = free_port()
    process = subprocess.Popen(
        [str(binary), f"--port={port}"],
        env={**os.environ, "FINFOCUS_PLUGIN_PORT": str(port)},
        stdin=subprocess.DEVNULL,
        stdout=sys.stderr,
        stderr=sys.stderr,
    )
    bind_seconds = wait_for_bind(port, process)
    channel = grpc.intercept_channel(grpc.insecure_channel(f"127.0.0.1:{port}"), TraceInterceptor(trace_id))
    plugin = Plugin(name, version.name, binary, process, port, bind_seconds, channel)
    plugin.plugin_name = plugin.call("Name", messages.NameRequest(), None).name
    try:
        info = plugin.call("GetPluginInfo", messages.GetPluginInfoRequest(), CALL_SECONDS)
        plugin.info = {"version": info.version, "spec_version": info.spec_version, "metadata": dict(info.metadata)}
    except grpc.RpcError as error:
        print(f"core: GetPluginInfo failed: {error.code().name}", file=sys.stderr)
    return plugin


def request_for(resource: dict[str, Any]) -> Any:
    """adapter.go: one GetProjectedCostRequest per Pulumi resource."""
    properties = resource["properties"]
    resource_type = resource["type"]
    return messages.GetProjectedCostRequest(
        resource=messages.ResourceDescriptor(
            id=resource["urn"],
            provider=resource_type.split(":", 1)[0],
            resource_type=resource_type,
            sku=str(properties.get("instanceType") or properties.get("volumeType") or properties.get("type") or ""),
            region=str(properties.get("region") or properties.get("availabilityZone", "")[:-1]),
            tags={key: str(value) for key, value in properties.items()},
        )
    )


def price(plugins: list[Plugin], resource: dict[str, Any]) -> dict[str, Any]:
    request = request_for(resource)
    region = request.resource.region
    started = time.perf_counter()
    failures = []
    for plugin in plugins:
        if plugin.region and plugin.region.lower() != region.lower():
            continue
        try:
            answer = plugin.call("GetProjectedCost", request, CALL_SECONDS)
        except grpc.RpcError as error:
            failures.append({"plugin": plugin.name, "code": error.code().name, "message": error.details()})
            continue
        return {
            "urn": resource["urn"],
            "plugin": plugin.name,
            "cost_per_month": answer.cost_per_month,
            "seconds": time.perf_counter() - started,
        }
    return {
        "urn": resource["urn"],
        "failures": failures,
        "result": "No pricing information available",
        "seconds": time.perf_counter() - started,
    }


def main(argv: list[str]) -> None:
    resources = json.loads(Path(argv[0]).read_text())
    trace_id = str(uuid.uuid4())
    found = latest_plugins(home(dict(os.environ)) / "plugins")
    plugins = [launch(name, version, trace_id) for name, version in found.items()]
    results = [price(plugins, resource) for resource in resources]
    gone = {}
    for plugin in plugins:
        plugin.channel.close()
        plugin.process.send_signal(signal.SIGKILL)
        plugin.process.wait()
        gone[plugin.name] = not Path(f"/proc/{plugin.process.pid}").exists()
    json.dump(
        {
            "plugins": [
                {
                    "name": plugin.name,
                    "version": plugin.version,
                    "binary": str(plugin.binary),
                    "port": plugin.port,
                    "bind_seconds": plugin.bind_seconds,
                    "plugin_name": plugin.plugin_name,
                    "info": plugin.info,
                }
                for plugin in plugins
            ],
            "results": results,
            "gone_after_sigkill": gone,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
