"""What the commands share: the Typer app, its consoles, exit codes, options and module evaluation."""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand

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
# Answered no at a question before anything changed (`up --target aws`, `down --target aws`).
EXIT_CANCELLED = 3


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
        from finfocus_ecs.project import REPO_ROOT

        # The tool is installed from its clone (no package index has it): the clone's Makefile installs the extras.
        fail(
            f"finfocus-ecs {command} needs the optional dependencies of the `{extra}` extra, and {', '.join(missing)} "
            f"are not installed in this environment: run `make -C {REPO_ROOT} venv`, which installs every extra "
            "into the clone's .venv from its lock files."
        )


def runnable(arguments: str) -> str:
    """`finfocus-ecs ARGUMENTS` as it can be typed here.

    `make` installs the command in the clone's .venv/bin, which is rarely on
    the PATH: then the script's own path, relative to where the user stands
    when it is below it.
    """
    script = Path(sys.executable).with_name("finfocus-ecs")
    on_path = shutil.which("finfocus-ecs")
    if not script.exists() or (on_path is not None and Path(on_path).resolve() == script.resolve()):
        return f"finfocus-ecs {arguments}"
    shown = script.relative_to(Path.cwd()) if script.is_relative_to(Path.cwd()) else script
    return f"{shown} {arguments}"


def note(message: str) -> None:
    """A remark on stderr that the user should read but that is not an error (what a default was taken from)."""
    err.print(f"note: {escape(message)}", highlight=False)


def numbered_causes(causes: list[str]) -> tuple[list[str], list[str]]:
    """Each row's cause as a short reference, and the distinct causes once each, numbered.

    A failure that hits every port (a name that does not resolve, a security
    group that drops the traffic) has one long cause for all of them: printed
    in each row it buried the table (167 lines at 80 columns for ten ports).
    Rows read "[1]" and the notes under the table "[1] CAUSE"; an empty cause
    stays empty.
    """
    numbers: dict[str, int] = {}
    for cause in causes:
        if cause and cause not in numbers:
            numbers[cause] = len(numbers) + 1
    references = [f"[{numbers[cause]}]" if cause else "" for cause in causes]
    return references, [f"[{number}] {cause}" for cause, number in numbers.items()]


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


class ModuleDefaultsHelp(TyperCommand):
    """A command whose --help shows the module's defaults: "the module's `cpu`" gets ", 2048" after it.

    Filled in when the help is printed, from variables.tf (module.default),
    the one home of those defaults: the options' help never states one of its
    own, and a command that does not print its help never parses the module.
    """

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from finfocus_ecs.module import default

        for parameter in self.params:
            text = getattr(parameter, "help", None)
            if isinstance(text, str):
                parameter.help = _MODULE_DEFAULT.sub(lambda found: f"{found[0]}, {default(found[1])}", text)
        super().format_help(ctx, formatter)


# "the module's `cpu`", not yet followed by its value.
_MODULE_DEFAULT = re.compile(r"the module's `(\w+)`(?!,)")

# Options shared by the commands that evaluate the module (their commands use ModuleDefaultsHelp).
NameOption = Annotated[
    str | None,
    typer.Option("--name", metavar="NAME", help="Family, service and log group prefix. Default: the module's `name`."),
]
ImageOption = Annotated[
    str | None,
    typer.Option(
        "--image",
        metavar="IMAGE",
        help="Plugin image pinned to a tag, e.g. ...:v0.1.2; a known tag brings its layout. Default: the module's "
        "`image`.",
    ),
]
RegionPortsOption = Annotated[
    str | None,
    typer.Option(
        "--region-ports",
        metavar="REGION=PORT,...",
        help="REGION=PORT,... or a JSON object, for an image the module does not know. Default: the layout of the "
        "image's tag.",
    ),
]
CpuOption = Annotated[
    int | None,
    typer.Option("--cpu", metavar="UNITS", help="Task CPU units, a Fargate size. Default: the module's `cpu`."),
]
MemoryOption = Annotated[
    int | None,
    typer.Option("--memory", metavar="MIB", help="Task memory in MiB. Default: the module's `memory`."),
]
ArchitectureOption = Annotated[
    str | None,
    typer.Option(
        "--cpu-architecture",
        metavar="X86_64|ARM64",
        help="The tasks' CPU architecture. Default: the module's `cpu_architecture`.",
    ),
]


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

    What the options say, else what is deployed. The ports: --region-ports,
    else the task definition, else the layout of --image's tag; with none of
    the three, the quick start `up` deployed from this clone (its state), and
    only when nothing is deployed the module's defaults, which a note on
    stderr says, as it says where any default came from. The release: the
    image tag of --image, else of the task definition, else of what is
    deployed; a map alone names no image, and so no release.
    """
    from finfocus_ecs.deployment import TaskDefinitionError, deployed_layout, deployed_quickstart
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
    if image is None and region_ports is None and task_definition is None:
        deployed = deployed_quickstart()
        if deployed is not None:
            deployed_ports, image = deployed.ports, deployed.image
            source = f"the image of {deployed.describe()}" if image else f"{deployed.describe()}, whose state"
            note(f"ports and image of {deployed.describe()}: {len(deployed_ports)} regions, {image or 'no image'}")
        else:
            image, source = str(default("image")), "the module's default image"
            note(
                f"nothing is deployed from this clone's quick start: the module's defaults ({image} and its layout); "
                "give --image, --region-ports or --task-definition to describe your deployment"
            )
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


def deployment_host(host: str | None) -> str:
    """HOST as given, else the Cloud Map name of what is deployed, else the module's default name (and a note)."""
    if host is not None:
        return host
    from finfocus_ecs.deployment import deployed_quickstart
    from finfocus_ecs.module import default

    deployed = deployed_quickstart()
    if deployed is not None:
        # The emulator holds the resources but runs no task: say so before the calls fail.
        idle = "; the emulator runs no tasks, so nothing answers there" if deployed.target == "local" else ""
        note(f"HOST: {deployed.dns_name}, the Cloud Map name of {deployed.describe()}{idle}")
        return deployed.dns_name
    name = f"{default('service_discovery_name')}.{default('namespace_name')}"
    note(f"HOST: {name}, the module's default Cloud Map name (nothing is deployed from this clone's quick start)")
    return name


# A release tag of the plugin's image (v0.1.8); `latest` and digests name no release.
RELEASE_TAG = re.compile(r"^v\d+\.\d+\.\d+$")


PluginImageOption = Annotated[
    str | None,
    typer.Option(
        "--image",
        metavar="IMAGE",
        help="The deployment's image, pinned to a tag: its layout gives the ports, and its ports must report its "
        "release. Default: the image of the quick start deployed from this clone, else the module's default.",
    ),
]
TaskDefinitionOption = Annotated[
    str | None,
    typer.Option(
        "--task-definition",
        metavar="FAMILY[:REVISION]|ARN|FILE",
        help="The deployment's task definition (read with ecs:DescribeTaskDefinition, or a JSON file): its port "
        "mappings give the ports and its plugin image's tag the release to check.",
    ),
]
HostArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="HOST",
        help="The deployment's Cloud Map name or an IP (127.0.0.1 through `forward`). Default: the Cloud Map name of "
        "the quick start deployed from this clone, else the module's default name.",
        show_default=False,
    ),
]
# The same name means the same thing everywhere: seconds for one call (`rehearse` waits with --healthy-timeout).
TimeoutOption = Annotated[
    float, typer.Option("--timeout", metavar="SECONDS", min=0.1, help="Seconds for each call to a port.")
]
