"""What the installed local plugin runs when it cannot serve: take the port, refuse every call, say what to run.

The FinFocus core notices neither a plugin that exits nor one that never
binds: v0.2.6 waits 60 s for the port, relaunches it, five times, then
prices nothing with exit code 0 (measured: 301.6 s,
../shared/reference/finfocus-core-plugins.md section 7). The plugin runs on
its own copy of Python (plugin_python.py), so only damage to its own
directory gets here: its copy of Python gone (the launcher then runs this
file with any python3 on the PATH that starts), or its packages (run.py
falls back to it). It must still take its port: the core's probe connects,
its first call (`Name`) finds the connection closed and fails at once, and
the core goes on without the plugin. The message, on stderr (which the core
passes through), says what to run.

Standard library only, and run by path (`python -I -S plugin_fallback.py
MESSAGE ARGS...`): any python3 can run it.
"""

from __future__ import annotations

import os
import socket
import sys
import time

# Long enough for any cost command; the core kills its plugins when it ends.
LIFETIME_SECONDS = 600


def port_of(argv: list[str], environ: dict[str, str]) -> int:
    """The port the core gives: `--port=N` (also `--port N`, `-port N`), else FINFOCUS_PLUGIN_PORT."""
    for index, argument in enumerate(argv):
        name, _, value = argument.partition("=")
        if name in ("--port", "-port"):
            return int(value or argv[index + 1])
    return int(environ["FINFOCUS_PLUGIN_PORT"])


def refuse(message: str, argv: list[str], lifetime: float = LIFETIME_SECONDS) -> int:
    """Listen on 127.0.0.1:PORT and close every connection unanswered; 1 when there is no port to take."""
    print(message, file=sys.stderr, flush=True)
    try:
        port = port_of(argv, dict(os.environ))
    except (KeyError, IndexError, ValueError):
        return 1
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
        print(f"PORT={port}", flush=True)
        listener.settimeout(1)
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.close()
    return 1


if __name__ == "__main__":
    sys.exit(refuse(sys.argv[1], sys.argv[2:]))
