"""Planned roots are shared by the workers of one test run (tests/conftest.py) and read by no other run.

A plan read from an earlier run hides whatever broke since: with image.tf
broken, tests passed on a plan cached under a reused process id.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from finfocus_ecs.project import REPO_ROOT

EACH_RUN = """
def test_no_plan_of_an_earlier_run(run_dir):
    left = run_dir / "root.plan.json"
    assert not left.exists(), f"{left} is an earlier run's"
    left.write_text("{}")
    print("RUN_DIR", run_dir)
"""

# Two runs in one process: the same process id, the worst case of one reused.
TWO_RUNS = """
import sys
import pytest

for _ in range(2):
    code = pytest.main([sys.argv[1], "-p", "tests.conftest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "-s"])
    if code:
        sys.exit(int(code))
"""


def test_a_plan_one_run_cached_is_not_read_by_the_next_with_the_same_process_id(tmp_path):
    test_file = tmp_path / "test_each_run.py"
    test_file.write_text(EACH_RUN)
    completed = subprocess.run(
        [sys.executable, "-c", TWO_RUNS, str(test_file)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    directories = re.findall(r"^RUN_DIR (\S+)", completed.stdout, re.MULTILINE)
    assert len(directories) == 2 and directories[0] != directories[1], completed.stdout
    assert [directory for directory in directories if Path(directory).exists()] == [], "a run left its cache behind"
