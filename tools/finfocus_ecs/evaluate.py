"""Evaluating the module with Terraform: plan a one-call root offline, read the result.

The CLI never rebuilds what the module computes. It plans the module with the
user's inputs and reads the planned values, so the module's own validations
reject bad input with their own messages.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finfocus_ecs.cache import computed_once
from finfocus_ecs.project import CACHE_DIR, MODULE_DIR
from finfocus_ecs.roots import offline_inputs, offline_provider, write_root
from finfocus_ecs.terraform import Terraform, TerraformError, planned_resources

CALL = "finfocus"


class InputError(ValueError):
    """The module rejected an input; the message is its own (as diagnostics.readable_errors writes it)."""


@dataclass
class PlannedModule:
    """The planned values of one module call."""

    resources: dict[str, dict[str, Any]]
    outputs: dict[str, Any]
    region: str

    def resource(self, address: str) -> dict[str, Any]:
        return self.resources[address]


def _cache_key(inputs: dict[str, Any], region: str) -> str:
    """Changes whenever the inputs, the region or any file of the module change."""
    digest = hashlib.sha256(json.dumps([inputs, region], sort_keys=True).encode())
    for path in sorted(MODULE_DIR.glob("*.tf")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:32]


def plan_module(inputs: dict[str, Any], region: str = "us-east-1") -> PlannedModule:
    """Plan the module with these inputs (offline: no credentials, no network).

    A plan takes seconds, so results are kept in .cache/plans, keyed by the
    inputs and the module's own files: an edit to the module is never served
    from an old plan.
    """
    cached = CACHE_DIR / "plans" / f"{_cache_key(inputs, region)}.json"
    return PlannedModule(**computed_once(cached, lambda: _plan_module(inputs, region).__dict__))


def _plan_module(inputs: dict[str, Any], region: str) -> PlannedModule:
    roots = CACHE_DIR / "roots"
    roots.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="module-", dir=roots))
    try:
        write_root(directory, {CALL: offline_inputs(**inputs)}, provider=offline_provider(region))
        terraform = Terraform(directory)
        terraform.init()
        try:
            plan = terraform.plan_json()
        except TerraformError as error:
            raise InputError(str(error)) from None
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    prefix = f"module.{CALL}."
    resources = {
        resource["address"][len(prefix) :]: resource["values"]
        for resource in planned_resources(plan)
        if resource["address"].startswith(prefix)
    }
    return PlannedModule(resources, plan["output_changes"][CALL]["after"], region)


def parse_region_ports(text: str) -> dict[str, int]:
    """`us-east-1=8001,us-west-2=8002` or a JSON object; region names are the module's to judge."""
    text = text.strip()
    try:
        if text.startswith("{"):
            pairs = json.loads(text)
        else:
            pairs = dict(item.split("=", 1) for item in text.split(",") if item.strip())
    except ValueError:
        raise InputError(f"--region-ports {text!r} is not REGION=PORT,REGION=PORT or a JSON object") from None
    parsed = {}
    for region, port in pairs.items():
        try:
            parsed[region.strip()] = int(port)
        except (TypeError, ValueError):
            raise InputError(f"--region-ports: port {port!r} of {region.strip()} is not a whole number") from None
    return parsed
