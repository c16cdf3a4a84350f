"""Run a task definition on this machine under ECS's rules for Fargate.

It reads the RegisterTaskDefinition JSON that the module plans (the same
container definitions ECS would get) and, for each container, runs its
process in a stand-in of its image (images.py) inside the task's shared
network namespace (network.py), with its own mount and PID namespaces
(launch.py). Then it applies ECS's rules, as ../shared/reference/
fargate-runtime.md gives them:

- `user`, `environment` (plus the variables ECS adds), `entryPoint` and
  `command` (an `entryPoint` drops the image's CMD), `readonlyRootFilesystem`;
- task volumes as root-owned 0755 directories mounted at each `containerPath`;
- `dependsOn` with START, COMPLETE, SUCCESS and HEALTHY; COMPLETE and SUCCESS
  may not name an essential container; a dependency that stopped without
  meeting its condition stops the task; a HEALTHY dependency that is
  UNHEALTHY is waited for, as the ECS agent does, so the dependent stays
  PENDING and so does the task (containers-roadmap#2379). The agent's
  dependency graph gives up only on a dependency that will never start, a
  SUCCESS one that exited non-zero, or one past its startTimeout; for a
  non-essential HEALTHY dependency that stopped it would wait forever, where
  the rehearsal stops the task (an essential one stops it on both);
- `healthCheck`: CMD runs the program, CMD-SHELL runs `/bin/sh -c`, in the
  container as its user; the first check one interval after start, the next
  one interval after the last ended; a failed check that started within the
  start period does not count unless a check has passed (Docker's rule); a
  pass makes the container HEALTHY; UNHEALTHY after `retries` consecutive
  counted failures, a timeout being one; task health from the essential
  containers that have a check; each check's result is in the report;
- an essential container that exits stops the task;
- stop: each container gets its image's stop signal, then SIGKILL after its
  `stopTimeout` (default 30 s, at most 120 s). A container is signalled only
  once every container that depends on it has exited: the API reference's
  ContainerDependency says "when a dependency is defined for container
  startup, for container shutdown it is reversed", and the ECS agent's
  dependency graph (agent/engine/dependencygraph/graph.go,
  verifyShutdownOrder) holds a container's stop until its dependents are
  stopped. So the port bridge stops first and the plugin gets SIGTERM after
  the bridge has exited.

`time_scale` shortens the health checks' interval and timeout (never the start
period, stopTimeout, nor anything inside the containers), so a test can
rehearse the planned definition in seconds rather than minutes. The start
period stays real because it covers the containers' own start, which runs at
real speed: scaled to 12 s, the default 240 s let a loaded machine's ten
Python region stand-ins be judged UNHEALTHY before they could bind.

Not reproduced: image pulls, CPU and memory limits, the ECS agent's
`startTimeout` for dependencies, Linux capabilities, secrets (their names get
placeholder values), log drivers (each container's output goes to a file), the
service replacing an UNHEALTHY task, and Cloud Map registration.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets as random_tokens
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finfocus_ecs.rehearsal.images import Image, build_root, read_only_mounts
from finfocus_ecs.rehearsal.network import IP, METADATA_IP, TaskNetwork, awsvpc_networks

FARGATE_DEFAULT_STOP_TIMEOUT = 30
FARGATE_MAX_STOP_TIMEOUT = 120
HEALTH_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3, "startPeriod": 0}
TICK = 0.05


class TaskDefinitionError(ValueError):
    """What ECS would refuse when the task definition is registered."""


@dataclass
class HealthCheckResult:
    """One health check as it ran: seconds since the task started, its exit code (None: timed out), health after."""

    started: float
    ended: float
    exit_code: int | None
    health: str


# The most recent checks a report keeps: a served task checks each container every few seconds for hours.
HEALTH_RECORDS = 1000


@dataclass
class ContainerReport:
    """One container as `describe-tasks` would show it, plus why it stopped."""

    name: str
    essential: bool
    state: str = "PENDING"
    health: str = "UNKNOWN"
    exit_code: int | None = None
    reason: str = ""
    started_at: float | None = None
    healthy_at: float | None = None
    stop_signal_at: float | None = None
    stopped_at: float | None = None
    killed: bool = False
    last_health_output: str = ""
    log_tail: list[str] = field(default_factory=list)
    health_checks: list[HealthCheckResult] = field(default_factory=list)


@dataclass
class TaskReport:
    health: str
    last_status: str
    stopped_reason: str
    containers: list[ContainerReport]
    events: list[tuple[float, str]]

    def container(self, name: str) -> ContainerReport:
        return next(container for container in self.containers if container.name == name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Container:
    """A container definition, its stand-in image and its runtime state."""

    def __init__(self, definition: Mapping[str, Any], image: Image, root: Path, log_path: Path) -> None:
        self.definition = definition
        self.name: str = definition["name"]
        self.image = image
        self.root = root
        self.log_path = log_path
        self.report = ContainerReport(self.name, bool(definition.get("essential", True)))
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None
        self.metadata_id = random_tokens.token_hex(16)
        stop_timeout = definition.get("stopTimeout", FARGATE_DEFAULT_STOP_TIMEOUT)
        self.stop_timeout = min(stop_timeout, FARGATE_MAX_STOP_TIMEOUT)
        self.depends_on: list[dict[str, str]] = list(definition.get("dependsOn", []))

    @property
    def user(self) -> str:
        return self.definition.get("user") or self.image.user

    def argv(self) -> list[str]:
        """Docker's rule: an entryPoint override drops the image's CMD unless a command is given."""
        if "entryPoint" in self.definition:
            return [*self.definition["entryPoint"], *self.definition.get("command", [])]
        return [*self.image.entrypoint, *self.definition.get("command", self.image.cmd)]


class TaskRehearsal:
    """A task definition running in namespaces, with ECS's dependency, health and stop rules.

    Use as a context manager: everything it starts is killed and removed on
    exit, even on failure.
    """

    def __init__(
        self,
        task_definition: Mapping[str, Any],
        workdir: Path,
        *,
        time_scale: float = 1.0,
        plugin_regions: Iterable[str] | None = None,
        tag: str = "r",
        region: str = "us-east-1",
        client_on_host: bool = False,
    ) -> None:
        self.task_definition = task_definition
        self.workdir = workdir
        self.time_scale = time_scale
        self.plugin_regions = None if plugin_regions is None else list(plugin_regions)
        self.region = region
        self.network = TaskNetwork(tag, client_on_host=client_on_host)
        self.containers: dict[str, Container] = {}
        self.events: list[tuple[float, str]] = []
        self.stopping = False
        self.stopped_reason = ""
        self._lock = threading.RLock()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started_at = time.monotonic()
        _check_definition(task_definition)

    # ------------------------------------------------------------------ set-up

    def __enter__(self) -> TaskRehearsal:
        try:
            self.network.__enter__()
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _build(self) -> None:
        for directory in ("roots", "volumes", "logs", "specs"):
            (self.workdir / directory).mkdir(parents=True, exist_ok=True)
        for volume in self.task_definition.get("volumes", []):
            # What Fargate gives a task volume: an empty root-owned 0755 directory.
            path = self.workdir / "volumes" / volume["name"]
            path.mkdir()
            os.chown(path, 0, 0)
            path.chmod(0o755)
        for definition in self.task_definition["containerDefinitions"]:
            root = self.workdir / "roots" / definition["name"]
            image = build_root(definition["image"], root, self.plugin_regions)
            self.containers[definition["name"]] = Container(
                definition, image, root, self.workdir / "logs" / f"{definition['name']}.log"
            )
        self.network.start_metadata(self._task_metadata(), self._containers_metadata())

    def _containers_metadata(self) -> dict[str, dict[str, Any]]:
        return {
            container.metadata_id: {
                "DockerId": container.metadata_id,
                "Name": name,
                "DockerName": f"ecs-rehearsal-{name}",
                "Image": container.definition["image"],
                "DesiredStatus": "RUNNING",
                "KnownStatus": "RUNNING",
                "Type": "NORMAL",
                "Networks": awsvpc_networks(self.network.task_ip),
            }
            for name, container in self.containers.items()
        }

    def _task_metadata(self) -> dict[str, Any]:
        account = "123456789012"
        family = self.task_definition.get("family", "rehearsal")
        return {
            "Cluster": f"arn:aws:ecs:{self.region}:{account}:cluster/rehearsal",
            "TaskARN": f"arn:aws:ecs:{self.region}:{account}:task/rehearsal/{random_tokens.token_hex(16)}",
            "Family": family,
            "Revision": "1",
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Limits": {"CPU": int(self.task_definition["cpu"]) / 1024, "Memory": int(self.task_definition["memory"])},
            "AvailabilityZone": f"{self.region}a",
            "LaunchType": "FARGATE",
            "Containers": list(self._containers_metadata().values()),
        }

    def _environment(self, container: Container) -> dict[str, str]:
        uri = f"http://{METADATA_IP}/v4/{container.metadata_id}"
        env = {
            **container.image.env,
            "HOSTNAME": f"ip-{self.network.task_ip.replace('.', '-')}.ec2.internal",
            "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "ECS_CONTAINER_METADATA_URI": uri.replace("/v4/", "/v3/"),
            "ECS_CONTAINER_METADATA_URI_V4": uri,
        }
        env.update({item["name"]: item["value"] for item in container.definition.get("environment", [])})
        # Secrets cannot be read here: each gets a placeholder value.
        for item in container.definition.get("secrets", []):
            env[item["name"]] = f"rehearsal-secret-{item['name']}"
        return env

    # ------------------------------------------------------------------ running

    def elapsed(self) -> float:
        return round(time.monotonic() - self._started_at, 3)

    def _event(self, text: str) -> None:
        self.events.append((self.elapsed(), text))

    def start(self) -> None:
        """Start the containers as their dependencies allow, in the background."""
        self._started_at = time.monotonic()
        self._event("task started")
        supervisor = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
        self._threads.append(supervisor)
        supervisor.start()

    def _launch(self, container: Container) -> None:
        volumes = self.workdir / "volumes"
        spec = {
            "root": str(container.root),
            "read_only_mounts": read_only_mounts(container.image),
            "volumes": [
                [str(volumes / item["sourceVolume"]), item["containerPath"], item.get("readOnly", False)]
                for item in container.definition.get("mountPoints", [])
            ],
            "read_only_root": bool(container.definition.get("readonlyRootFilesystem", False)),
            "user": container.user,
            "workdir": container.definition.get("workingDirectory") or container.image.workdir,
            "argv": container.argv(),
            "env": self._environment(container),
        }
        spec_path = self.workdir / "specs" / f"{container.name}.json"
        spec_path.write_text(json.dumps(spec))
        log = open(container.log_path, "ab")  # noqa: SIM115 - the container's output, closed when it stops
        launcher = [sys.executable, "-m", "finfocus_ecs.rehearsal.launch", str(spec_path)]
        container.process = subprocess.Popen(
            [IP, "netns", "exec", self.network.task_ns, *launcher],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        container.pid = self._container_pid(container)
        if container.pid is None and container.process.poll() is None:
            # Never chrooted: nothing to signal or check; stop the launcher and let it count as exited.
            container.report.reason = "the container's process did not start within 10 s"
            os.killpg(container.process.pid, signal.SIGKILL)
        container.report.state = "RUNNING"
        container.report.started_at = self.elapsed()
        self._event(f"{container.name} started as {container.user}: {' '.join(container.argv())[:120]}")
        if "healthCheck" in container.definition:
            checker = threading.Thread(target=self._health_loop, args=(container,), name=f"health-{container.name}")
            checker.daemon = True
            self._threads.append(checker)
            checker.start()

    def _container_pid(self, container: Container) -> int | None:
        """The host PID of the container's PID 1: the launcher's child, once it has chrooted."""
        deadline = time.monotonic() + 10
        launcher_pid = container.process.pid
        while time.monotonic() < deadline and container.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                children = Path(f"/proc/{launcher_pid}/task/{launcher_pid}/children").read_text().split()
                if children and os.readlink(f"/proc/{children[0]}/root") != "/":
                    return int(children[0])
            time.sleep(0.01)
        return None

    def _dependency_state(self, condition: str, dependency: Container) -> bool | None:
        """True when met, False while it may still be met, None when it never can be."""
        report = dependency.report
        if condition == "START":
            return report.state != "PENDING"
        if condition == "COMPLETE":
            return report.state == "STOPPED"
        if condition == "SUCCESS":
            if report.state != "STOPPED":
                return False
            return True if report.exit_code == 0 else None
        if condition == "HEALTHY":
            if report.health == "HEALTHY":
                return True
            # UNHEALTHY is not final: a later pass turns the container HEALTHY, and the agent waits.
            return None if report.state == "STOPPED" else False
        raise TaskDefinitionError(f"unknown dependsOn condition {condition}")

    def _supervise(self) -> None:
        while not self._closed.is_set():
            with self._lock:
                self._collect_exits()
                if self.stopping:
                    self._advance_stop()
                    if all(container.report.state == "STOPPED" for container in self.containers.values()):
                        self._event("task stopped")
                        return
                else:
                    self._start_ready()
            time.sleep(TICK)

    def _start_ready(self) -> None:
        for container in self.containers.values():
            if container.report.state != "PENDING":
                continue
            states = [
                (item, self._dependency_state(item["condition"], self.containers[item["containerName"]]))
                for item in container.depends_on
            ]
            blocked = [item for item, state in states if state is None]
            if blocked:
                item = blocked[0]
                dependency = self.containers[item["containerName"]].report
                detail = f"exit code {dependency.exit_code}" if dependency.state == "STOPPED" else dependency.health
                self._stop_task(
                    f"{container.name} can never start: dependency {item['containerName']} did not reach "
                    f"{item['condition']} ({detail})"
                )
                return
            if all(state for _, state in states):
                self._launch(container)

    def _collect_exits(self) -> None:
        for container in self.containers.values():
            if container.report.state != "RUNNING" or container.process.poll() is None:
                continue
            code = container.process.returncode
            report = container.report
            # The launcher exits as the container did (128 + signal when killed).
            report.exit_code = 128 - code if code < 0 else code
            report.state = "STOPPED"
            report.stopped_at = self.elapsed()
            log = self.log(container.name)
            report.log_tail = log[-8:]
            if report.exit_code != 0:
                report.reason = report.reason or _exit_reason(log, report.exit_code)
            self._event(f"{container.name} exited with code {report.exit_code}")
            if report.essential and not self.stopping:
                self._stop_task(f"Essential container in task exited: {container.name} (exit code {report.exit_code})")

    def _stop_task(self, reason: str) -> None:
        if not self.stopping:
            self.stopping = True
            self.stopped_reason = reason
            self._event(f"stopping: {reason}")
            for container in self.containers.values():
                if container.report.state == "PENDING":
                    container.report.state = "STOPPED"
                    container.report.reason = "never started: the task stopped first"

    def _advance_stop(self) -> None:
        """Signal each container once those that depend on it have stopped; SIGKILL after stopTimeout."""
        now = self.elapsed()
        for container in self.containers.values():
            report = container.report
            if report.state != "RUNNING":
                continue
            if report.stop_signal_at is None:
                dependents = [
                    other
                    for other in self.containers.values()
                    if other.report.state == "RUNNING"
                    and any(item["containerName"] == container.name for item in other.depends_on)
                ]
                if not dependents:
                    self._signal(container, container.image.stop_signal)
                    report.stop_signal_at = now
                    self._event(f"{container.name}: {container.image.stop_signal.name}")
            elif now - report.stop_signal_at >= container.stop_timeout and not report.killed:
                self._signal(container, signal.SIGKILL)
                report.killed = True
                self._event(f"{container.name}: SIGKILL after stopTimeout {container.stop_timeout} s")

    @staticmethod
    def _signal(container: Container, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(container.pid, signum)

    # ------------------------------------------------------------ health checks

    def _health_loop(self, container: Container) -> None:
        settings = {**HEALTH_DEFAULTS, **container.definition["healthCheck"]}
        interval, timeout, start_period = health_timings(settings, self.time_scale)
        started = time.monotonic()
        failures = 0
        while not self._closed.wait(interval):
            if container.report.state != "RUNNING":
                return
            check_started = time.monotonic()
            started_at = self.elapsed()
            code, output = self.exec_in(container.name, _health_argv(settings["command"]), timeout)
            with self._lock:
                if container.report.state != "RUNNING":
                    return
                report = container.report
                report.last_health_output = output.strip()[-300:]
                if code == 0:
                    failures = 0
                    if report.health != "HEALTHY":
                        report.health = "HEALTHY"
                        report.healthy_at = report.healthy_at or self.elapsed()
                        self._event(f"{container.name} HEALTHY")
                # Docker's rule: a failure counts unless the check started within the start
                # period while no check had passed yet (a pass ends the start period).
                elif report.healthy_at is not None or check_started - started >= start_period:
                    failures += 1
                    if failures >= settings["retries"] and report.health != "UNHEALTHY":
                        report.health = "UNHEALTHY"
                        self._event(f"{container.name} UNHEALTHY: {report.last_health_output or f'exit {code}'}")
                report.health_checks.append(HealthCheckResult(started_at, self.elapsed(), code, report.health))
                del report.health_checks[:-HEALTH_RECORDS]

    def exec_in(self, name: str, argv: list[str], timeout: float, user: str | None = None) -> tuple[int | None, str]:
        """Run argv inside a running container (its namespaces, root, user and environment).

        Returns (exit code, output); the code is None on a timeout, which
        kills the command.
        """
        container = self.containers[name]
        uid, gid = _numeric_user(container, user or container.user)
        command = [
            "nsenter", "-t", str(container.pid), "-m", "-p", "-n", "-r", "-w",
            "-S", str(uid), "-G", str(gid), "--", *argv,
        ]  # fmt: skip
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self._environment(container),
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
            return process.returncode, output
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return None, f"{output}health check timed out after {timeout:g} s"

    # ------------------------------------------------------------------ queries

    @property
    def health(self) -> str:
        """ECS's task health: from the essential containers that have a health check."""
        with self._lock:
            checked = [
                container.report
                for container in self.containers.values()
                if container.report.essential and "healthCheck" in container.definition
            ]
            if any(report.health == "UNHEALTHY" for report in checked):
                return "UNHEALTHY"
            if checked and all(report.health == "HEALTHY" for report in checked):
                return "HEALTHY"
            return "UNKNOWN"

    @property
    def last_status(self) -> str:
        """ECS's lastStatus: PENDING until every essential container has started, then RUNNING."""
        with self._lock:
            reports = [container.report for container in self.containers.values()]
        if all(report.state == "STOPPED" for report in reports):
            return "STOPPED"
        if self.stopping:
            return "STOPPING"
        return "PENDING" if any(r.essential and r.state == "PENDING" for r in reports) else "RUNNING"

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(TICK)
        return predicate()

    def wait_for_health(self, status: str, timeout: float) -> bool:
        """Wait for the task's health, or for the task to stop (which ends the wait)."""
        return self.wait_until(lambda: self.health == status or self.last_status == "STOPPED", timeout) and (
            self.health == status
        )

    def log(self, name: str) -> list[str]:
        path = self.containers[name].log_path
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def processes(self, name: str) -> dict[int, str]:
        """Host PID => command line of every process in a container's PID namespace."""
        container = self.containers[name]
        try:
            namespace = os.readlink(f"/proc/{container.pid}/ns/pid")
        except (OSError, TypeError):
            return {}
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if os.readlink(entry / "ns" / "pid") == namespace:
                    found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        return found

    def kill_process(self, name: str, command_contains: str, signum: signal.Signals = signal.SIGKILL) -> int:
        """Signal every process of a container whose command line contains the text; how many."""
        matching = [pid for pid, command in self.processes(name).items() if command_contains in command]
        for pid in matching:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        return len(matching)

    def request_stop(self, reason: str = "Task stopped by user") -> None:
        """Begin to stop the task as `ecs stop-task` does, and return at once."""
        with self._lock:
            self._stop_task(reason)

    def stop(self, reason: str = "Task stopped by user", timeout: float = FARGATE_MAX_STOP_TIMEOUT * 3) -> TaskReport:
        """Stop the task as `ecs stop-task` does, and wait until every container has exited."""
        self.request_stop(reason)
        self.wait_until(lambda: self.last_status == "STOPPED", timeout)
        return self.report()

    def report(self) -> TaskReport:
        with self._lock:
            for container in self.containers.values():
                if container.report.state == "RUNNING":
                    container.report.log_tail = self.log(container.name)[-8:]
            return TaskReport(
                health=self.health,
                last_status=self.last_status,
                stopped_reason=self.stopped_reason,
                containers=[container.report for container in self.containers.values()],
                events=list(self.events),
            )

    def close(self) -> None:
        self._closed.set()
        for container in self.containers.values():
            if container.process and container.process.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(container.process.pid, signal.SIGKILL)
                self._signal(container, signal.SIGKILL)
                container.process.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        self.network.close()
        shutil.rmtree(self.workdir / "roots", ignore_errors=True)


