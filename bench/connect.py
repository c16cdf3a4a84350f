"""What a FinFocus cost command costs when the machine no longer has what `connect` ran with.

The deployment is three region stand-ins on loopback and the core is
tests/core_standin.py in both modes, as tests/cli/test_connect.py runs them;
this measures what those tests only check by behaviour (the plugin takes its
port at its first launch). Cases:
- checkout_gone: connect ran from a copy of this checkout, then the copy and
  its .venv were deleted (the plugin keeps pricing);
- no_python: the interpreter connect ran on uninstalled and nothing on the
  PATH (tests/cli/machines.py; root and namespaces needed);
- broken_python3: the same, with a python3 on the PATH that exits 1 (a pyenv
  shim whose version is gone);
- own_python_damaged: the plugin's own copy of Python deleted, a working
  python3 on the PATH: the plugin takes the port and refuses at once.
The target: under 5 s, where a plugin that never binds costs v0.2.6 about
five minutes (measured: 301.5 s).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.checkouts import checkout_copy
from tests.cli.machines import core_runner, machine_path, uninstalled_interpreter
from tests.cli.standins import start_region, stop
from tests.core_standin import MODES

from bench.stats import Summary
from finfocus_ecs.connect import install

CORE = Path(__file__).parents[1] / "tests" / "core_standin.py"
REGIONS = ("us-east-1", "eu-west-1", "sa-east-1")
CASES = {
    "checkout_gone": "checkout deleted",
    "no_python": "its Python uninstalled, no python3 on the PATH",
    "broken_python3": "its Python uninstalled, a python3 that exits 1",
    "own_python_damaged": "the plugin's own Python deleted",
}


def _resources() -> list[dict[str, Any]]:
    return [
        {
            "urn": f"urn:pulumi:dev::shop::aws:ec2/instance:Instance::web-{region}",
            "type": "aws:ec2/instance:Instance",
            "properties": {"instanceType": "t3.micro", "availabilityZone": f"{region}a"},
        }
        for region in REGIONS
    ]


def _cost_command(mode: str, plugins: Path, resources: Path, machine: list[str] | None) -> tuple[float, dict]:
    """One `finfocus cost projected` of the core stand-in (on a built machine if given): its seconds and report."""
    where = {"FINFOCUS_PLUGIN_DIR": str(plugins)} if mode == "v0.4" else {"FINFOCUS_HOME": str(plugins.parent)}
    command = [sys.executable, str(CORE)] if machine is None else [*machine, "--"]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        completed = subprocess.run(
            [*command, "--mode", mode, str(resources)],
            stdout=output,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **where, "FINFOCUS_CORE_STANDIN_TERMINAL": "1"},
            timeout=600,
        )
        seconds = time.perf_counter() - started
        output.seek(0)
        report = output.read()
    if completed.returncode != 0:
        raise RuntimeError(f"the core stand-in failed (exit {completed.returncode})")
    return seconds, json.loads(report)


def measure(runs: int = 3) -> dict[str, Any]:
    from finfocus_ecs.rehearsal.network import namespaces_unavailable

    with ThreadPoolExecutor(max_workers=len(REGIONS)) as pool:
        started = dict(zip(REGIONS, pool.map(start_region, REGIONS), strict=True))
    ports = {region: port for region, (_, port) in started.items()}
    mapping = ",".join(f"{region}={port}" for region, port in ports.items())
    unavailable = namespaces_unavailable()
    figures: dict[str, Any] = {"cases": dict(CASES), "target_s": 5}
    try:
        with tempfile.TemporaryDirectory() as workspace:
            root = Path(workspace)
            resources = root / "resources.json"
            resources.write_text(json.dumps(_resources()))
            checkout = checkout_copy(root / "checkout")
            plugins = {case: root / case / "plugins" for case in CASES}
            subprocess.run(
                [str(checkout / ".venv" / "bin" / "finfocus-ecs"), "connect", "127.0.0.1", "--region-ports", mapping,
                 "--plugin-dir", str(plugins["checkout_gone"])],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            shutil.rmtree(checkout)
            for case in ("no_python", "broken_python3", "own_python_damaged"):
                install(plugins[case], "127.0.0.1", ports, "0.1.8", "v0.6.0")
            shutil.rmtree(plugins["own_python_damaged"] / "aws-public" / "v0.1.8" / "lib" / "python")
            machines: dict[str, list[str] | None] = {"checkout_gone": None, "own_python_damaged": None}
            if unavailable:
                figures["skipped"] = {case: unavailable for case in ("no_python", "broken_python3")}
            else:
                runner = core_runner(root / "core-python")
                hidden = [argument for path in uninstalled_interpreter() for argument in ("--hide", path)]
                for case in ("no_python", "broken_python3"):
                    path = machine_path(root / f"{case}-bin", broken_python3=case == "broken_python3")
                    machines[case] = [*runner, *hidden, "--path", path]
            for mode in MODES:
                samples: dict[str, list[float]] = {case: [] for case in machines}
                priced: dict[str, list[int]] = {case: [] for case in machines}
                for _ in range(runs):
                    for case, machine in machines.items():
                        seconds, report = _cost_command(mode, plugins[case], resources, machine)
                        samples[case].append(seconds)
                        priced[case].append(sum(1 for result in report["results"] if result.get("cost_per_month")))
                figures[mode] = {case: Summary.of(values).__dict__ for case, values in samples.items()}
                figures[mode]["priced_of"] = {case: [min(counts), len(REGIONS)] for case, counts in priced.items()}
    finally:
        for process, _ in started.values():
            stop(process)
    return figures
