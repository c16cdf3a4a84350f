"""Headless Chromium from Debian's package, driven over the DevTools protocol on a pipe.

`--remote-debugging-pipe` makes Chromium read protocol messages from file
descriptor 3 and write its answers and events to 4, each JSON and ended by a
NUL byte: no debugging port to open in the client's namespace and no
websocket client to install. The flags are the ones this machine's notes give
for headless Chromium as root (no sandbox, no GPU, none of Chromium's own
background connections, which this closed network refuses), and a profile of
its own for each start.

Only what the browser tests need: start, call a method (in a page's session
or the browser's), keep every event, wait for events, stop.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from finfocus_ecs.rehearsal.network import BROWSER

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
# How long a call or an awaited event may take before the browser is taken for hung: a guard against a test
# that never ends, far above what any step takes, not a measure of speed.
HANG_SECONDS = 120


class ChromiumError(RuntimeError):
    """Chromium exited, answered with an error, or went silent."""


def binary() -> str | None:
    return shutil.which(BROWSER)


class Chromium:
    """One headless Chromium, started under `prefix` (e.g. `ip netns exec NS`), with a profile in `profile`."""

    def __init__(self, prefix: Sequence[str], profile: Path, extra_flags: Sequence[str] = ()) -> None:
        found = binary()
        if found is None:
            raise ChromiumError(f"{BROWSER} is not installed")
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()
        self.log = profile.with_suffix(".log")
        profile.mkdir(parents=True, exist_ok=True)

        def on_fds_3_and_4() -> None:
            # Through descriptors above 4 first: either end may itself be 3 or 4.
            high = [fcntl.fcntl(end, fcntl.F_DUPFD, 10) for end in (to_browser, from_browser)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [*prefix, found, *FLAGS, f"--user-data-dir={profile}", *extra_flags, "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(3, 4),
                preexec_fn=on_fds_3_and_4,
                start_new_session=True,
            )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self._answers: dict[int, dict[str, Any]] = {}

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        answer = self._read_until(lambda: self._answers.get(message["id"]), f"the answer to {method}")
        if "error" in answer:
            raise ChromiumError(f"{method}: {answer['error']}")
        return answer["result"]

    def wait_for(self, what: str, found: Callable[[list[dict[str, Any]]], Any]) -> Any:
        """Read events until found(events) is truthy, and return it."""
        return self._read_until(lambda: found(self.events), what)

    def open_page(self) -> str:
        """A new tab; the session id its commands take."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        return self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def _read_until(self, done: Callable[[], Any], what: str) -> Any:
        deadline = time.monotonic() + HANG_SECONDS
        while not (result := done()):
            if self.process.poll() is not None:
                raise ChromiumError(f"{BROWSER} exited ({self.process.returncode}) waiting for {what}: {self.tail()}")
            if b"\0" not in self._buffer:
                ready, _, _ = select.select([self._from_browser], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise ChromiumError(f"{BROWSER} said nothing for {HANG_SECONDS} s waiting for {what}")
                self._buffer += os.read(self._from_browser, 1 << 20)
                continue
            raw, self._buffer = self._buffer.split(b"\0", 1)
            message = json.loads(raw)
            if "id" in message:
                self._answers[message["id"]] = message
            else:
                self.events.append(message)
        return result

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.write(self._to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, 9)
                self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