def _check_definition(task_definition: Mapping[str, Any]) -> None:
    """What RegisterTaskDefinition refuses, and what the rehearsal cannot run."""
    definitions = task_definition.get("containerDefinitions") or []
    names = {definition["name"]: definition for definition in definitions}
    if not names:
        raise TaskDefinitionError("the task definition has no containerDefinitions")
    volumes = {volume["name"] for volume in task_definition.get("volumes", [])}
    for definition in definitions:
        for item in definition.get("dependsOn", []):
            target = names.get(item["containerName"])
            if target is None:
                raise TaskDefinitionError(f"{definition['name']} depends on unknown container {item['containerName']}")
            if item["condition"] in ("COMPLETE", "SUCCESS") and target.get("essential", True):
                raise TaskDefinitionError(
                    f"{definition['name']} depends on {item['containerName']} with {item['condition']}, "
                    "but that container is essential: ECS allows COMPLETE and SUCCESS only for non-essential ones"
                )
        for mount in definition.get("mountPoints", []):
            if mount["sourceVolume"] not in volumes:
                raise TaskDefinitionError(f"{definition['name']} mounts unknown volume {mount['sourceVolume']}")
    if not any(definition.get("essential", True) for definition in definitions):
        raise TaskDefinitionError("no container is essential: ECS needs at least one")


