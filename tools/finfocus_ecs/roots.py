"""Small Terraform roots that call the module, written as JSON configuration.

The CLI and the tests evaluate the module by planning such a root, so every
fact they report comes from the module itself. Terraform reads `*.tf.json`
natively, so any input value (maps, nulls, objects) goes in as plain JSON,
with no second copy of the module's variables.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finfocus_ecs.project import MODULE_DIR, QUICKSTART_DIR

# Placeholder network ids for plans that never reach AWS.
PLACEHOLDER_VPC_ID = "vpc-0a1b2c3d4e5f60718"
PLACEHOLDER_SUBNET_IDS = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]
PLACEHOLDER_CIDR = "10.0.0.0/16"


def offline_provider(region: str = "us-east-1") -> dict[str, Any]:
    """An AWS provider block that plans with no credentials and no network.

    Only data sources that need no API call (region, partition, policy
    documents) may be read through it.
    """
    return {
        "region": region,
        "access_key": "plan-only",
        "secret_key": "plan-only",
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }


def offline_inputs(**inputs: Any) -> dict[str, Any]:
    """Module inputs for an offline plan: placeholder network unless given.

    allowed_cidr_blocks is given, because its default (the VPC's CIDR blocks) would
    need a DescribeVpcs call.
    """
    return {
        "vpc_id": PLACEHOLDER_VPC_ID,
        "subnet_ids": PLACEHOLDER_SUBNET_IDS,
        "allowed_cidr_blocks": [PLACEHOLDER_CIDR],
        **inputs,
    }


def write_root(
    directory: Path,
    modules: Mapping[str, Mapping[str, Any]],
    provider: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    module_source: Path = MODULE_DIR,
    copy_module: bool = False,
) -> Path:
    """Write `main.tf.json` calling the module once per entry of `modules`.

    Each call's outputs are re-exported as `<call name>` (an object), so a
    plan shows them. `extra` merges more top-level blocks (resources, ...).
    A relative source makes Terraform read the module in place, so edits need
    no new init; with copy_module, `init` copies it per call instead, and
    errors then name the call's own copy (.terraform/modules/CALL/...).
    """
    directory.mkdir(parents=True, exist_ok=True)
    source = str(module_source.resolve()) if copy_module else os.path.relpath(module_source, directory)
    document: dict[str, Any] = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}},
        "provider": {"aws": dict(provider if provider is not None else offline_provider())},
        "module": {name: {"source": source, **inputs} for name, inputs in modules.items()},
        "output": {name: {"value": f"${{module.{name}}}"} for name in modules},
    }
    for key, value in (extra or {}).items():
        document.setdefault(key, {}).update(value)
    path = directory / "main.tf.json"
    text = json.dumps(document, indent=2, sort_keys=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def copy_quickstart(directory: Path) -> Path:
    """examples/quickstart as a user has it, beside a link to the module it sources.

    Tests and benchmarks apply the copy, so they never touch the state of the
    repository's own quick start.
    """
    (directory / "modules").mkdir(parents=True)
    (directory / "modules" / "finfocus_ecs").symlink_to(MODULE_DIR)
    root = directory / "examples" / "quickstart"
    shutil.copytree(QUICKSTART_DIR, root, ignore=shutil.ignore_patterns(".terraform*", "terraform.tfstate*"))
    return root
