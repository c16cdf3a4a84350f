"""Generated parts of the docs, so that they cannot drift from the code.

Each part sits between `<!-- BEGIN GENERATED: NAME -->` and
`<!-- END GENERATED: NAME -->` in a Markdown file. `generate()` rewrites them;
`stale()` lists those that differ from what the code says now.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finfocus_ecs import module
from finfocus_ecs.cost import deployments_from_resources, estimate
from finfocus_ecs.evaluate import PlannedModule, plan_module
from finfocus_ecs.project import DOCS_DIR, MODULE_DIR, REPO_ROOT
from finfocus_ecs.taskdef import PLACEHOLDER_EXECUTION_ROLE_ARN, render_task_definition

MODULE_README = MODULE_DIR / "README.md"
GUIDE = DOCS_DIR / "ecs-deployment.md"
SECURITY = DOCS_DIR / "security.md"
# checkov's inline skips, and parliament's explained findings written the same way (iam_audit.py).
SKIP_COMMENT = re.compile(r"#\s*(checkov|parliament):skip=([A-Z0-9_]+):(.+)$")


@dataclass(frozen=True)
class Part:
    path: Path
    name: str
    content: str


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _hcl_value(value: Any) -> str:
    if value is None:
        return "`null`"
    return f"`{json.dumps(value, separators=(', ', ' = ') if isinstance(value, dict) else (', ', ': '))}`"


def inputs_table() -> str:
    rows = ["| Name | Description | Type | Default | Required |", "|---|---|---|---|---|"]
    for variable in module.variables().values():
        default = "n/a" if variable.required else _hcl_value(variable.default)
        if len(default) > 60:
            default = "see `variables.tf`"
        rows.append(
            f"| `{variable.name}` | {_cell(variable.description)} | `{_cell(' '.join(variable.type.split()))}` "
            f"| {_cell(default)} | {'yes' if variable.required else 'no'} |"
        )
    return "\n".join(rows)


def outputs_table() -> str:
    rows = ["| Name | Description |", "|---|---|"]
    rows += [f"| `{output.name}` | {_cell(output.description)} |" for output in module.outputs().values()]
    return "\n".join(rows)


def region_ports_hcl(region_ports: dict[str, int]) -> str:
    width = max(len(region) for region in region_ports) + 2
    lines = [f"  {f'{chr(34)}{region}{chr(34)}':<{width}} = {port}" for region, port in region_ports.items()]
    return "region_ports = {\n" + "\n".join(lines) + "\n}"


def layout_section(title: str, region_ports: dict[str, int]) -> str:
    table = ["| port | region |", "|---|---|"]
    table += [f"| {port} | {region} |" for region, port in sorted(region_ports.items(), key=lambda item: item[1])]
    return f"{title}\n\n" + "\n".join(table) + "\n\n```hcl\n" + region_ports_hcl(region_ports) + "\n```"


def layouts() -> str:
    """One section per published layout, newest first, with the tags that serve it."""
    default_tag = module.default_image_tag()
    sections = []
    for layout in reversed(module.image_layouts()):
        tags = ", ".join(f"`{tag}`" for tag in layout["tags"])
        default = f" The module's default (`{default_tag}`)." if default_tag in layout["tags"] else ""
        title = f"**{layout['name']} layout: tags {tags}, {layout['released']}.**{default} {layout['note']}"
        sections.append(layout_section(title, {region: int(port) for region, port in layout["region_ports"].items()}))
    return "\n\n".join(sections)


def suppressions() -> str:
    """Every inline checkov skip and explained parliament finding in the module and the example, with its reason."""
    rows = ["| check | where | reason |", "|---|---|---|"]
    for directory in (MODULE_DIR, REPO_ROOT / "examples" / "quickstart"):
        for path in sorted(directory.glob("*.tf")):
            resource = ""
            for line in path.read_text().splitlines():
                if line.startswith(("resource ", "data ")):
                    resource = ".".join(part.strip('"') for part in line.split()[1:3])
                match = SKIP_COMMENT.search(line)
                if match:
                    where = f"`{path.relative_to(REPO_ROOT)}` `{resource}`"
                    tool, check, reason = match.groups()
                    check = check if tool == "checkov" else f"{check} ({tool})"
                    rows.append(f"| {check} | {where} | {_cell(reason.strip())} |")
    return "\n".join(rows)


def reference_planned() -> PlannedModule:
    """The module with its defaults, as `finfocus-ecs task-definition` plans it."""
    return plan_module({"execution_role_arn": PLACEHOLDER_EXECUTION_ROLE_ARN})


def task_definition_json(planned: PlannedModule) -> str:
    return "```json\n" + json.dumps(render_task_definition(planned), indent=2) + "\n```"


def cost_summary(planned: PlannedModule) -> str:
    deployment = deployments_from_resources(planned.resources)
    on_demand = estimate(deployment)
    spot = estimate(
        deployments_from_resources(
            {
                **planned.resources,
                "aws_ecs_service.this[0]": {
                    **planned.resource("aws_ecs_service.this[0]"),
                    "capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}],
                },
            }
        )
    )
    rows = ["| deployment | per month |", "|---|---|"]
    rows.append(f"| defaults, on demand (`finfocus-ecs cost`) | ${on_demand.total:.2f} |")
    spot_command = "finfocus-ecs cost --spot-weight 1 --on-demand-weight 0"
    rows.append(f"| defaults, all on Fargate Spot (`{spot_command}`) | ${spot.total:.2f} |")
    rows.append(f"| the NLB alternative, on demand | ${on_demand.alternative_total:.2f} |")
    return "\n".join(rows)


def deployer_policy_json() -> str:
    from finfocus_ecs.deployer_policy import example

    return "```json\n" + json.dumps(example(), indent=2) + "\n```"


def parts() -> list[Part]:
    planned = reference_planned()
    return [
        Part(MODULE_README, "inputs", inputs_table()),
        Part(MODULE_README, "outputs", outputs_table()),
        Part(GUIDE, "inputs", inputs_table()),
        Part(GUIDE, "outputs", outputs_table()),
        Part(GUIDE, "region-layouts", layouts()),
        Part(GUIDE, "task-definition", task_definition_json(planned)),
        Part(GUIDE, "cost", cost_summary(planned)),
        Part(GUIDE, "deployer-policy", deployer_policy_json()),
        Part(SECURITY, "suppressions", suppressions()),
    ]


def _replace(text: str, part: Part) -> str:
    begin, end = _markers(part.name)
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"{part.path.relative_to(REPO_ROOT)} has no {begin} ... {end} markers")
    return text[: start + len(begin)] + "\n" + part.content + "\n" + text[stop:]


def render(all_parts: list[Part]) -> dict[Path, str]:
    rendered: dict[Path, str] = {}
    for part in all_parts:
        text = rendered.get(part.path) or part.path.read_text()
        rendered[part.path] = _replace(text, part)
    return rendered


def stale(all_parts: list[Part] | None = None) -> list[Path]:
    """Files whose generated parts differ from the code."""
    rendered = render(all_parts if all_parts is not None else parts())
    return [path for path, text in rendered.items() if path.read_text() != text]


def generate(all_parts: list[Part] | None = None) -> list[Path]:
    """Rewrite the generated parts; return the files that changed."""
    changed = []
    for path, text in render(all_parts if all_parts is not None else parts()).items():
        if path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed
