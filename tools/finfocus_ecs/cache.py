"""Results computed once and shared between processes, as JSON files.

A Terraform plan costs seconds of CPU. When several processes (the test
workers, two commands run at once) need the same one, the first computes it
under a lock and the others wait and read it.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def computed_once(path: Path, compute: Callable[[], Any]) -> Any:
    """The JSON value stored at path, computing and storing it first if it is not there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            path.write_text(json.dumps(compute()))
    return json.loads(path.read_text())
