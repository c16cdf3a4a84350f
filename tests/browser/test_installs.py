"""The browser comes with the test suite's Debian packages, never with the main job."""

from __future__ import annotations

import subprocess

from finfocus_ecs.project import REPO_ROOT

SYSTEM_PACKAGES = "tools/system-packages.sh"


def dry_run(target: str) -> str:
    """What `make TARGET` would run here, without running it."""
    completed = subprocess.run(["make", "--dry-run", target], cwd=REPO_ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_make_test_installs_the_host_tools_and_make_up_does_not():
    """tools/system-packages.sh installs Chromium among them (finfocus_ecs.rehearsal.network.HOST_TOOLS)."""
    assert SYSTEM_PACKAGES in dry_run("test")
    assert SYSTEM_PACKAGES not in dry_run("up")
