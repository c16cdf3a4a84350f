"""Wall-clock figures: plan overhead against the floor, the main job cold and warm, the test suite."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import Summary
from finfocus_ecs import emulator
from finfocus_ecs.project import CACHE_DIR, REPO_ROOT
from finfocus_ecs.roots import copy_quickstart
from finfocus_ecs.terraform import Terraform

FLOOR_ROOT = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {}
# One data source makes Terraform start and configure the provider, as any real root does.
data "aws_region" "current" {}
"""


def plan_overhead(runs: int = 5) -> dict[str, Any]:
    """Plan of the quick start divided by the plan of a provider-only root, alternated."""
    running = emulator.start()
    try:
        with tempfile.TemporaryDirectory() as workspace:
            quickstart = Terraform(copy_quickstart(Path(workspace) / "qs"), env=running.aws_env())
            floor_dir = Path(workspace) / "floor"
            floor_dir.mkdir()
            (floor_dir / "main.tf").write_text(FLOOR_ROOT)
            floor = Terraform(floor_dir, env=running.aws_env())
            quickstart.init()
            floor.init()
            samples: dict[str, list[float]] = {"quickstart": [], "floor": []}
            for _ in range(runs):
                for name, terraform in (("quickstart", quickstart), ("floor", floor)):
                    started = time.perf_counter()
                    terraform.run("plan", "-input=false", "-no-color", "-lock=false")
                    samples[name].append(time.perf_counter() - started)
    finally:
        running.stop()
    ratios = [q / f for q, f in zip(samples["quickstart"], samples["floor"], strict=True)]
    return {
        "quickstart_s": Summary.of(samples["quickstart"]).__dict__,
        "floor_s": Summary.of(samples["floor"]).__dict__,
        "ratio": Summary.of(ratios).__dict__,
        "target_ratio": 1.25,
    }


def _up(cli: str, clone: Path) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    completed = subprocess.run(
        [cli, "up", "--json"],
        capture_output=True,
        text=True,
        cwd=clone,
        env={**os.environ, "FINFOCUS_REPO_ROOT": str(clone)},
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"up failed: {completed.stderr[-1500:]}")
    subprocess.run(
        [cli, "down"],
        capture_output=True,
        text=True,
        cwd=clone,
        env={**os.environ, "FINFOCUS_REPO_ROOT": str(clone)},
        check=True,
    )
    return elapsed, json.loads(completed.stdout)["timings_seconds"]


def main_job(runs: int = 3) -> dict[str, Any]:
    """`finfocus-ecs up` in a fresh copy of the repository: cold (no .terraform) and warm, alternated."""
    cli = str(Path(sys.executable).with_name("finfocus-ecs"))
    results: dict[str, list[float]] = {"cold": [], "warm": []}
    phases: dict[str, dict[str, list[float]]] = {"cold": {}, "warm": {}}
    with tempfile.TemporaryDirectory() as workspace:
        clone = Path(workspace) / "repo"
        subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
        for _ in range(runs):
            for kind in ("cold", "warm"):
                if kind == "cold":
                    shutil.rmtree(clone / "examples" / "quickstart" / ".terraform", ignore_errors=True)
                    (clone / "examples" / "quickstart" / ".terraform.lock.hcl").unlink(missing_ok=True)
                elapsed, timings = _up(cli, clone)
                results[kind].append(elapsed)
                for phase, seconds in timings.items():
                    phases[kind].setdefault(phase, []).append(seconds)
    return {
        kind: {
            "total_s": Summary.of(samples).__dict__,
            "phases_median_s": {phase: Summary.of(values).median for phase, values in phases[kind].items()},
        }
        for kind, samples in results.items()
    } | {"targets_s": {"cold": 20, "warm": 15}}


def test_suite() -> dict[str, Any]:
    """The README's test command, with pytest's ten slowest tests, as on a fresh clone.

    The command line's plan cache would spare later runs some plans; a fresh
    clone has none, so neither does this measurement.
    """
    shutil.rmtree(CACHE_DIR / "plans", ignore_errors=True)
    started = time.perf_counter()
    completed = subprocess.run(["make", "test", "ARGS=--durations=10"], capture_output=True, text=True, cwd=REPO_ROOT)
    elapsed = time.perf_counter() - started
    slowest = re.findall(r"^([\d.]+)s (call|setup|teardown)\s+(\S+)$", completed.stdout, re.MULTILINE)
    summary = re.findall(r"=+ (.*(?:passed|failed).*) in ", completed.stdout)
    return {
        "wall_s": elapsed,
        "result": summary[-1] if summary else completed.stdout[-300:],
        "exit_code": completed.returncode,
        "slowest": [{"seconds": float(s), "phase": phase, "test": test} for s, phase, test in slowest],
        "target_s": 90,
    }
