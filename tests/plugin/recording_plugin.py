"""A FinFocus plugin that writes down everything the core does to it: the core stand-in's tests' witness.

Run as PLUGINS/NAME/VERSION/BINARY (a shell script execs it, naming that
directory in RECORDING_PLUGIN_DIR and itself in RECORDING_PLUGIN_BINARY), it
reads config.json there and appends JSON lines to record.jsonl there:
- "start": argv, the environment the core gave (FINFOCUS_PLUGIN_PORT, PORT,
  FINFOCUS_TRACE_ID, CORE_STANDIN_TEST_MARK), cwd, whether stdin is the null
  device, pid, process group, its parent's process group, monotonic time;
- "call": each RPC: method, deadline left (None without one), the
  x-finfocus-trace-id it carried, the request (as JSON), calls in flight at
  its start and the most seen while it waited, monotonic time;
- "sigterm": the core sent SIGTERM (it must not: the core kills with SIGKILL).
It writes one line to stdout and one to stderr at start, so that the test
sees where the core sends them.

config.json: cost (GetProjectedCost's cost_per_month), region (its
GetPluginInfo metadata.region), info_fails, supports ("yes", "no" or
"error"), child (start a child process that sleeps, in the plugin's process
group, or "daemon": one that leaves it and its parent), gather (wait, at
most 3 s, until this many GetProjectedCost calls are in flight), raw (no
gRPC: accept connections, write down the first bytes of each, close it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

WITNESSED = ("FINFOCUS_PLUGIN_PORT", "PORT", "FINFOCUS_TRACE_ID", "CORE_STANDIN_TEST_MARK")
lock = threading.Lock()


def record(directory: Path, kind: str, **fields: object) -> None:
    with lock, (directory / "record.jsonl").open("a") as file:
        file.write(json.dumps({"kind": kind, "time": time.monotonic(), **fields}) + "\n")


def port_of(argv: list[str]) -> int:
    for argument in argv:
        if argument.startswith("--port="):
            return int(argument.removeprefix("--port="))
    return int(os.environ["FINFOCUS_PLUGIN_PORT"])


def start_child(kind: str) -> None:
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
    if kind == "daemon":  # a new session, its parent gone at once: reparented, out of the plugin's group
        program = "import subprocess, sys; subprocess.Popen(sys.argv[1:], start_new_session=True)"
        subprocess.run([sys.executable, "-c", program, *sleeper], check=True)
    else:
        subprocess.Popen(sleeper)


def serve_raw(directory: Path, port: int) -> None:
    """Accept connections and write down the first bytes each sends (none for the core's bind probe)."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
        while True:
            connection, _ = listener.accept()
            with connection:
                connection.settimeout(2)
                try:
                    first = connection.recv(24)
                except OSError:
                    first = b""
            record(directory, "connection", first=first.decode("latin-1"))


def serve_grpc(directory: Path, port: int, config: dict) -> None:
    import grpc
    from google.protobuf import json_format

    from finfocus_ecs.plugin_api import SERVICE, messages
    from finfocus_ecs.plugin_api.wire import METHODS

    flight = {"now": 0, "peak": 0}
    gathered = threading.Condition()

    def handler(method: str, answer):
        described = METHODS[method]

        def call(request, context):
            trace = [value for key, value in context.invocation_metadata() if key == "x-finfocus-trace-id"]
            with gathered:
                flight["now"] += 1
                flight["peak"] = max(flight["peak"], flight["now"])
                at_start = flight["now"]
                gathered.notify_all()
                if method == "GetProjectedCost":
                    gathered.wait_for(lambda: flight["peak"] >= config.get("gather", 1), timeout=3)
                peak = flight["peak"]
            try:
                record(
                    directory,
                    "call",
                    method=method,
                    # grpcio reports no deadline as one in some 290 years.
                    deadline_left=None if (left := context.time_remaining()) is None or left > 1e6 else left,
                    trace_ids=trace,
                    request=json_format.MessageToDict(request),
                    in_flight_at_start=at_start,
                    in_flight_peak=peak,
                )
                return answer(request, context)
            finally:
                with gathered:
                    flight["now"] -= 1

        return grpc.unary_unary_rpc_method_handler(
            call,
            request_deserializer=described.request.FromString,
            response_serializer=described.response.SerializeToString,
        )

    def info(request, context):
        if config.get("info_fails"):
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "no plugin info here")
        metadata = {"region": config["region"]} if config.get("region") else {}
        return messages.GetPluginInfoResponse(name=directory.parent.name, version="1.0.0", spec_version="v0.5.5",
                                              providers=["aws"], metadata=metadata)  # fmt: skip

    def supports(request, context):
        if config.get("supports", "yes") == "error":
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "Supports is not implemented")
        if config.get("supports") == "no":
            return messages.SupportsResponse(supported=False, reason=f"{directory.parent.name} declines")
        return messages.SupportsResponse(supported=True)

    handlers = {
        "Name": handler("Name", lambda request, context: messages.NameResponse(name=directory.parent.name)),
        "GetPluginInfo": handler("GetPluginInfo", info),
        "Supports": handler("Supports", supports),
        "GetProjectedCost": handler(
            "GetProjectedCost",
            lambda request, context: messages.GetProjectedCostResponse(cost_per_month=config["cost"], currency="USD"),
        ),
    }
    from concurrent.futures import ThreadPoolExecutor

    server = grpc.server(ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


def main(argv: list[str]) -> int:
    directory = Path(os.environ["RECORDING_PLUGIN_DIR"])
    config = json.loads((directory / "config.json").read_text())
    signal.signal(signal.SIGTERM, lambda *_: record(directory, "sigterm"))
    null = os.stat(os.devnull)
    stdin = os.fstat(0)
    record(
        directory,
        "start",
        argv=[os.environ["RECORDING_PLUGIN_BINARY"], *argv],
        environment={name: os.environ[name] for name in WITNESSED if name in os.environ},
        cwd=os.getcwd(),
        stdin_is_null=stat.S_ISCHR(stdin.st_mode) and stdin.st_rdev == null.st_rdev,
        pid=os.getpid(),
        process_group=os.getpgrp(),
        parent_process_group=os.getpgid(os.getppid()),
    )
    print(f"stdout of {directory.parent.name}", flush=True)
    print(f"stderr of {directory.parent.name}", file=sys.stderr, flush=True)
    if config.get("child"):
        start_child(config["child"])
    port = port_of(argv)
    if config.get("raw"):
        serve_raw(directory, port)
    else:
        serve_grpc(directory, port, config)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
