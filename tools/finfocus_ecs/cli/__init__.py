"""The `finfocus-ecs` command line: a thin front over the jobs.

Results go to stdout (JSON with --json), progress and errors to stderr. Exit
codes: 0 success, 1 a check failed, 2 a usage error or bad input.
"""

from __future__ import annotations

from finfocus_ecs.cli.common import app

# Each module registers its commands on the app when imported, in the order --help lists them.
# isort: off
from finfocus_ecs.cli import deploy, scanning, module_views, calling, forwarding, rehearsing, policy  # noqa: F401
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
