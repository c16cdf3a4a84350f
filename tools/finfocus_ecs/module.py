"""Reading the Terraform module's declarations with python-hcl2.

The module's variables.tf is the one home of every default (the region map,
the task size, the metrics port). Python reads them from there rather than
declaring them again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from finfocus_ecs.cache import computed_once
from finfocus_ecs.project import CACHE_DIR, MODULE_DIR

# Strings unquoted, expressions as "${...}": how the module's .tf files and the docs' HCL are read.
SERIALIZATION = SerializationOptions(strip_string_quotes=True, with_comments=False)
_NO_DEFAULT = object()
_PARSING = threading.Lock()


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
    """One .tf file as plain Python values (strings unquoted).

    Parsing variables.tf takes about half a second, longer than `price` takes
    for every region, and most commands read the module's defaults; so parses
    are kept in .cache/hcl as JSON (which holds them exactly), keyed by the
    file's content and the parser's version: an edited file is never served
    from an old parse.
    """
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(f"{hcl2.__version__}\n{text}".encode()).hexdigest()[:32]
    return computed_once(CACHE_DIR / "hcl" / f"{digest}.json", lambda: parse_hcl(text))


def parse_hcl(text: str) -> dict[str, Any]:
    """Parse HCL text into plain Python values (strings unquoted).

    One parse at a time: python-hcl2's parser is shared and not thread-safe
    (two threads parsing at once were seen to return a string with its
    closing quote left on).
    """
    with _PARSING:
        return hcl2.loads(text, serialization_options=SERIALIZATION)


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


def image_layouts() -> list[dict[str, Any]]:
    """Every published image's region => port layout, with the tags that serve it.

    The module's image_layouts.json is their one home: the module reads it to
    pick region_ports from the image tag, and so does everything here.
    """
    return json.loads((MODULE_DIR / "image_layouts.json").read_text())["layouts"]


def image_layout_for(tag: str) -> dict[str, int] | None:
    """The region => port layout of a release tag, or None for a tag the module does not know."""
    for layout in image_layouts():
        if tag in layout["tags"]:
            return {region: int(port) for region, port in layout["region_ports"].items()}
    return None


def image_repository(reference: str) -> str:
    """`registry[:port]/name[:tag][@digest]` -> `registry[:port]/name`."""
    name = reference.split("@")[0]
    return name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name


def is_plugin_image(reference: str) -> bool:
    """Whether an image reference names the plugin's image (under any registry: a mirror or pull-through cache)."""
    return image_repository(reference).rsplit("/", 1)[-1] == "finfocus-plugin-aws-public"


def image_tag(reference: str) -> str | None:
    """`registry[:port]/name:tag[@digest]` -> tag; None for a bare repository or a digest alone."""
    last = reference.split("@")[0].rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def default_image_tag() -> str:
    """The release the module's default `image` pins."""
    tag = image_tag(str(default("image")))
    if tag is None:
        raise KeyError("the module's default image has no tag")
    return tag


def default_region_ports() -> dict[str, int]:
    """What the module deploys by default: the layout of its default image's tag."""
    layout = image_layout_for(default_image_tag())
    if layout is None:
        raise KeyError(f"the default image tag {default_image_tag()} has no layout in image_layouts.json")
    return layout
