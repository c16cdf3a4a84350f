"""Stand-in for the FinFocus core's plugin host: find, launch, call and kill plugins as `finfocus cost projected` does.

Two modes, from ../shared/reference/finfocus-core-plugins.md:

v0.2.6 (measured on the real core, section 7; sections 1-3):
- plugin directory HOME/plugins, HOME being FINFOCUS_HOME, then
  PULUMI_HOME/finfocus, then ~/.finfocus, then ./.finfocus; each real
  (not symlinked) sub-directory a plugin name, each of its sub-directories
  a version; a version directory with no executable file is dropped, then
  the highest semver version is used (the parser also takes `1.2`, `v1`);
  the binary is `finfocus-plugin-NAME`, then `NAME`, else the first
  executable regular file by name;
- launch, one plugin after another: a free port from binding 127.0.0.1:0
  and closing it; argv exactly `[binary, "--port=N"]`; the core's environment
  plus FINFOCUS_PLUGIN_PORT=N; stdin the null device, stdout and stderr to
  the core's stderr; a TCP dial to 127.0.0.1:N every 100 ms (100 ms dial
  timeout) until one connects, that probe closed at once, for up to 60 s
  (120 s when CI=true). It does not notice a plugin that exits: after the
  wait it kills it and relaunches it, 5 times (10 when CI=true), with backoff
  from 0.1 to 2 s, then goes on without it;
- then Name with no deadline (an error drops the plugin), GetPluginInfo with
  5 s (a failure only logs), the spec version's major compared (only logs);
- resources priced in parallel (2 x CPUs workers), each built as the core
  builds it from a Pulumi resource (id = URN, provider = the type's prefix,
  resourceType = the full type, sku from instanceType, instanceClass,
  dbInstanceClass, ..., region from region or availabilityZone, else
  AWS_REGION / AWS_DEFAULT_REGION, every property a plain-string tag);
  every plugin is asked, with no deadline on GetProjectedCost, and every
  answer is kept and added up; an error reaches the user only as "no cost
  data available", its code and message only the core's log (stderr); no
  x-finfocus-trace-id on this path;
- SIGKILL at the end, no SIGTERM, no grace, to the plugin's process alone
  (its children are not killed: section 3's inference); exit code 0 even
  when nothing was priced.

v0.4 (today's core, v0.3 to v0.4.6, read from its source, section 8), as
v0.2.6 but:
- plugin directory FINFOCUS_PLUGIN_DIR, then `plugin_dir` of
  HOME/config.hujson, then HOME/plugins; a region from plugin.metadata.json
  (then the binary `finfocus-plugin-NAME-REGION` is tried first) or from a
  binary name ending in a region;
- plugins launched concurrently, each in its own process group; after 5 s
  without a bind on N, a `PORT=P` (or bare number) line on the plugin's
  stdout sends the wait to P; FINFOCUS_TRACE_ID passed to plugins; their
  stdout and stderr shown only when the core's stderr is a terminal (here:
  FINFOCUS_CORE_STANDIN_TERMINAL=1), else discarded;
- a resource goes to the plugins whose region (GetPluginInfo's
  metadata.region, else the one discovery found) is empty or the
  resource's, all of them when none matches; Supports first (provider,
  type, region, SKU): only a real decline drops a plugin for the resource,
  any error counts as supported (fail open); GetProjectedCost with 5 s;
  x-finfocus-trace-id on every call.

`python tests/core_standin.py [--mode v0.2.6|v0.4] RESOURCES_JSON` prints,
as JSON, the plugins it launched (name, version directory, binary, launches,
seconds until bound, Name, GetPluginInfo), one result per resource (the
answers it added up and their total, or "No pricing information available"
with "no cost data available" as the user sees it, and the errors as its
log has them) and, per plugin, what of it outlived the SIGKILL; what a
plugin wrote goes to stderr as the mode passes it.

Test affordances the real core lacks:
- what outlives the kill: every process of the plugin still running once the
  plugin's own process is reaped: its descendants as they were just before
  the kill, and any process that carries the launch's mark in its
  environment (FINFOCUS_CORE_STANDIN_LAUNCH, set on each launch, which
  children inherit: a double-forked daemon is found too). They are listed
  in the report and the log, then killed, so that the stand-in leaves no
  orphan behind (the real core would, and a test that reads the stand-in's
  output would wait on their open pipes);
- FINFOCUS_CORE_STANDIN_BIND_SECONDS shortens the bind wait, and
  FINFOCUS_CORE_STANDIN_RELAUNCHES the number of relaunches, for tests where
  a plugin that misses its first bind has failed already.

Not reproduced: strict spec-version mode; `routing:` configuration
(features, patterns, priorities) and the same-Name skip of main's router;
whether v0.4 adds up several plugins' answers as v0.2.6 does (assumed here);
BatchCost, ResolveResourceTypes, actual and estimate costs, spec files as a
fallback; Pdeathsig; Windows; everything outside the plugin host (Pulumi
plans, output formatting).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from finfocus_ecs.plugin_api import messages
from finfocus_ecs.plugin_api.wire import METHODS

MODES = ("v0.2.6", "v0.4")
CALL_SECONDS = 5
TRACE_HEADER = "x-finfocus-trace-id"
LAUNCH_MARK = "FINFOCUS_CORE_STANDIN_LAUNCH"
SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
# A region at the end of a binary's name (main's metadata.go): us-gov-* and cn-* do not match.
NAME_REGION = re.compile(r"-((?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d)$")
SKU_PROPERTIES = ("instanceType", "instanceClass", "dbInstanceClass", "type", "volumeType", "sku", "tier")


def home(environ: dict[str, str]) -> Path:
    """config.ResolveConfigDir, written again from the fact sheet: finfocus_ecs's must be held to it."""
    if environ.get("FINFOCUS_HOME"):
        return Path(environ["FINFOCUS_HOME"])
    if environ.get("PULUMI_HOME"):
        return Path(environ["PULUMI_HOME"]) / "finfocus"
    if environ.get("HOME"):
        return Path(environ["HOME"]) / ".finfocus"
    return Path(".finfocus")


