"""A stand-in for the AWS CLI as `finfocus-ecs forward` runs it: ECS's task calls and Session Manager port forwarding.

It answers what forward asks, in the shapes the AWS CLI prints (`--output json`):
- `ecs list-tasks --cluster C --service-name S --desired-status RUNNING`: one task ARN;
- `ecs describe-tasks --cluster C --tasks ARN`: that task RUNNING, with ECS Exec on or off
  (FAKE_AWS_EXEC=off), its containers with a runtimeId and the ExecuteCommandAgent's status;
- `ssm start-session --target ecs:CLUSTER_TASKID_RUNTIMEID --document-name
  AWS-StartPortForwardingSession --parameters {"portNumber":[P],"localPortNumber":[L]}`: what
  the AWS CLI and its Session Manager plugin then do, seen from this machine: it prints the
  plugin's lines, listens on 127.0.0.1:L and carries each connection to port P "inside the
  task", which FAKE_AWS_TASK_PORTS maps to a loopback port (a region stand-in's), until SIGTERM.
  A target that is not the plugin container of the task it described fails as Session Manager
  does (TargetNotConnected).
Every call is appended to FAKE_AWS_LOG as one JSON line.

What it does not reproduce: credentials, profiles and IAM (any caller may start a session);
the WebSocket to ssmmessages and the agent in the task; errors of the other ECS calls; the
session's idle timeout (20 minutes by default on AWS).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import threading
from typing import Any

ACCOUNT = "123456789012"
TASK_ID = "0123456789abcdef0123456789abcdef"
RUNTIME_ID = f"{TASK_ID}-2531612879"


def _option(arguments: list[str], name: str) -> str | None:
    return arguments[arguments.index(name) + 1] if name in arguments else None


def _task(region: str, cluster: str) -> dict[str, Any]:
    name = cluster.rsplit("/", 1)[-1]
    arn = f"arn:aws:ecs:{region}:{ACCOUNT}:task/{name}/{TASK_ID}"
    agent = [{"name": "ExecuteCommandAgent", "lastStatus": "RUNNING"}]
    exec_on = os.environ.get("FAKE_AWS_EXEC") != "off"
    return {
        "taskArn": arn,
        "lastStatus": "RUNNING",
        "enableExecuteCommand": exec_on,
        "containers": [
            {"name": "port-bridge", "runtimeId": f"{TASK_ID}-1", "managedAgents": agent if exec_on else []},
            {"name": "finfocus-plugin", "runtimeId": RUNTIME_ID, "managedAgents": agent if exec_on else []},
        ],
    }


def _carry(source: socket.socket, destination: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            destination.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, destination):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def _forward(local_port: int, inside: int) -> None:
    session = "finfocus-test-0123456789abcdef0"
    server = socket.create_server(("127.0.0.1", local_port))
    print(f"\nStarting session with SessionId: {session}", flush=True)
    print(f"Port {local_port} opened for sessionId {session}.\nWaiting for connections...\n", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        client, _ = server.accept()
        print(f"\nConnection accepted for session [{session}]", flush=True)
        try:
            task_side = socket.create_connection(("127.0.0.1", inside))
        except OSError:
            client.close()
            continue
        for pair in ((client, task_side), (task_side, client)):
            threading.Thread(target=_carry, args=pair, daemon=True).start()


def main(arguments: list[str]) -> int:
    with open(os.environ["FAKE_AWS_LOG"], "a") as log:
        log.write(json.dumps(arguments) + "\n")
    region = _option(arguments, "--region") or "us-east-1"
    cluster = _option(arguments, "--cluster") or ""
    if arguments[-2:] != ["--desired-status", "RUNNING"] and "list-tasks" in arguments:
        print("forward asks only for RUNNING tasks", file=sys.stderr)
        return 252
    if "list-tasks" in arguments:
        print(json.dumps({"taskArns": [_task(region, cluster)["taskArn"]]}))
        return 0
    if "describe-tasks" in arguments:
        print(json.dumps({"tasks": [_task(region, cluster)], "failures": []}))
        return 0
    if "start-session" in arguments:
        target = _option(arguments, "--target") or ""
        parameters = json.loads(_option(arguments, "--parameters") or "{}")
        cluster_name = os.environ["FAKE_AWS_CLUSTER"]
        if target != f"ecs:{cluster_name}_{TASK_ID}_{RUNTIME_ID}":
            print(
                "An error occurred (TargetNotConnected) when calling the StartSession operation: "
                f"{target} is not connected.",
                file=sys.stderr,
            )
            return 254
        if _option(arguments, "--document-name") != "AWS-StartPortForwardingSession":
            print("An error occurred (InvalidDocument) when calling the StartSession operation", file=sys.stderr)
            return 254
        inside = json.loads(os.environ["FAKE_AWS_TASK_PORTS"])[parameters["portNumber"][0]]
        _forward(int(parameters["localPortNumber"][0]), int(inside))
    print(f"fake aws: nothing stands in for {arguments}", file=sys.stderr)
    return 252


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
