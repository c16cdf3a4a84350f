"""What the commands share: the Typer app, its consoles, exit codes, options and module evaluation."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    name="finfocus-ecs",
    help="Deploy the FinFocus AWS public-pricing plugin on ECS Fargate, and prove it works.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print a user-facing error on stderr and exit, without a traceback; the message is plain text, not markup."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def missing_for_extra(extra: str) -> list[str]:
    """The distributions of an optional extra (pyproject.toml) that are not installed: `make up` installs none."""
    requirements = metadata.requires("finfocus-ecs") or []
    names = [
        re.match(r"[A-Za-z0-9._-]+", requirement).group(0)  # type: ignore[union-attr]
        for requirement in requirements
        if re.search(rf"extra\s*==\s*['\"]{re.escape(extra)}['\"]", requirement)
    ]
    missing = []
    for name in names:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def require_extra(extra: str, command: str) -> None:
    """Stop a command whose optional dependencies are missing, saying what to install."""
    missing = missing_for_extra(extra)
    if missing:
        fail(
            f"finfocus-ecs {command} needs the optional dependencies of the `{extra}` extra, and {', '.join(missing)} "
            f"are not installed (`make up` installs only what the main job needs): run `make venv`, or "
            f"`pip install 'finfocus-ecs[{extra}]'`."
        )


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True) + "\n")


def version_callback(value: bool) -> None:
    if value:
        # pyproject.toml holds the version (the newest release in CHANGELOG.md); make reinstalls when it changes.
        out.print(f"finfocus-ecs {metadata.version('finfocus-ecs')}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Deploy the FinFocus AWS public-pricing plugin on ECS Fargate, and prove it works."""


# Options shared by the commands that evaluate the module.
NameOption = Annotated[str | None, typer.Option("--name", help="Family, service and log group prefix.")]
ImageOption = Annotated[
    str | None,
    typer.Option("--image", help="Plugin image pinned to a tag, e.g. ...:v0.1.2; a known tag brings its layout."),
]
RegionPortsOption = Annotated[
    str | None,
    typer.Option(
        "--region-ports",
        help="REGION=PORT,... or a JSON object, for an image the module does not know; default: the layout of the "
        "image's tag (v0.1.8: 10 regions).",
    ),
]
CpuOption = Annotated[int | None, typer.Option("--cpu", help="Task CPU units (Fargate sizes).")]
MemoryOption = Annotated[int | None, typer.Option("--memory", help="Task memory in MiB.")]
ArchitectureOption = Annotated[str | None, typer.Option("--cpu-architecture", help="X86_64 or ARM64.")]
RegionOption = Annotated[str, typer.Option("--region", help="AWS region of the deployment (awslogs-region, prices).")]


def module_inputs(
    name: str | None = None,
    image: str | None = None,
    region_ports: str | None = None,
    cpu: int | None = None,
    memory: int | None = None,
    cpu_architecture: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """Module inputs from options; unset options keep the module's own defaults."""
    from finfocus_ecs.evaluate import InputError, parse_region_ports

    try:
        parsed_ports = parse_region_ports(region_ports) if region_ports is not None else None
    except InputError as error:
        fail(str(error))
    inputs: dict[str, Any] = {
        "name": name,
        "image": image,
        "region_ports": parsed_ports,
        "cpu": cpu,
        "memory": memory,
        "cpu_architecture": cpu_architecture,
        **more,
    }
    return {key: value for key, value in inputs.items() if value is not None}


def plan_or_fail(inputs: dict[str, Any], region: str) -> Any:
    from finfocus_ecs.evaluate import InputError, plan_module

    try:
        with err.status("evaluating the module with terraform plan"):
            return plan_module(inputs, region=region)
    except InputError as error:
        fail(str(error))


@dataclass(frozen=True)
class DeploymentLayout:
    """A deployment's region => port, and the release every port must report (None: unknown, and why)."""

    ports: dict[str, int]
    release: str | None
    release_source: str

    def to_json(self) -> dict[str, Any]:
        return {"release_expected": self.release, "release_source": self.release_source}


def deployment_layout(
    image: str | None, region_ports: str | None, task_definition: str | None = None
) -> DeploymentLayout:
    """Region => port of a deployment and the release its ports must report.

    The ports: --region-ports, else the deployment's task definition, else
    the layout of the image's tag. The release: the image tag of --image,
    else of the task definition, else of the module's default image when no
    map was given; a map alone names no image, and so no release.
    """
    from finfocus_ecs.deployment import TaskDefinitionError, deployed_layout
    from finfocus_ecs.evaluate import InputError, parse_region_ports
    from finfocus_ecs.module import default, image_layout_for, image_layouts, image_tag

    deployed_ports: dict[str, int] | None = None
    source = None
    if image is not None:
        source = f"--image {image}"
    if task_definition is not None:
        try:
            deployed_ports, deployed_image = deployed_layout(task_definition)
        except TaskDefinitionError as error:
            fail(str(error))
        if image is None:
            image, source = deployed_image, f"the image of task definition {task_definition} ({deployed_image})"
    if image is None and region_ports is None:
        image, source = str(default("image")), "the module's default image"
    tag = image_tag(image) if image is not None else None
    if region_ports is not None:
        try:
            ports = parse_region_ports(region_ports)
        except InputError as error:
            fail(str(error))
    elif deployed_ports is not None:
        ports = deployed_ports
    elif tag is not None and (layout := image_layout_for(tag)) is not None:
        ports = layout
    else:
        known = ", ".join(tag for layout in image_layouts() for tag in layout["tags"])
        fail(f"--image {image} is not a release this module knows ({known}): give its --region-ports")
    bad = {region: port for region, port in ports.items() if not 1 <= port <= 65535}
    if bad:
        fail(f"--region-ports has ports outside 1-65535: {bad}")
    if tag is not None and RELEASE_TAG.match(tag):
        return DeploymentLayout(ports, tag.removeprefix("v"), f"the tag of {source}")
    why = (
        f"{source} names no release tag"
        if source
        else "--region-ports alone names no image: give --image or --task-definition to check each port's release"
    )
    return DeploymentLayout(ports, None, why)


# A release tag of the plugin's image (v0.1.8); `latest` and digests name no release.
RELEASE_TAG = re.compile(r"^v\d+\.\d+\.\d+$")


PluginImageOption = Annotated[
    str | None,
    typer.Option(
        "--image",
        help="The deployment's image, pinned to a tag: its layout gives the ports, and its ports must report its "
        "release. Default: the module's default image.",
    ),
]
TaskDefinitionOption = Annotated[
    str | None,
    typer.Option(
        "--task-definition",
        help="The deployment's task definition (family[:revision] or ARN, read with ecs:DescribeTaskDefinition, or a "
        "JSON file): its port mappings give the ports and its plugin image's tag the release to check.",
    ),
]
HostArgument = Annotated[str, typer.Argument(help="The Cloud Map name (e.g. aws-public.finfocus.local) or an IP.")]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per call.")]
