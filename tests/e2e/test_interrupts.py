"""Ctrl-C during `finfocus-ecs up` at each unlucky moment, in turn, on one fresh copy of the repository.

Each interrupted `up` must exit 130 with nothing it started left running, and
leave nothing that stops the next one: no state or lock of the stopped
emulator, no init that looks finished; each run below gets further than the
one before (a new emulator, init again, apply). tests/e2e/test_quickstart.py
interrupts once more while apply holds the lock, then runs `up` to the end,
and interrupts an `up` during its checks.
"""

from __future__ import annotations

import pytest

from finfocus_ecs.up import INIT_MARKER
from tests.e2e.interrupting import (
    apply_before_the_lock,
    assert_stopped_everything,
    copy_repo,
    during_init,
    interrupt_up,
    while_the_emulator_starts,
)

pytestmark = pytest.mark.e2e

MOMENTS = {
    "emulator starting": lambda repo: (while_the_emulator_starts(repo), {}),
    "terraform init": lambda repo: (during_init(repo), {}),
    "apply before the lock": apply_before_the_lock,
}


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    runs = {}
    for name, made in MOMENTS.items():
        moment, environment = made(repo)
        runs[name] = interrupt_up(repo, moment, extra_env=environment)
        if name == "terraform init":
            runs[name]["initialized"] = (repo / "examples" / "quickstart" / INIT_MARKER).exists()
    return runs


@pytest.mark.parametrize("moment", MOMENTS)
def test_ctrl_c_stops_what_up_started(interrupted, moment):
    assert_stopped_everything(interrupted[moment])


def test_ctrl_c_landed_at_the_moment_it_was_meant_for(interrupted):
    """The emulator had not answered yet; init had not finished; up's own `terraform apply` had started, without
    the lock (held there by the shim on its PATH, so the moment cannot pass under load)."""
    assert interrupted["emulator starting"]["answered"] is False
    assert interrupted["terraform init"]["initialized"] is False
    held = interrupted["apply before the lock"]
    assert "apply" in held["held"][1:] and held["locked"] is False