def health_timings(health_check: Mapping[str, Any], time_scale: float) -> tuple[float, float, float]:
    """(interval, timeout, start period) in seconds, as the rehearsal runs them.

    A scaled check still gets ECS's shortest timeout (2 s) to answer, so that
    a busy machine does not turn a slow answer into a failure, and runs at
    most once a second, so that checks (each a shell and a curl per region)
    do not become the machine's load. Like Docker,
    the next check starts one interval after the last one ended, so a task
    whose checks time out turns UNHEALTHY within retries x (interval +
    timeout), and one whose checks fail at once within retries x interval.
    The start period is never scaled (see the module's docstring).
    """
    settings = {**HEALTH_DEFAULTS, **health_check}
    timeout = max(settings["timeout"] * time_scale, min(settings["timeout"], 2))
    interval = max(settings["interval"] * time_scale, min(settings["interval"], 1))
    return interval, timeout, settings["startPeriod"]


def _health_argv(command: list[str]) -> list[str]:
    if command[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", command[1]]
    if command[0] == "CMD":
        return list(command[1:])
    raise TaskDefinitionError(f"healthCheck command must start with CMD or CMD-SHELL, not {command[0]!r}")


def _numeric_user(container: Container, user: str) -> tuple[int, int]:
    from finfocus_ecs.rehearsal.launch import user_ids

    return user_ids(container.root, user)


def _exit_reason(log: list[str], exit_code: int) -> str:
    """The line of a stopped container's output that most likely says why (a stop's own lines may follow it)."""
    keywords = (
        "error",
        "failed",
        "cannot",
        "can't",
        "denied",
        "no binary",
        "not found",
        "exited",
        "fatal",
        "never",
        "did not",
    )
    for line in reversed(log):
        if any(keyword in line.lower() for keyword in keywords):
            return line.strip()
    return log[-1].strip() if log else f"exit code {exit_code}"
