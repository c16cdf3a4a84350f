"""Wall-clock figures: plan against the floor and a peer module, the main job and its critical path, the suite."""

from __future__ import annotations

import datetime
import json
import os
import re
import resource
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
from finfocus_ecs.up import share_provider

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


# The peer: terraform-aws-modules/ecs at v5.12.1, the module a user would otherwise pick, holding the
# same deployment (cluster with FARGATE and FARGATE_SPOT, one service of ten ports in a Cloud Map
# service, its own security group). Its source is not vendored here: bench reads a checkout of the
# tag from FINFOCUS_BENCH_PEER_SOURCE and reports the peer as not measured without one.
PEER_ENV = "FINFOCUS_BENCH_PEER_SOURCE"
PEER_ROOT = """
module "peer" {
  source = "%s"

  cluster_name = var.name
  fargate_capacity_providers = {
    FARGATE      = { default_capacity_provider_strategy = { weight = 1 } }
    FARGATE_SPOT = {}
  }
  services = {
    finfocus = {
      cpu        = 1024
      memory     = 2048
      subnet_ids = local.subnet_ids
      container_definitions = {
        plugin = {
          image         = var.image
          port_mappings = [for port in range(8001, 8011) : { containerPort = port, protocol = "tcp" }]
        }
      }
      service_registries = { registry_arn = aws_service_discovery_service.peer.arn }
      security_group_rules = {
        regions = { type = "ingress", from_port = 8001, to_port = 8010, protocol = "tcp", cidr_blocks = ["10.0.0.0/8"] }
        https   = { type = "egress", from_port = 443, to_port = 443, protocol = "tcp", cidr_blocks = ["0.0.0.0/0"] }
      }
    }
  }
}

resource "aws_service_discovery_private_dns_namespace" "peer" {
  name = "finfocus.local"
  vpc  = local.vpc_id
}

resource "aws_service_discovery_service" "peer" {
  name = "aws-public"
  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.peer.id
    routing_policy = "MULTIVALUE"
    dns_records {
      ttl  = 10
      type = "A"
    }
  }
}
"""


def _peer_root(workspace: Path, source: Path) -> Path:
    """The quick start's network and provider with the peer module in place of ours."""
    root = copy_quickstart(workspace / "peer")
    (root / "main.tf").write_text(PEER_ROOT % source.resolve())
    (root / "outputs.tf").unlink()
    return root


def plan_overhead(runs: int = 5) -> dict[str, Any]:
    """Plan of the quick start (and of the peer) divided by the plan of a provider-only root, alternated."""
    peer_source = os.environ.get(PEER_ENV)
    running = emulator.start()
    try:
        with tempfile.TemporaryDirectory() as workspace:
            roots = {"quickstart": copy_quickstart(Path(workspace) / "qs"), "floor": Path(workspace) / "floor"}
            roots["floor"].mkdir()
            (roots["floor"] / "main.tf").write_text(FLOOR_ROOT)
            if peer_source:
                roots["peer"] = _peer_root(Path(workspace), Path(peer_source))
            runners = {name: Terraform(root, env=running.aws_env()) for name, root in roots.items()}
            for terraform in runners.values():
                terraform.init()
            samples: dict[str, list[float]] = {name: [] for name in runners}
            for _ in range(runs):
                for name, terraform in runners.items():
                    started = time.perf_counter()
                    terraform.run("plan", "-input=false", "-no-color", "-lock=false")
                    samples[name].append(time.perf_counter() - started)
    finally:
        running.stop()
    figures: dict[str, Any] = {f"{name}_s": Summary.of(values).__dict__ for name, values in samples.items()} | {
        "target_ratio": 1.10,
        "peer": "terraform-aws-modules/ecs v5.12.1" if peer_source else None,
    }
    for name in ("quickstart", "peer"):
        if name in samples:
            ratios = [q / f for q, f in zip(samples[name], samples["floor"], strict=True)]
            figures["ratio" if name == "quickstart" else "peer_ratio"] = Summary.of(ratios).__dict__
    return figures


