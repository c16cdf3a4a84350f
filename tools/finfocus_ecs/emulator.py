"""Starting, finding and stopping the local AWS emulator (moto server).

The emulator runs as its own process (the launcher in emulator_server.py,
with its response fixes) on a free loopback port. `up` leaves it running so
the deployment can be explored; its address and process id are recorded in a
small file so that `down`, and the next `up`, can find it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3

from finfocus_ecs import shared_provider
from finfocus_ecs.emulator_server import CLOUD_MAP_HISTORY_PATH, DEFAULT_SETTINGS, SETTINGS_PATH
from finfocus_ecs.project import RUN_DIR

STATE_FILE = RUN_DIR / "emulator.json"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
DEFAULT_REGION = "us-east-1"
# A new boto3 session reads botocore's endpoint and service files again: 0.09 CPU-s for each client,
# which the tests asked for a few hundred times. boto3's clients may be shared between threads, its
# sessions may not; hence one client per emulator, service and region, made under a lock.
_CLIENTS: dict[tuple[str, str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


class EmulatorError(RuntimeError):
    """The emulator did not start or answer."""


@dataclass
class Emulator:
    """A running moto server."""

    port: int
    pid: int
    host: str = "127.0.0.1"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def aws_env(self, region: str = DEFAULT_REGION) -> dict[str, str]:
        """The ordinary AWS variables that send the provider and boto3 to the emulator.

        AWS_MAX_ATTEMPTS is low so that a call moto does not implement fails
        in seconds instead of retrying for minutes.
        """
        return {
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_MAX_ATTEMPTS": "2",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def session(self, region: str = DEFAULT_REGION) -> boto3.Session:
        """A boto3 session with the emulator's dummy credentials."""
        return boto3.Session(
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=region,
        )

    def client(self, service: str, region: str = DEFAULT_REGION) -> Any:
        """A boto3 client for one service, talking to the emulator (one per service and region, shared)."""
        key = (self.endpoint_url, service, region)
        with _CLIENTS_LOCK:
            if key not in _CLIENTS:
                _CLIENTS[key] = self.session(region).client(service, endpoint_url=self.endpoint_url)
            return _CLIENTS[key]

    def is_alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return _answers(self.endpoint_url)

    def reset(self) -> None:
        """Wipe every resource (about a second) and restore the default settings, keeping the process."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        self.settings(**DEFAULT_SETTINGS)
        self.cloud_map_history(clear=True)

    def cloud_map_history(self, clear: bool = False) -> list[tuple[int, str, int]]:
        """Every change of a Cloud Map service's instance count: (sequence, service id, count), oldest first."""
        request = urllib.request.Request(
            f"{self.endpoint_url}{CLOUD_MAP_HISTORY_PATH}", method="DELETE" if clear else "GET"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return [tuple(entry) for entry in json.loads(answer.read())]

    def settings(self, **changes: float) -> dict[str, float]:
        """Change run-time settings of the emulator (emulator_server.SETTINGS); return them all."""
        request = urllib.request.Request(
            f"{self.endpoint_url}{SETTINGS_PATH}",
            data=json.dumps(changes).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        shared_provider.forget(self.aws_env())  # a provider attached to this emulator would outlive it
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except OSError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if not _process_exists(self.pid):
                return
            time.sleep(0.02)
        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)


def _process_exists(pid: int) -> bool:
    """True while the process runs. Reaps it when it is our child, or it would linger as a zombie."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        return reaped == 0
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()
    except (urllib.error.URLError, OSError):
        return False
    return True


def spawn(log_file: Path | None = None, region: str = DEFAULT_REGION) -> Emulator:
    """Start a moto server on a free loopback port, without waiting for it.

    It runs in its own session, so a Ctrl-C in the terminal reaches only us,
    and we decide whether it keeps running.
    """
    port = free_port()
    log = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    process = subprocess.Popen(
        [sys.executable, "-m", "finfocus_ecs.emulator_server", "--port", str(port), "--warm-region", region],
        stdout=log,
        stderr=log,
        env=env,
        start_new_session=True,
    )
    return Emulator(port=port, pid=process.pid)


def wait_ready(emulator: Emulator, timeout: float = 20.0) -> Emulator:
    """Return once the emulator answers; stop it and raise EmulatorError if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _process_exists(emulator.pid):
            raise EmulatorError("the emulator exited at start (see .finfocus/emulator.log)")
        if _answers(emulator.endpoint_url):
            return emulator
        time.sleep(0.05)
    emulator.stop()
    raise EmulatorError(f"the emulator did not answer on port {emulator.port} within {timeout:.0f} s")


def start(log_file: Path | None = None, timeout: float = 20.0) -> Emulator:
    """Start a moto server and wait until it answers."""
    return wait_ready(spawn(log_file), timeout)


def save(emulator: Emulator) -> None:
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps(asdict(emulator)))


def recorded() -> Emulator | None:
    """The emulator an earlier `up` left running, if it still answers."""
    try:
        emulator = Emulator(**json.loads(STATE_FILE.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return emulator if emulator.is_alive() else None


def forget() -> None:
    STATE_FILE.unlink(missing_ok=True)