def plugin_dir(mode: str, environ: dict[str, str]) -> Path:
    """Where the core of this mode reads plugins."""
    if mode == "v0.4":
        if environ.get("FINFOCUS_PLUGIN_DIR"):
            return Path(environ["FINFOCUS_PLUGIN_DIR"])
        config = home(environ) / "config.hujson"
        if config.is_file():
            text = re.sub(r"//[^\n]*|/\*.*?\*/", "", config.read_text(), flags=re.DOTALL)
            configured = json.loads(re.sub(r",(\s*[}\]])", r"\1", text)).get("plugin_dir")
            if configured:
                return Path(configured)
    return home(environ) / "plugins"


def _semver_key(name: str) -> tuple | None:
    match = SEMVER.match(name)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    # A pre-release sorts before its release.
    return int(major), int(minor or 0), int(patch or 0), pre is None, pre or ""


def _executables(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if path.is_file() and os.stat(path).st_mode & 0o111)


def _real_directories(directory: Path) -> list[Path]:
    return sorted(entry for entry in directory.iterdir() if entry.is_dir() and not entry.is_symlink())


@dataclass
class Found:
    """A plugin discovery chose: name, version directory, binary and (v0.4) the region discovery read."""

    name: str
    version: Path
    binary: Path
    region: str = ""


def discover(mode: str, plugins: Path) -> list[Found]:
    """ListLatestPlugins and findBinary."""
    found = []
    if not plugins.is_dir():
        return found
    for name in _real_directories(plugins):
        versions = [(key, version) for version in _real_directories(name) if (key := _semver_key(version.name))]
        versions = [(key, version) for key, version in versions if _executables(version)]
        if not versions:
            continue
        version = max(versions)[1]
        region = ""
        metadata = version / "plugin.metadata.json"
        if mode == "v0.4" and metadata.is_file():
            region = json.loads(metadata.read_text()).get("region", "")
        patterns = [f"finfocus-plugin-{name.name}-{region}"] if region else []
        patterns += [f"finfocus-plugin-{name.name}", name.name]
        binary = next(
            (version / p for p in patterns if (version / p).is_file() and os.access(version / p, os.X_OK)), None
        )
        binary = binary or _executables(version)[0]
        if mode == "v0.4" and not region and (match := NAME_REGION.search(binary.name)):
            region = match.group(1)
        found.append(Found(name.name, version, binary, region))
    return found


