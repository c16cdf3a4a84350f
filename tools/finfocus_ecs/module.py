"""Reading the Terraform module's declarations with python-hcl2.

The module's variables.tf is the one home of every default (the region map,
the task size, the metrics port). Python reads them from there rather than
declaring them again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from finfocus_ecs.project import MODULE_DIR

_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Variable:
    """One `variable` block: what the docs and the CLI need of it."""

    name: str
    type: str
    description: str
    default: Any = _NO_DEFAULT
    nullable: bool = True

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT


@dataclass(frozen=True)
class Output:
    """One `output` block."""

    name: str
    description: str


def load_hcl(path: Path) -> dict[str, Any]:
    """Parse one .tf file into plain Python values (strings unquoted)."""
    with open(path, encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=_OPTIONS)


def _type_text(raw: str) -> str:
    """`${map(number)}` -> `map(number)`: the type as written in HCL."""
    return raw[2:-1] if raw.startswith("${") and raw.endswith("}") else raw


@cache
def variables(module_dir: Path = MODULE_DIR) -> dict[str, Variable]:
    """Every variable the module declares, by name, in file order."""
    found: dict[str, Variable] = {}
    for block in load_hcl(module_dir / "variables.tf").get("variable", []):
        for name, body in block.items():
            found[name] = Variable(
                name=name,
                type=_type_text(body["type"]),
                description=body["description"],
                default=body.get("default", _NO_DEFAULT),
                nullable=body.get("nullable", True),
            )
    return found


@cache
def outputs(module_dir: Path = MODULE_DIR) -> dict[str, Output]:
    """Every output the module declares, by name, in file order."""
    found: dict[str, Output] = {}
    for block in load_hcl(module_dir / "outputs.tf").get("output", []):
        for name, body in block.items():
            found[name] = Output(name=name, description=body["description"])
    return found


def default(name: str) -> Any:
    """The declared default of a module variable."""
    variable = variables()[name]
    if variable.required:
        raise KeyError(f"variable {name!r} has no default")
    return variable.default


def default_region_ports() -> dict[str, int]:
    """The module's default region => port map, in its declared order."""
    return {region: int(port) for region, port in default("region_ports").items()}


def image_layouts() -> dict[str, dict[str, Any]]:
    """Region maps of other published images (data/image_layouts.json), by name."""
    path = Path(__file__).with_name("data") / "image_layouts.json"
    layouts = json.loads(path.read_text())
    return {name: layout for name, layout in layouts.items() if not name.startswith("_")}