def critical_path() -> dict[str, Any]:
    """The quick start's apply, per resource from Terraform's own apply_start/apply_complete messages.

    The fixed waits are the provider's: the ECS cluster's and its capacity
    providers' `waitClusterAvailable` (10 s each, one after the other, before
    the service). What is left is Terraform and the emulator.
    """
    running = emulator.start()
    try:
        with tempfile.TemporaryDirectory() as workspace:
            root = copy_quickstart(Path(workspace) / "qs")
            terraform = Terraform(root, env=running.aws_env())
            terraform.init()
            # As `up` applies it: attached to the provider init installed.
            share_provider(terraform, root)
            started = time.time()
            output = terraform.run("apply", "-input=false", "-auto-approve", "-json").out
            ended = time.time()
    finally:
        running.stop()
    spans: dict[str, list[float]] = {}
    for line in output.splitlines():
        message = json.loads(line)
        if message.get("type") not in ("apply_start", "apply_complete"):
            continue
        moment = datetime.datetime.fromisoformat(message["@timestamp"].replace("Z", "+00:00")).timestamp()
        spans.setdefault(message["hook"]["resource"]["addr"], []).append(moment - started)
    resources = {address: {"start_s": times[0], "seconds": times[-1] - times[0]} for address, times in spans.items()}
    chain = [
        "module.finfocus.aws_ecs_cluster.this[0]",
        "module.finfocus.aws_ecs_cluster_capacity_providers.this[0]",
        "module.finfocus.aws_ecs_service.this[0]",
    ]
    fixed = sum(resources[address]["seconds"] for address in chain[:2])
    return {
        "apply_s": ended - started,
        "before_first_resource_s": min(span["start_s"] for span in resources.values()),
        "chain": {address: resources[address] for address in chain},
        "fixed_waits_s": fixed,
        "other_s": ended - started - fixed,
        "slowest": dict(sorted(resources.items(), key=lambda item: -item[1]["seconds"])[:4]),
    }


def _run(command: list[str], clone: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=clone, env={**os.environ, "FINFOCUS_REPO_ROOT": str(clone)}
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {completed.stderr[-1500:]}")
    return time.perf_counter() - started, completed


def _clean_env() -> dict[str, str]:
    """The environment of a newcomer's shell: no virtual environment or make variables of this run.

    make exports the variables of its command line: `make bench ARGS=...` would hand ARGS to `make up`.
    """
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "MAKE", "MFLAGS")) and key != "ARGS"
    }


def first_make_up() -> dict[str, Any]:
    """`make up` then `make down` in a fresh clone: uv from the package index, the lock file, init, apply.

    With the CPU seconds of make and everything it ran, and the machine's load
    before and after: on a shared machine the wall time follows the load, the
    CPU time much less.
    """
    with tempfile.TemporaryDirectory() as workspace:
        clone = Path(workspace) / "repo"
        subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
        figures: dict[str, Any] = {"load_before": os.getloadavg()[0]}
        for target in ("up", "down"):
            started, cpu = time.perf_counter(), _children_cpu()
            completed = subprocess.run(["make", target], capture_output=True, text=True, cwd=clone, env=_clean_env())
            if completed.returncode != 0:
                raise RuntimeError(f"make {target} failed: {completed.stderr[-1500:]}")
            figures[f"make_{target}_s"] = time.perf_counter() - started
            figures[f"make_{target}_cpu_s"] = _children_cpu() - cpu
        figures["load_after"] = os.getloadavg()[0]
    return figures | {"target_s": 45}


def _children_cpu() -> float:
    """User and system CPU seconds of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main_job(runs: int = 3) -> dict[str, Any]:
    """`finfocus-ecs up` and `down` in a fresh copy of the repository: cold (no .terraform) and warm, alternated."""
    cli = str(Path(sys.executable).with_name("finfocus-ecs"))
    results: dict[str, list[float]] = {"cold": [], "warm": [], "down": []}
    phases: dict[str, dict[str, list[float]]] = {"cold": {}, "warm": {}}
    with tempfile.TemporaryDirectory() as workspace:
        clone = Path(workspace) / "repo"
        subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
        for _ in range(runs):
            for kind in ("cold", "warm"):
                if kind == "cold":
                    shutil.rmtree(clone / "examples" / "quickstart" / ".terraform", ignore_errors=True)
                    (clone / "examples" / "quickstart" / ".terraform.lock.hcl").unlink(missing_ok=True)
                elapsed, completed = _run([cli, "up", "--json"], clone)
                results[kind].append(elapsed)
                for phase, seconds in json.loads(completed.stdout)["timings_seconds"].items():
                    phases[kind].setdefault(phase, []).append(seconds)
                results["down"].append(_run([cli, "down"], clone)[0])
    figures: dict[str, Any] = {
        kind: {
            "total_s": Summary.of(results[kind]).__dict__,
            "phases_median_s": {phase: Summary.of(values).median for phase, values in phases[kind].items()},
        }
        for kind in ("cold", "warm")
    }
    return figures | {
        "down": {"total_s": Summary.of(results["down"]).__dict__},
        "targets_s": {"warm": 20, "warm_over_fixed_waits": 3, "down": 15},
    }


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
        "target_s": 240,
    }
