"""Running the console script as a user does: a separate process, its output captured."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`finfocus-ecs ARGUMENTS...` through the package's entry point, in a subprocess."""
    return subprocess.run([sys.executable, "-m", "finfocus_ecs.cli", *arguments], capture_output=True, text=True)


def per_task(item: dict) -> float:
    """What one more task adds a month, from the published lines: its Fargate hours and its Cloud Map instance."""
    lines = {line["item"]: line["monthly"] for line in item["lines"]}
    tasks = sum(monthly for name, monthly in lines.items() if name.startswith(("Fargate", "Cloud Map instances")))
    return tasks / item["deployment"]["desired_count"]
