"""The deployment's ports on this machine: port forwarding through ECS Exec and Session Manager.

The ports answer inside the VPC only. With ECS Exec on (the module's
`enable_execute_command`), Session Manager reaches into a running task: one
`aws ssm start-session` with the document AWS-StartPortForwardingSession per
regional port, to the plugin container, forwards a local port to
localhost:PORT inside the task, where that region's process listens (the
task's containers share one network namespace; the plugin binds 127.0.0.1,
so this path needs no bridge). The target is `ecs:CLUSTER_TASKID_RUNTIMEID`,
as the AWS CLI's own `ecs execute-command` builds it
(awscli/customizations/ecs/executecommand.py).

Every AWS call goes through the user's AWS CLI, as the sessions must (it
hands each one to its Session Manager plugin): the task is found with the
same credentials, profile and region as the sessions that reach it.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PLUGIN_CONTAINER = "finfocus-plugin"
DOCUMENT = "AWS-StartPortForwardingSession"
# Both must be on the PATH: the AWS CLI starts a session, its plugin carries it.
TOOLS = ("aws", "session-manager-plugin")


class ForwardError(RuntimeError):
    """No task to forward to, ECS Exec off, a tool missing, or a session that did not start."""


@dataclass(frozen=True)
class ExecTarget:
    """A container of a running task, as Session Manager names it."""

    cluster: str
    task_id: str
    runtime_id: str

    @property
    def target(self) -> str:
        return f"ecs:{self.cluster}_{self.task_id}_{self.runtime_id}"


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _aws(region: str, *arguments: str) -> dict:
    """One AWS CLI call, its JSON answer; ForwardError with the CLI's own message when it fails."""
    command = ["aws", "--region", region, "--output", "json", *arguments]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise ForwardError(f"`aws {' '.join(arguments[:2])}` failed: {completed.stderr.strip()}")
    return json.loads(completed.stdout or "{}")


def exec_target(cluster: str, service: str, region: str, container: str = PLUGIN_CONTAINER) -> ExecTarget:
    """The plugin container of a running task of the service, checked to have a running ECS Exec agent."""
    arns = _aws(
        region, "ecs", "list-tasks", "--cluster", cluster, "--service-name", service, "--desired-status", "RUNNING"
    ).get("taskArns", [])
    if not arns:
        raise ForwardError(
            f"no running task in service {service} of cluster {cluster}: `aws ecs describe-services` shows why "
            "(the guide's Troubleshooting section has the usual causes)"
        )
    tasks = _aws(region, "ecs", "describe-tasks", "--cluster", cluster, "--tasks", *arns).get("tasks", [])
    running = [task for task in tasks if task.get("lastStatus") == "RUNNING"]
    if not running:
        raise ForwardError(f"no task of service {service} is RUNNING yet: try again in a minute")
    task = running[0]
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    if not task.get("enableExecuteCommand"):
        raise ForwardError(
            f"ECS Exec is off for task {task_id}: deploy with enable_execute_command = true (the quick start: "
            "`up --target aws --var enable_execute_command=true`), which starts a new task with it"
        )
    found = [item for item in task.get("containers", []) if item.get("name") == container]
    if not found:
        raise ForwardError(f"task {task_id} has no container {container!r}")
    agents = [agent for agent in found[0].get("managedAgents", []) if agent.get("name") == "ExecuteCommandAgent"]
    status = agents[0].get("lastStatus") if agents else "missing"
    if status != "RUNNING":
        raise ForwardError(
            f"the ECS Exec agent in {container} of task {task_id} is {status}: it starts with the container; "
            "if it stays so, the task role lacks the ssmmessages actions or the task cannot reach them on 443"
        )
    return ExecTarget(cluster.rsplit("/", 1)[-1], task_id, found[0]["runtimeId"])


def session_command(target: ExecTarget, region: str, port: int, local_port: int) -> list[str]:
    """`aws ssm start-session` forwarding local_port here to port inside the task."""
    parameters = {"portNumber": [str(port)], "localPortNumber": [str(local_port)]}
    return [
        *("aws", "--region", region, "ssm", "start-session", "--target", target.target),
        *("--document-name", DOCUMENT, "--parameters", json.dumps(parameters, separators=(",", ":"))),
    ]


class Sessions:
    """One session per port, started together; stopped together when the `with` block ends."""

    def __init__(self, target: ExecTarget, region: str, ports: Mapping[str, int], offset: int, log_dir: Path) -> None:
        self.local_ports = {region_name: port + offset for region_name, port in ports.items()}
        self._commands = {
            region_name: session_command(target, region, port, port + offset) for region_name, port in ports.items()
        }
        self._log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> Sessions:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        for region_name, command in self._commands.items():
            # A session of its own: Ctrl-C reaches `forward` alone, which ends every session in turn; a session
            # killed by the same Ctrl-C first would read as one that failed.
            with open(self._log_dir / f"{region_name}.log", "wb") as log:
                self.processes[region_name] = subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def wait_listening(self, timeout: float) -> None:
        """Until every local port accepts a connection; ForwardError naming a session that ended or never listened."""
        deadline = time.monotonic() + timeout
        waiting = dict(self.local_ports)
        while waiting:
            for region_name, local_port in list(waiting.items()):
                self.check_alive(region_name)
                if _accepts(local_port):
                    del waiting[region_name]
            if waiting and time.monotonic() > deadline:
                names = ", ".join(f"{name} (127.0.0.1:{port})" for name, port in waiting.items())
                raise ForwardError(f"the sessions for {names} did not listen within {timeout:g} s: {self.log_hint()}")
            time.sleep(0.1)

    def check_alive(self, region_name: str | None = None) -> None:
        """ForwardError with a session's own output when it has ended (the sessions run until stopped)."""
        for name, process in self.processes.items():
            if region_name not in (None, name) or process.poll() is None:
                continue
            output = (self._log_dir / f"{name}.log").read_text(errors="replace").strip()
            raise ForwardError(f"the session for {name} ended (exit {process.returncode}): {output[-800:]}")

    def log_hint(self) -> str:
        return f"their output is in {self._log_dir}"


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0
