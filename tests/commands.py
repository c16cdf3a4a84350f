"""Running the console script as a user does: a separate process, its output captured."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`finfocus-ecs ARGUMENTS...` through the package's entry point, in a subprocess."""
    return subprocess.run([sys.executable, "-m", "finfocus_ecs.cli", *arguments], capture_output=True, text=True)
