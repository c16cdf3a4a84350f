"""Ctrl-C during a command that starts things, wherever it lands.

Ctrl-C reaches the whole foreground process group: this process and the
Terraform it runs (the emulator has its own session). Python's default
handling, a KeyboardInterrupt at the next bytecode, loses races:

- The kernel may deliver the signal to any thread that does not block it
  (rich's status thread, a waiting thread). The main thread, blocked reading
  Terraform's output, is then not woken, and CPython may run the handler
  late. Terraform exits 1 on the same Ctrl-C, so the failure surfaces first,
  as a TerraformError, and the command reported "terraform failed" (exit 1)
  and left its emulator running.
- A KeyboardInterrupt raised between starting a process and recording it
  (or inside an `except` clause that reports an error) skips the clean-up
  that would stop it.

So an InterruptGuard replaces the handler while a command runs. The handler
records every Ctrl-C; it raises KeyboardInterrupt only inside `interruptible()`
regions and outside `held()` sections, never in bookkeeping or clean-up. A
wakeup fd, which CPython writes from whichever thread takes the signal, lets
`received` see a Ctrl-C whose Python handler has not run yet. `settle()`,
called on every way out, runs the registered clean-ups once when a Ctrl-C
came.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any


class InterruptGuard:
    """Records Ctrl-C for the duration of a `with` block and runs clean-ups once when one came.

    ignore_after: once interrupted, ignore SIGINT when the block ends instead
    of restoring the old handler, so a second Ctrl-C (or a late run of the
    first one's handler) cannot break the exit of a command that is already
    exiting with 130.
    """

    def __init__(self, ignore_after: bool = False) -> None:
        self.ignore_after = ignore_after
        self._received = False
        self._armed = False
        self._holding = 0
        self._settled = False
        self._cleanups: list[Callable[[], None]] = []
        self._previous_handler: Any = None
        self._previous_wakeup = -1
        self._pipe: tuple[int, int] | None = None

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("an InterruptGuard works in the main thread only (signals are handled there)")
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        self._pipe = (read_end, write_end)
        self._previous_handler = signal.signal(signal.SIGINT, self._handle)
        self._previous_wakeup = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.settle()
        signal.set_wakeup_fd(self._previous_wakeup)
        if self._settled and self.ignore_after:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        else:
            signal.signal(signal.SIGINT, self._previous_handler)
        if self._pipe is not None:
            for fd in self._pipe:
                os.close(fd)
            self._pipe = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self._received = True
        if self._armed and not self._holding and not self._settled:
            raise KeyboardInterrupt

    @property
    def received(self) -> bool:
        """Whether Ctrl-C came, including one whose Python-level handler has not run yet."""
        if not self._received and self._pipe is not None:
            with contextlib.suppress(BlockingIOError):
                while chunk := os.read(self._pipe[0], 64):
                    if signal.SIGINT in chunk:
                        self._received = True
        return self._received

    @property
    def settled(self) -> bool:
        return self._settled

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """A region where Ctrl-C raises KeyboardInterrupt at once (long waits: Terraform, the checks)."""
        if self.received:
            raise KeyboardInterrupt
        self._armed = True
        try:
            yield
        finally:
            self._armed = False

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """A critical section (start a process and record it): Ctrl-C waits until its end."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
        if self._armed and not self._holding and self.received:
            raise KeyboardInterrupt

    def on_interrupt(self, cleanup: Callable[[], None]) -> None:
        """Run cleanup if Ctrl-C comes before the command ends; the last registered runs first."""
        self._cleanups.append(cleanup)

    def settle(self) -> bool:
        """If Ctrl-C came: run the clean-ups (once, with Ctrl-C only recorded) and return True."""
        if self._settled:
            return True
        if not self.received:
            return False
        self._settled = True
        while self._cleanups:
            self._cleanups.pop()()
        return True


@contextlib.contextmanager
def threads_without_sigint() -> Iterator[None]:
    """Threads started inside this block block SIGINT, so the kernel delivers Ctrl-C to the main thread.

    A thread inherits its creator's signal mask; the main thread's is
    restored at the end (a Ctrl-C that came meanwhile is delivered then).
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
