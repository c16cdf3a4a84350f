"""Roots of module calls applied against the emulator, for the e2e tests that build their own."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finfocus_ecs.emulator import Emulator
from finfocus_ecs.roots import write_root
from finfocus_ecs.terraform import Terraform


def emulator_root(emulator: Emulator, directory: Path, modules: Mapping[str, Mapping[str, Any]]) -> Terraform:
    """An initialised root against the emulator; each call gets its own copy of the module, so errors name the call."""
    write_root(directory, modules, provider={"region": "us-east-1"}, copy_module=True)
    terraform = Terraform(directory, env=emulator.aws_env())
    terraform.init()
    return terraform
