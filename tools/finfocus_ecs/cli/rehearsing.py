"""`rehearse`: a task definition started the way Fargate starts it, on this machine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer
from rich.table import Table

from finfocus_ecs.cli.common import (
    EXIT_CHECK_FAILED,
    ImageOption,
    ModuleDefaultsHelp,
    RegionPortsOption,
    app,
    err,
    fail,
    module_inputs,
    out,
    plan_or_fail,
    print_json,
    require_extra,
    runnable,
)


def _time_scale(value: float) -> float:
    if not 0 < value <= 1:
        raise typer.BadParameter(f"{value} is not allowed: use a factor above 0 and at most 1 (1 = Fargate's timing)")
    return value


@app.command(cls=ModuleDefaultsHelp)
def rehearse(
    task_definition: Annotated[
        str | None,
        typer.Option(
            "--task-definition",
            metavar="FAMILY[:REVISION]|ARN|FILE",
            help="The task definition to run, as it is: read with ecs:DescribeTaskDefinition, or a JSON file (e.g. "
            "from `finfocus-ecs task-definition`). Default: the module planned with --image and --region-ports.",
        ),
    ] = None,
    image: ImageOption = None,
    region_ports: RegionPortsOption = None,
    image_regions: Annotated[
        str | None,
        typer.Option(
            "--image-regions",
            metavar="REGION,...",
            help="Regions whose binaries the plugin image ships, comma-separated; default: its tag's layout. "
            "Leave one out to see how a missing region fails.",
        ),
    ] = None,
    time_scale: Annotated[
        float,
        typer.Option(
            "--time-scale",
            metavar="FACTOR",
            callback=_time_scale,
            help="Shorten health-check interval and timeout by this factor (start period and stop timeouts stay real).",
        ),
    ] = 1.0,
    healthy_timeout: Annotated[
        float, typer.Option("--healthy-timeout", metavar="SECONDS", help="Seconds to wait for the task to be HEALTHY.")
    ] = 600,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Keep the task serving, reachable from this machine's own shell, until Ctrl-C; "
            "then stop it as ECS does. Prints the commands to call it.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Run the task definition on this machine as Fargate would, then stop it, and report.

    Each container runs in a stand-in of its image (BusyBox, curl and tini
    but no bash in the plugin image; HAProxy in its own), with its user,
    environment, entry point, read-only root and root-owned task volumes, in
    one shared network namespace with the task metadata endpoint. ECS's rules
    apply: dependsOn, health checks, essential containers, stop signals and
    stopTimeout. A client host then calls every regional port over HTTP and
    gRPC. Needs Linux, root, iproute2, util-linux, BusyBox, HAProxy, curl
    and tini (docs/fargate-rehearsal.md lists what it cannot reproduce).

    With --serve the task keeps serving after the check, on a 198.18.N.2
    address this machine's own shell reaches, so that `verify`, `price` and
    `connect` can call it, until Ctrl-C. Its answers come from the
    rehearsal's stand-in region binaries and their small price table, not
    from AWS. Ctrl-C then stops it as ECS does (the port bridge first keeps
    answering for the DNS TTL); a second Ctrl-C kills it at once.

    Exit codes: 0 the task turned HEALTHY, every port answered and it
    stopped within its stop timeouts; 1 it did not; 2 bad input or this
    machine cannot rehearse.

    Without --task-definition it runs the module planned with --image and
    --region-ports (default: the module's defaults); with it, that task
    definition as it is: a file, or one read from ECS.

    sudo resets the PATH: from the clone, run the command in .venv/bin by its path.

    \b
    Examples:
      sudo .venv/bin/finfocus-ecs rehearse
      sudo .venv/bin/finfocus-ecs rehearse --serve
      sudo .venv/bin/finfocus-ecs rehearse --image ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2 --time-scale 0.1
      finfocus-ecs task-definition > td.json
      sudo .venv/bin/finfocus-ecs rehearse --task-definition td.json --json
    """
    require_extra("plugin", "rehearse")
    from finfocus_ecs.rehearsal.images import ImageError
    from finfocus_ecs.rehearsal.network import namespaces_unavailable
    from finfocus_ecs.rehearsal.run import regional_ports
    from finfocus_ecs.rehearsal.run import rehearse as run_rehearsal
    from finfocus_ecs.rehearsal.run import serve as serve_rehearsal
    from finfocus_ecs.rehearsal.task import TaskDefinitionError
    from finfocus_ecs.taskdef import render_task_definition

    unavailable = namespaces_unavailable()
    if unavailable:
        fail(f"cannot rehearse on this machine: {unavailable}")
    if task_definition is not None:
        from finfocus_ecs.deployment import TaskDefinitionError as ReadError
        from finfocus_ecs.deployment import read_task_definition

        if image or region_ports:
            fail("--task-definition runs that task definition as it is: leave out --image and --region-ports")
        try:
            definition = read_task_definition(task_definition)
        except ReadError as error:
            fail(str(error))
    else:
        from finfocus_ecs.taskdef import PLACEHOLDER_EXECUTION_ROLE_ARN

        role = PLACEHOLDER_EXECUTION_ROLE_ARN
        inputs = module_inputs(image=image, region_ports=region_ports, execution_role_arn=role)
        definition = render_task_definition(plan_or_fail(inputs, "us-east-1"))
    regions = [region.strip() for region in image_regions.split(",") if region.strip()] if image_regions else None

    def progress(seconds: float, text: str) -> None:
        err.print(f"[dim]{seconds:7.2f} s[/] {text.splitlines()[0][:110]}", highlight=False)

    def stopping() -> None:
        err.print(
            "Stopping as ECS would: the port bridge keeps answering for the DNS TTL (a minute by default), "
            "then the plugin stops. Ctrl-C again kills every container at once.",
            highlight=False,
        )

    options = {
        "time_scale": time_scale,
        "plugin_regions": regions,
        "timeout": healthy_timeout,
        "on_event": progress,
        "on_stopping": stopping,
    }
    try:
        if serve:
            ports = regional_ports(definition)
            if not ports:
                fail("--serve needs regional port mappings, named after their regions: this definition has none")
            calls = layout_options(definition)
            first_port = min(ports.values())
            result = serve_rehearsal(
                definition,
                on_ready=lambda task_ip: print_serving(task_ip, calls, first_port),
                **options,
            )
        else:
            result = run_rehearsal(definition, **options)
    except (TaskDefinitionError, ImageError, KeyError) as error:
        fail(f"cannot rehearse this task definition: {error}")
    except KeyboardInterrupt:
        err.print("Interrupted: every container was killed at once, without ECS's stop.", highlight=False)
        raise typer.Exit(EXIT_CHECK_FAILED) from None
    if as_json:
        print_json(result.to_dict())
    else:
        print_rehearsal(result)
    if not result.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


