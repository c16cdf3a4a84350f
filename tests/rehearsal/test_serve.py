"""`rehearse --serve`: a first call from this machine's own shell, with the commands it prints, then Ctrl-C.

The emulator runs no tasks, so after `make up` this is where a newcomer makes a first call. The
served task is reached on this machine's own network namespace (no `ip netns exec`), by a user
without root, and every command it prints runs as printed. short_timings keeps the stop to seconds.
"""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from finfocus_ecs.rehearsal.network import IP

pytestmark = pytest.mark.rehearsal

PROGRAM = str(Path(sys.executable).with_name("finfocus-ecs"))
BANNER = "Serving the rehearsed task at "


def read_lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put(None)


def test_a_served_task_answers_the_commands_it_prints_until_ctrl_c(module_cases, rehearsal_available, tmp_path):
    definition = tmp_path / "td.json"
    definition.write_text(json.dumps(module_cases.task_definition("short_timings")))
    regions = module_cases.output("short_timings")["region_ports"]
    command = [PROGRAM, "rehearse", "--serve", "--task-definition", str(definition), "--time-scale", "0.05", "--json"]
    served = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(served.stderr, lines), daemon=True).start()
    try:
        seen: list[str] = []
        while not seen or not seen[-1].strip().startswith("curl "):
            line = lines.get(timeout=120)
            assert line is not None, "\n".join(seen)
            seen.append(line)
        banner = seen[next(index for index, line in enumerate(seen) if line.startswith(BANNER)) :]
        task_ip = banner[0].removeprefix(BANNER).split(",")[0]
        assert "Its answers are the stand-in's" in banner[1]
        printed = [shlex.split(line) for line in banner if line.startswith("  ")]
        assert [words[1] for words in printed] == ["verify", "price", "connect", f"http://{task_ip}:8001/healthz"]

        # As printed, from this machine; connect writes FinFocus's plugin into a FinFocus home of the test's.
        env = {**os.environ, "FINFOCUS_HOME": str(tmp_path / "finfocus")}
        verify, price, connect, curl = (
            subprocess.run(words, capture_output=True, text=True, env=env, timeout=120) for words in printed
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "Release checked: 0.1.8" in verify.stdout
        assert price.returncode == 0, price.stdout + price.stderr
        assert all(region in price.stdout for region in regions)
        assert connect.returncode == 0, connect.stdout + connect.stderr
        assert list((tmp_path / "finfocus" / "plugins" / "aws-public").iterdir())
        assert curl.stdout == "ok"
        # Without root: the address is this machine's own.
        unprivileged = subprocess.run(["runuser", "-u", "nobody", "--", *printed[3]], capture_output=True, text=True)
        assert unprivileged.stdout == "ok", unprivileged.stderr

        # And how to undo connect, once the task is gone.
        remove = shlex.split(lines.get(timeout=10).split("`")[1])
        served.send_signal(signal.SIGINT)
        stdout, _ = served.communicate(timeout=60)
    finally:
        if served.poll() is None:
            served.kill()
            served.wait()
    assert served.returncode == 0, stdout
    result = json.loads(stdout)
    containers = {container["name"]: container for container in result["task"]["containers"]}
    bridge, plugin = containers["port-bridge"], containers["finfocus-plugin"]
    assert result["ok"] and result["task"]["stopped_reason"] == "Task stopped by user"
    # Stopped as ECS does: the bridge kept answering for the 4 s TTL, then the plugin got its SIGTERM.
    assert bridge["stopped_at"] - bridge["stop_signal_at"] >= 4
    assert bridge["stopped_at"] <= plugin["stop_signal_at"]
    assert not bridge["killed"] and not plugin["killed"]
    removed = subprocess.run(remove, capture_output=True, text=True, env=env, timeout=60)
    assert removed.returncode == 0, removed.stderr
    assert not (tmp_path / "finfocus" / "plugins" / "aws-public").exists()
    # Nothing is left on this machine: the address went with the task's namespace.
    subnet = task_ip.rsplit(".", 1)[0]
    assert subprocess.run([IP, "-4", "-o", "addr", "show", "to", f"{subnet}.0/24"], capture_output=True).stdout == b""