def free_port() -> int:
    """allocatePortWithListener, then releasePortListener."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def _dial(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
        return True
    except OSError:
        return False


class TraceInterceptor(grpc.UnaryUnaryClientInterceptor):
    """grpc.go: x-finfocus-trace-id on every unary call."""

    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = [*(details.metadata or ()), (TRACE_HEADER, self.trace_id)]
        return continuation(details._replace(metadata=metadata), request)


@dataclass
class Plugin:
    """One launched plugin: its process, channel and what it said about itself."""

    found: Found
    process: subprocess.Popen
    launch: str
    port: int
    bind_seconds: float
    launches: int
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
        return self.info.get("metadata", {}).get("region", "") or self.found.region


class Core:
    """One `finfocus cost projected` run's plugin host, in one of the two modes."""

    def __init__(self, mode: str, environ: dict[str, str]) -> None:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: use one of {', '.join(MODES)}")
        self.mode, self.environ = mode, environ
        in_ci = environ.get("CI") == "true"
        self.bind_seconds = float(environ.get("FINFOCUS_CORE_STANDIN_BIND_SECONDS") or (120 if in_ci else 60))
        self.relaunches = int(environ.get("FINFOCUS_CORE_STANDIN_RELAUNCHES") or (10 if in_ci else 5))
        self.trace_id = str(uuid.uuid4())
        self.log: list[str] = []
        # What outlived the kill of a plugin dropped (never bound, or Name failed): the report's outlived_sigkill.
        self.dropped: dict[str, list[str]] = {}
        self.shows_plugin_output = mode == "v0.2.6" or environ.get("FINFOCUS_CORE_STANDIN_TERMINAL") == "1"

    def _start(self, found: Found, port: int, launch: str) -> subprocess.Popen:
        env = {**self.environ, "FINFOCUS_PLUGIN_PORT": str(port), LAUNCH_MARK: launch}
        if self.mode == "v0.4":
            env["FINFOCUS_TRACE_ID"] = self.trace_id
        shown = sys.stderr if self.shows_plugin_output else subprocess.DEVNULL
        return subprocess.Popen(
            [str(found.binary), f"--port={port}"],
            env=env,
            stdin=subprocess.DEVNULL,
            # v0.4 keeps stdout for its PORT= fallback (and copies it on when it shows plugin output).
            stdout=subprocess.PIPE if self.mode == "v0.4" else shown,
            stderr=shown,
            start_new_session=self.mode == "v0.4",
            text=True,
        )

    def _wait_for_bind(self, process: subprocess.Popen, port: int) -> tuple[int, float] | None:
        """(the port bound, seconds), or None after the wait; a plugin that exits is not noticed."""
        started = time.perf_counter()
        lines: list[str] = []
        if self.mode == "v0.4":
            import threading

            def read() -> None:
                for line in process.stdout:  # type: ignore[union-attr]
                    lines.append(line)
                    if self.shows_plugin_output:
                        sys.stderr.write(line)

            threading.Thread(target=read, daemon=True).start()
        while time.perf_counter() - started < self.bind_seconds:
            if _dial(port):
                return port, time.perf_counter() - started
            if self.mode == "v0.4" and time.perf_counter() - started > 5:
                for line in lines:
                    match = re.match(r"^(?:PORT=)?(\d+)\s*$", line.strip(), re.IGNORECASE)
                    if match and int(match.group(1)) != port and _dial(int(match.group(1))):
                        return int(match.group(1)), time.perf_counter() - started
            time.sleep(0.1)
        return None

    def launch(self, found: Found) -> Plugin | None:
        """Launch, wait for the bind (relaunching), connect, Name and GetPluginInfo; None when the plugin is dropped."""
        launches, backoff = 0, 0.1
        while True:
            launches += 1
            port = free_port()
            launch = uuid.uuid4().hex
            process = self._start(found, port, launch)
            bound = self._wait_for_bind(process, port)
            if bound is not None:
                break
            self.log.append(f"plugin {found.name}: plugin failed to bind to port: {port}")
            self.dropped.setdefault(found.name, []).extend(self._kill(found, process, launch))
            if launches > self.relaunches:
                self.log.append(f"plugin {found.name}: giving up after {launches} launches")
                return None
            time.sleep(backoff)
            backoff = min(2.0, backoff * 2)
        port, seconds = bound
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        if self.mode == "v0.4":
            channel = grpc.intercept_channel(channel, TraceInterceptor(self.trace_id))
        plugin = Plugin(found, process, launch, port, seconds, launches, channel)
        try:
            plugin.plugin_name = plugin.call("Name", messages.NameRequest(), None).name
        except grpc.RpcError as error:
            self.log.append(f"plugin {found.name}: Name failed: {error.code().name}: {error.details()}")
            channel.close()
            self.dropped.setdefault(found.name, []).extend(self._kill(found, process, launch))
            return None
        try:
            info = plugin.call("GetPluginInfo", messages.GetPluginInfoRequest(), CALL_SECONDS)
            plugin.info = {"version": info.version, "spec_version": info.spec_version, "metadata": dict(info.metadata)}
        except grpc.RpcError as error:
            self.log.append(f"plugin {found.name}: GetPluginInfo failed: {error.code().name}")
        return plugin

    def open(self) -> list[Plugin]:
        """registry.Open: every plugin discovered; one after another in v0.2.6, at once in v0.4."""
        found = discover(self.mode, plugin_dir(self.mode, self.environ))
        if self.mode == "v0.4":
            with ThreadPoolExecutor(max_workers=max(1, len(found))) as pool:
                launched = list(pool.map(self.launch, found))
        else:
            launched = [self.launch(each) for each in found]
        return [plugin for plugin in launched if plugin is not None]

    def request_for(self, resource: dict[str, Any]) -> Any:
        """adapter.go: one GetProjectedCostRequest per Pulumi resource."""
        properties = resource["properties"]
        resource_type = resource["type"]
        sku = next((str(properties[name]) for name in SKU_PROPERTIES if properties.get(name)), "")
        zone = str(properties.get("availabilityZone", ""))
        region = str(properties.get("region") or (zone[:-1] if zone else ""))
        region = region or self.environ.get("AWS_REGION") or self.environ.get("AWS_DEFAULT_REGION", "")
        return messages.GetProjectedCostRequest(
            resource=messages.ResourceDescriptor(
                id=resource["urn"],
                provider=resource_type.split(":", 1)[0],
                resource_type=resource_type,
                sku=sku,
                region=region,
                tags={key: str(value) for key, value in properties.items()},
            )
        )

    def _asked(self, plugins: list[Plugin], resource: Any) -> list[Plugin]:
        """Which plugins a resource goes to: all (v0.2.6); by region, then Supports (v0.4)."""
        if self.mode == "v0.2.6":
            return plugins
        matching = [p for p in plugins if not p.region or p.region.lower() == resource.region.lower()]
        asked = []
        for plugin in matching or plugins:
            try:
                answer = plugin.call("Supports", messages.SupportsRequest(resource=resource), CALL_SECONDS)
            except grpc.RpcError as error:  # fail open
                self.log.append(f"plugin {plugin.found.name}: Supports failed ({error.code().name}): asked anyway")
                asked.append(plugin)
                continue
            if answer.supported:
                asked.append(plugin)
            else:
                self.log.append(f"plugin {plugin.found.name} declines {resource.region}: {answer.reason}")
        return asked

    def price(self, plugins: list[Plugin], resource: dict[str, Any]) -> dict[str, Any]:
        request = self.request_for(resource)
        started = time.perf_counter()
        answers, errors = [], []
        deadline = CALL_SECONDS if self.mode == "v0.4" else None
        for plugin in self._asked(plugins, request.resource):
            try:
                answer = plugin.call("GetProjectedCost", request, deadline)
            except grpc.RpcError as error:
                errors.append({"plugin": plugin.found.name, "code": error.code().name, "message": error.details()})
                self.log.append(f"plugin {plugin.found.name}: {error.code().name}: {error.details()}")
                continue
            answers.append({"plugin": plugin.found.name, "cost_per_month": answer.cost_per_month})
        result = {"urn": resource["urn"], "answers": answers, "errors": errors}
        if answers:
            result["cost_per_month"] = sum(answer["cost_per_month"] for answer in answers)
        else:
            result |= {
                "result": "No pricing information available",
                "shown": "plugin call failed: no cost data available",
            }
        return {**result, "seconds": time.perf_counter() - started}

    def close(self, plugins: list[Plugin]) -> dict[str, list[str]]:
        """Kill every plugin; per plugin, what of it outlived the kill."""
        outlived = {}
        for plugin in plugins:
            plugin.channel.close()
            outlived[plugin.found.name] = self._kill(plugin.found, plugin.process, plugin.launch)
        return outlived

    def _kill(self, found: Found, process: subprocess.Popen, launch: str) -> list[str]:
        """SIGKILL, no grace (v0.4: to the plugin's process group); what of the plugin still runs after it."""
        descendants = _descendants(process.pid)
        try:
            if self.mode == "v0.4":
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.send_signal(signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
        survivors = _outliving(descendants | _marked(launch))
        for pid, command in survivors.items():
            self.log.append(f"plugin {found.name}: process {pid} ({command}) outlived the SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return [f"{pid} {command}" for pid, command in sorted(survivors.items())]


def _processes() -> dict[int, tuple[int, str]]:
    """Every process still running (not a zombie): pid => (parent pid, state)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: the fields follow its last ")".
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        found[int(entry.name)] = (int(parent), state)
    return found


def _descendants(pid: int) -> set[int]:
    """The processes under pid, children of children included, as they are now."""
    children: dict[int, list[int]] = {}
    for child, (parent, _) in _processes().items():
        children.setdefault(parent, []).append(child)
    found, pending = set(), [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _marked(launch: str) -> set[int]:
    """The processes whose environment carries this launch's mark, wherever they were reparented."""
    mark = f"{LAUNCH_MARK}={launch}".encode()
    found = set()
    for pid in _processes():
        try:
            if mark in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                found.add(pid)
        except OSError:
            continue
    return found - {os.getpid()}


def _outliving(candidates: set[int], settle_seconds: float = 1.0) -> dict[int, str]:
    """The candidates still running (zombies are gone) once a killed group has had time to die: pid => command."""
    deadline = time.monotonic() + settle_seconds
    while True:
        running = _processes()
        alive = {pid for pid in candidates if pid in running and running[pid][1] != "Z"}
        if not alive or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    commands = {}
    for pid in alive:
        try:
            commands[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
    return commands


def run(mode: str, resources: list[dict[str, Any]], environ: dict[str, str]) -> dict[str, Any]:
    core = Core(mode, environ)
    started = time.perf_counter()
    plugins = core.open()
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        results = list(pool.map(lambda resource: core.price(plugins, resource), resources))
    outlived = {**core.dropped, **core.close(plugins)}
    return {
        "mode": mode,
        "plugins": [
            {
                "name": plugin.found.name,
                "version": plugin.found.version.name,
                "binary": str(plugin.found.binary),
                "port": plugin.port,
                "launches": plugin.launches,
                "bind_seconds": plugin.bind_seconds,
                "plugin_name": plugin.plugin_name,
                "info": plugin.info,
            }
            for plugin in plugins
        ],
        "results": results,
        "log": core.log,
        "outlived_sigkill": outlived,
        "seconds": time.perf_counter() - started,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="core_standin")
    parser.add_argument("--mode", choices=MODES, default="v0.2.6")
    parser.add_argument("resources")
    arguments = parser.parse_args(argv)
    report = run(arguments.mode, json.loads(Path(arguments.resources).read_text()), dict(os.environ))
    for line in report["log"]:
        print(f"core: {line}", file=sys.stderr)
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