def layout_options(definition: Mapping[str, Any]) -> list[str]:
    """The options that tell `verify`, `price` and `connect` the layout and release of what is rehearsed.

    Always given: without them those commands would take what `up` deployed
    from this clone, which need not be what is rehearsed. --image alone when
    its tag's layout is the task's; --region-ports too otherwise.
    """
    from finfocus_ecs.module import image_layout_for, image_tag, is_plugin_image
    from finfocus_ecs.rehearsal.run import regional_ports

    images = [c["image"] for c in definition["containerDefinitions"] if is_plugin_image(c["image"])]
    ports = regional_ports(definition)
    layout = ["--region-ports", ",".join(f"{region}={port}" for region, port in ports.items())]
    if not images:
        return layout
    tag = image_tag(images[0])
    if tag is not None and image_layout_for(tag) == ports:
        return ["--image", images[0]]
    return ["--image", images[0], *layout]


def print_serving(task_ip: str, options: list[str], port: int) -> None:
    """The banner of a served task: where it is, that its answers are the stand-in's, and what to type."""
    extra = "".join(f" {option}" for option in options)
    lines = [
        f"Serving the rehearsed task at {task_ip}, reachable from this machine's own shell, until Ctrl-C.",
        "Its answers are the stand-in's: the rehearsal's region binaries price from a small table of their own,",
        "not from AWS. From another shell (no sudo needed):",
        f"  {runnable(f'verify {task_ip}{extra}')}",
        f"  {runnable(f'price {task_ip} --resource-type ec2 --sku t3.micro{extra}')}",
        f"  {runnable(f'connect {task_ip}{extra}')}",
        f"  curl http://{task_ip}:{port}/healthz",
        f"connect installs FinFocus's aws-public plugin pointing here: `{runnable('connect --remove')}` takes it out.",
    ]
    err.print("\n".join(lines), highlight=False, soft_wrap=True)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


def print_rehearsal(result: Any) -> None:
    report = result.report
    table = Table(title=f"Task {report.last_status}, health {report.health}", title_justify="left")
    for column in ("container", "essential", "health", "exit", "started", "healthy", "stopped"):
        table.add_column(column)
    for container in report.containers:
        table.add_row(
            container.name,
            "yes" if container.essential else "no",
            container.health,
            "" if container.exit_code is None else str(container.exit_code),
            *(_seconds(value) for value in (container.started_at, container.healthy_at)),
            _seconds(container.stopped_at) + (" (SIGKILL)" if container.killed else ""),
        )
    out.print(table)
    for container in report.containers:
        why = container.reason or (container.last_health_output if container.health == "UNHEALTHY" else "")
        if why:
            out.print(f"{container.name}: {why}", highlight=False)
    if report.stopped_reason:
        out.print(f"Stopped reason: {report.stopped_reason}", highlight=False)
    if result.probes:
        region_by_port = {port: region for region, port in result.region_ports.items()}
        probes = Table(title="From a client host in the VPC", title_justify="left")
        for column in ("region", "port", "http /healthz", "grpc health", "serves", "EC2 t3.micro a month"):
            probes.add_column(column)
        for port, probe in sorted(result.probes.items()):
            prices = ", ".join(
                f"{name} {cost:.2f}" if isinstance(cost, float) else f"{name} {cost}"
                for name, cost in probe.get("prices", {}).items()
            )
            probes.add_row(
                region_by_port.get(port, "?"),
                str(port),
                str(probe.get("http")),
                str(probe.get("grpc")),
                str(probe.get("region", probe.get("region_error", ""))),
                prices,
            )
        out.print(probes)
    if result.seconds_to_healthy is not None:
        timings = f"Start to HEALTHY: {result.seconds_to_healthy:.1f} s; stop: {_seconds(result.stop_seconds)}"
        out.print(timings, highlight=False)
    out.print("ok: started, answered and stopped as on Fargate" if result.ok else "FAILED: see above", highlight=False)
