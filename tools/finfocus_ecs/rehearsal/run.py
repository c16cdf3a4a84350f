"""One rehearsal from start to stop: what `finfocus-ecs rehearse` and the benchmark run.

Start the task, wait until it is HEALTHY (or stops, or the time is up),
probe every regional port from the client host as a client in the VPC would,
then stop it as ECS does and report how each step went. Served (`serve`), the
client host is this machine, and the task keeps serving between the probe and
the stop until Ctrl-C (or SIGTERM), so that the project's own commands can
call it from any shell here.
"""

from __future__ import annotations

import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finfocus_ecs.rehearsal.task import FARGATE_MAX_STOP_TIMEOUT, TaskRehearsal, TaskReport

Events = Callable[[float, str], None]


@dataclass
class RehearsalResult:
    """What a user wants to know: did it start, answer and stop as Fargate would run it."""

    healthy: bool
    seconds_to_healthy: float | None
    probes: dict[int, dict[str, Any]]
    stop_seconds: float | None
    report: TaskReport
    region_ports: dict[str, int] = field(default_factory=dict)

    @property
    def probes_ok(self) -> bool:
        return probes_answer(self.probes, self.region_ports)

    @property
    def stopped_cleanly(self) -> bool:
        return self.report.last_status == "STOPPED" and not any(c.killed for c in self.report.containers)

    @property
    def ok(self) -> bool:
        return self.healthy and self.probes_ok and self.stopped_cleanly

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "healthy": self.healthy,
            "seconds_to_healthy": self.seconds_to_healthy,
            "probes": {str(port): result for port, result in self.probes.items()},
            "stop_seconds": self.stop_seconds,
            "region_ports": self.region_ports,
            "task": asdict(self.report),
        }


def probes_answer(probes: Mapping[int, Mapping[str, Any]], region_ports: Mapping[str, int]) -> bool:
    """Every port answers /healthz and gRPC health as its own region, and one price over each protocol."""
    region_by_port = {port: region for region, port in region_ports.items()}
    return bool(probes) and all(
        result.get("http") == 200
        and result.get("grpc") == "ok"
        and result.get("region") == region_by_port.get(port)
        and len({*result.get("prices", {}).values()}) == 1
        and all(isinstance(cost, float) and cost > 0 for cost in result["prices"].values())
        for port, result in probes.items()
    )


def regional_ports(task_definition: Mapping[str, Any]) -> dict[str, int]:
    """Region => port from the port mappings (named after their regions), wherever they are published."""
    return {
        mapping["name"]: mapping["containerPort"]
        for container in task_definition["containerDefinitions"]
        for mapping in container.get("portMappings", [])
        if mapping.get("name") and mapping["name"] != "metrics"
    }


def rehearse(
    task_definition: Mapping[str, Any],
    *,
    time_scale: float = 1.0,
    plugin_regions: Iterable[str] | None = None,
    timeout: float = 600,
    on_event: Events | None = None,
    on_stopping: Callable[[], None] | None = None,
    workdir: Path | None = None,
) -> RehearsalResult:
    """Run the task definition once: start, HEALTHY, probe, stop (on_stopping: a HEALTHY task's stop begins)."""
    return _run(task_definition, time_scale, plugin_regions, timeout, on_event, workdir, on_stopping=on_stopping)


def serve(
    task_definition: Mapping[str, Any],
    *,
    on_ready: Callable[[str], None],
    on_stopping: Callable[[], None],
    time_scale: float = 1.0,
    plugin_regions: Iterable[str] | None = None,
    timeout: float = 600,
    on_event: Events | None = None,
    workdir: Path | None = None,
) -> RehearsalResult:
    """Run the task definition reachable from this machine, and keep it serving until Ctrl-C; then stop it as ECS does.

    on_ready gets the task IP once the task is HEALTHY and every port
    answered this machine; on_stopping is called when the stop begins. A
    second Ctrl-C during the stop kills every container at once.
    """

    def hold(task: TaskRehearsal, relay: Callable[[], None]) -> None:
        on_ready(task.network.task_ip)
        try:
            while task.last_status != "STOPPED":
                relay()
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass

    with _interrupted_by_sigterm():
        return _run(task_definition, time_scale, plugin_regions, timeout, on_event, workdir, hold, on_stopping)


@contextmanager
def _interrupted_by_sigterm() -> Iterator[None]:
    """SIGTERM (a service manager, `kill`) stops a served task as Ctrl-C does, instead of leaving it behind."""

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(
    task_definition: Mapping[str, Any],
    time_scale: float,
    plugin_regions: Iterable[str] | None,
    timeout: float,
    on_event: Events | None,
    workdir: Path | None,
    hold: Callable[[TaskRehearsal, Callable[[], None]], None] | None = None,
    on_stopping: Callable[[], None] | None = None,
) -> RehearsalResult:
    """Start, HEALTHY, probe, then `hold` (served only, with this machine as the client host), then stop."""
    with (
        tempfile.TemporaryDirectory(prefix="finfocus-rehearsal-", dir=workdir) as scratch,
        TaskRehearsal(
            task_definition,
            Path(scratch),
            time_scale=time_scale,
            plugin_regions=plugin_regions,
            tag="srv" if hold else "cli",
            client_on_host=hold is not None,
        ) as task,
    ):
        shown = 0

        def relay() -> None:
            nonlocal shown
            for seconds, text in task.events[shown:]:
                if on_event:
                    on_event(seconds, text)
            shown = len(task.events)

        task.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and task.health != "HEALTHY" and task.last_status != "STOPPED":
            relay()
            time.sleep(0.1)
        healthy = task.health == "HEALTHY"
        seconds_to_healthy = task.elapsed() if healthy else None
        region_ports = regional_ports(task_definition)
        probes = task.network.probe(region_ports) if healthy else {}
        relay()
        if hold and healthy and probes_answer(probes, region_ports):
            hold(task, relay)
        if on_stopping and healthy and task.last_status != "STOPPED":
            on_stopping()
        stop_started = task.elapsed()
        task.request_stop()
        # Relay the stop as it goes: served, the bridge may keep answering for a minute first.
        deadline = time.monotonic() + FARGATE_MAX_STOP_TIMEOUT * 3
        while task.last_status != "STOPPED" and time.monotonic() < deadline:
            relay()
            time.sleep(0.1)
        report = task.report()
        relay()
        stopped = [c.stopped_at for c in report.containers if c.stopped_at is not None]
        stop_seconds = round(max(stopped) - stop_started, 3) if healthy and stopped else None
        return RehearsalResult(healthy, seconds_to_healthy, probes, stop_seconds, report, region_ports)
