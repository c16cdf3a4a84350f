"""What a FinFocus cost command costs once the checkout `connect` ran from is gone (issue 24's five-minute wait).

The deployment is three region stand-ins on loopback and the core is
tests/core_standin.py in both modes, as tests/cli/test_connect.py runs them;
this measures what those tests only bound. Two cases: the checkout and its
.venv deleted (the self-contained plugin keeps pricing), and the Python the
plugin was installed with gone (it must fail at once with what to run).
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
from tests.cli.standins import start_region, stop
from tests.core_standin import MODES

from bench.stats import Summary
from finfocus_ecs.connect import install

CORE = Path(__file__).parents[1] / "tests" / "core_standin.py"
REGIONS = ("us-east-1", "eu-west-1", "sa-east-1")


def _resources() -> list[dict[str, Any]]:
    return [
        {
            "urn": f"urn:pulumi:dev::shop::aws:ec2/instance:Instance::web-{region}",
            "type": "aws:ec2/instance:Instance",
            "properties": {"instanceType": "t3.micro", "availabilityZone": f"{region}a"},
        }
        for region in REGIONS
    ]


def _cost_command(mode: str, plugins: Path, resources: Path) -> tuple[float, dict[str, Any]]:
    """One `finfocus cost projected` of the core stand-in: its seconds and its report."""
    where = {"FINFOCUS_PLUGIN_DIR": str(plugins)} if mode == "v0.4" else {"FINFOCUS_HOME": str(plugins.parent)}
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, str(CORE), "--mode", mode, str(resources)],
        capture_output=True,
        text=True,
        env={**os.environ, **where, "FINFOCUS_CORE_STANDIN_TERMINAL": "1"},
        timeout=600,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"the core stand-in failed: {completed.stderr[-800:]}")
    return seconds, json.loads(completed.stdout)


def measure(runs: int = 3) -> dict[str, Any]:
    with ThreadPoolExecutor(max_workers=len(REGIONS)) as pool:
        started = dict(zip(REGIONS, pool.map(start_region, REGIONS), strict=True))
    ports = {region: port for region, (_, port) in started.items()}
    mapping = ",".join(f"{region}={port}" for region, port in ports.items())
    figures: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as workspace:
            root = Path(workspace)
            resources = root / "resources.json"
            resources.write_text(json.dumps(_resources()))
            checkout = checkout_copy(root / "checkout")
            gone = root / "gone" / "plugins"
            cli = str(checkout / ".venv" / "bin" / "finfocus-ecs")
            subprocess.run(
                [cli, "connect", "127.0.0.1", "--region-ports", mapping, "--plugin-dir", str(gone)],
                capture_output=True,
                text=True,
                check=True,
            )
            shutil.rmtree(checkout)
            no_python = root / "no-python" / "plugins"
            install(no_python, "127.0.0.1", ports, "0.1.8", "v0.6.0", python=str(root / "missing" / "python3.11"))
            for mode in MODES:
                samples: dict[str, list[float]] = {"checkout_gone": [], "python_gone": []}
                priced: list[int] = []
                for _ in range(runs):
                    seconds, report = _cost_command(mode, gone, resources)
                    samples["checkout_gone"].append(seconds)
                    priced.append(sum(1 for result in report["results"] if result.get("cost_per_month")))
                    seconds, _ = _cost_command(mode, no_python, resources)
                    samples["python_gone"].append(seconds)
                figures[mode] = {name: Summary.of(values).__dict__ for name, values in samples.items()}
                figures[mode]["priced_of"] = [min(priced), len(REGIONS)]
    finally:
        for process, _ in started.values():
            stop(process)
    return figures | {"target_s": 5}
