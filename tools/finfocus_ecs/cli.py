"""The `finfocus-ecs` command line: a thin front over the jobs.

Results go to stdout (JSON with --json), progress and errors to stderr. Exit
codes: 0 success, 1 a check failed, 2 a usage error or bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from finfocus_ecs import __version__

app = typer.Typer(
    name="finfocus-ecs",
    help="Deploy the FinFocus AWS public-pricing plugin on ECS Fargate, and prove it works.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True)

EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print a user-facing error on stderr and exit, without a traceback."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True) + "\n")


def version_callback(value: bool) -> None:
    if value:
        out.print(f"finfocus-ecs {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Deploy the FinFocus AWS public-pricing plugin on ECS Fargate, and prove it works."""


def _target(value: str) -> str:
    from finfocus_ecs.up import TARGETS

    if value not in TARGETS:
        raise typer.BadParameter(f"{value!r} is not a target: use {' or '.join(TARGETS)}")
    return value


@app.command()
def up(
    target: Annotated[
        str,
        typer.Option(
            "--target",
            callback=_target,
            help="local: the embedded AWS emulator (no account needed). aws: your real account, "
            "from the usual AWS_* variables or profile.",
        ),
    ] = "local",
    destroy: Annotated[bool, typer.Option("--destroy", help="Tear the deployment down after checking it.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before deploying to real AWS.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Deploy examples/quickstart and print its endpoints.

    Starts the local AWS emulator (or reuses the one an earlier `up` left),
    applies the quick start, prints the endpoints, and checks through the AWS
    APIs that what it printed exists.

    Examples:

      finfocus-ecs up

      finfocus-ecs up --destroy

      finfocus-ecs up --target aws
    """
    from finfocus_ecs.emulator import EmulatorError
    from finfocus_ecs.terraform import TerraformError
    from finfocus_ecs.up import up as run_up

    if target == "aws" and not yes:
        if not sys.stdin.isatty():
            fail("deploying to real AWS needs confirmation: run again with --yes")
        if not typer.confirm("Deploy examples/quickstart to your AWS account (it costs money)?"):
            fail("cancelled", code=EXIT_CHECK_FAILED)
    try:
        with err.status("starting") as status:
            result = run_up(target=target, destroy_after=destroy, progress=lambda step: status.update(step))
    except TerraformError as error:
        fail(f"terraform failed:\n{error}", code=EXIT_CHECK_FAILED)
    except EmulatorError as error:
        fail(f"the local AWS emulator did not start: {error}", code=EXIT_CHECK_FAILED)
    except KeyboardInterrupt:
        err.print("interrupted: the emulator this run started is stopped; run `finfocus-ecs up` again")
        raise typer.Exit(130) from None
    if as_json:
        print_json(
            {
                "target": result.target,
                "outputs": result.outputs,
                "checks": [finding.__dict__ for finding in result.findings],
                "timings_seconds": result.timings,
                "emulator_url": result.emulator_url,
                "destroyed": destroy,
            }
        )
    else:
        print_up_result(result, destroyed=destroy)
    if not result.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


def print_up_result(result: Any, destroyed: bool) -> None:
    outputs = result.outputs
    ports = {region: endpoint.rsplit(":", 1)[1] for region, endpoint in outputs["endpoints"].items()}
    table = Table(title=f"FinFocus endpoints ({len(ports)} regions)", title_justify="left")
    table.add_column("region")
    table.add_column("port", justify="right")
    table.add_column("endpoint")
    for region, endpoint in sorted(outputs["endpoints"].items(), key=lambda item: int(ports[item[0]])):
        table.add_row(region, ports[region], endpoint)
    out.print(table)
    out.print(f"Cloud Map name:   {outputs['dns_name']} (A records, namespace {outputs['namespace_id']})")
    out.print(f"Task definition:  {outputs['task_definition_arn']} (revision {outputs['task_definition_revision']})")
    out.print(f"Service:          {outputs['service_arn']}")
    out.print(
        f"Security group:   {outputs['security_group_id']}: ingress "
        + ", ".join(f"{r['from_port']}-{r['to_port']}" for r in outputs["security_group_ingress_port_ranges"])
        + " from the VPC CIDR blocks; egress 443 only"
    )
    out.print(f"Logs:             {outputs['log_group_name']}")
    if result.emulator_url:
        out.print(f"Emulator:         {result.emulator_url} (export AWS_ENDPOINT_URL={result.emulator_url} to explore)")
    out.print("Checked through the AWS APIs")
    width = max(len(finding.check) for finding in result.findings)
    for finding in result.findings:
        verdict = "ok" if finding.ok else "FAILED"
        out.print(f"  {finding.check:<{width}}  {verdict:<6}  {finding.detail}", highlight=False)
    out.print("Timings: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.timings.items()))
    if destroyed:
        out.print("Destroyed again (--destroy).")
    else:
        out.print(
            "Left running. Tear down with: finfocus-ecs down" + (" --target aws" if result.target == "aws" else "")
        )


@app.command()
def down(
    target: Annotated[str, typer.Option("--target", callback=_target, help="local or aws.")] = "local",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before destroying on real AWS.")] = False,
) -> None:
    """Destroy the quick start and stop the local emulator.

    Examples:

      finfocus-ecs down

      finfocus-ecs down --target aws --yes
    """
    from finfocus_ecs.terraform import TerraformError
    from finfocus_ecs.up import down as run_down

    if target == "aws" and not yes:
        if not sys.stdin.isatty():
            fail("destroying on real AWS needs confirmation: run again with --yes")
        if not typer.confirm("Destroy the quick start in your AWS account?"):
            fail("cancelled", code=EXIT_CHECK_FAILED)
    try:
        with err.status("destroying"):
            anything = run_down(target)
    except TerraformError as error:
        fail(f"terraform failed:\n{error}", code=EXIT_CHECK_FAILED)
    out.print("Destroyed and stopped the emulator." if anything else "Nothing was running.")


@app.command()
def scan(
    path: Annotated[
        Path | None,
        typer.Argument(help="A Terraform directory or a plan JSON (terraform show -json). Default: the module."),
    ] = None,
    sarif: Annotated[Path | None, typer.Option("--sarif", help="Also write a SARIF report here.")] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Also write a JUnit XML report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    setup: Annotated[bool, typer.Option("--setup", help="Only install checkov's own environment.")] = False,
) -> None:
    """Scan with checkov (offline, its own environment) plus the FinFocus policies.

    Exits 1 when any check fails. A plan JSON also gets CKV_FINFOCUS_5, which
    compares the task's port mappings with the security group's ingress.

    Examples:

      finfocus-ecs scan modules/finfocus_ecs

      finfocus-ecs scan plan.json --sarif checkov.sarif

      finfocus-ecs scan examples/quickstart --junit checkov.xml
    """
    from finfocus_ecs.project import MODULE_DIR
    from finfocus_ecs.scan import ScanError, ensure_checkov
    from finfocus_ecs.scan import scan as run_scan

    try:
        if setup:
            ensure_checkov(progress=lambda message: err.print(message))
            out.print("checkov ready in its own environment")
            return
        target = path if path is not None else MODULE_DIR
        formats = {name: file for name, file in (("sarif", sarif), ("junitxml", junit)) if file is not None}
        with err.status(f"scanning {target}"):
            result = run_scan(target, formats)
    except ScanError as error:
        fail(str(error))
    if as_json:
        print_json(
            {
                "target": result.target,
                "passed": result.passed,
                "failed": result.failed,
                "skipped": result.skipped,
                "failures": [failure.__dict__ for failure in result.failures],
            }
        )
    else:
        out.print(
            f"{result.target}: {result.passed} passed, {result.failed} failed, {len(result.skipped)} skipped",
            highlight=False,
        )
        for failure in result.failures:
            where = f"{failure.file}:{failure.line}" if failure.line else failure.file
            out.print(f"  FAILED {failure.check_id} {failure.resource} ({where})", highlight=False)
            out.print(f"    {failure.check_name}", highlight=False)
            if failure.advice:
                out.print(f"    fix: {failure.advice}", highlight=False)
        for skipped in result.skipped:
            out.print(f"  skipped {skipped['check_id']} {skipped['resource']}: {skipped['reason']}", highlight=False)
    if result.failed:
        raise typer.Exit(EXIT_CHECK_FAILED)


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


@app.command("task-definition")
def task_definition(
    name: NameOption = None,
    image: ImageOption = None,
    region_ports: RegionPortsOption = None,
    cpu: CpuOption = None,
    memory: MemoryOption = None,
    cpu_architecture: ArchitectureOption = None,
    execution_role_arn: Annotated[
        str | None, typer.Option("--execution-role-arn", help="Task execution role; default: a placeholder.")
    ] = None,
    log_group: Annotated[
        str | None, typer.Option("--log-group", help="CloudWatch log group; default /ecs/NAME.")
    ] = None,
    region: RegionOption = "us-east-1",
    no_port_bridge: Annotated[
        bool, typer.Option("--no-port-bridge", help="Leave out the port bridge (only for an image that binds 0.0.0.0).")
    ] = False,
) -> None:
    """Print the task definition JSON for `aws ecs register-task-definition --cli-input-json`.

    The JSON is the module's own task definition, planned with Terraform.

    Examples:

      finfocus-ecs task-definition > td.json

      aws ecs register-task-definition --cli-input-json file://td.json

      finfocus-ecs task-definition --region-ports us-east-1=8001,us-west-2=8002 --cpu 1024 --memory 2048
    """
    from finfocus_ecs.taskdef import PLACEHOLDER_EXECUTION_ROLE_ARN, render_task_definition

    inputs = module_inputs(
        name,
        image,
        region_ports,
        cpu,
        memory,
        cpu_architecture,
        execution_role_arn=execution_role_arn or PLACEHOLDER_EXECUTION_ROLE_ARN,
        log_group_name=log_group,
        port_bridge_enabled=False if no_port_bridge else None,
    )
    planned = plan_or_fail(inputs, region)
    if execution_role_arn is None:
        err.print(
            f"note: executionRoleArn is a placeholder ({PLACEHOLDER_EXECUTION_ROLE_ARN}): pass --execution-role-arn"
        )
    print_json(render_task_definition(planned))


@app.command()
def endpoints(
    service_name: Annotated[
        str | None, typer.Option("--service-name", help="Cloud Map service name (first DNS label).")
    ] = None,
    namespace: Annotated[
        str | None, typer.Option("--namespace", help="Private DNS namespace, e.g. finfocus.local.")
    ] = None,
    image: ImageOption = None,
    region_ports: RegionPortsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Print the region, port and host:port of every endpoint.

    Examples:

      finfocus-ecs endpoints

      finfocus-ecs endpoints --namespace pricing.internal --json

      finfocus-ecs endpoints --image ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2
    """
    from finfocus_ecs.endpoints import endpoint_rows

    inputs = module_inputs(
        image=image, region_ports=region_ports, service_discovery_name=service_name, namespace_name=namespace
    )
    rows = endpoint_rows(plan_or_fail(inputs, "us-east-1"))
    if as_json:
        print_json([row.__dict__ for row in rows])
        return
    table = Table(title=f"{len(rows)} endpoints", title_justify="left")
    for column in ("region", "port", "endpoint"):
        table.add_column(column, justify="right" if column == "port" else "left")
    for row in rows:
        table.add_row(row.region, str(row.port), row.endpoint)
    out.print(table)


@app.command()
def verify(
    host: Annotated[str, typer.Argument(help="The Cloud Map name (e.g. aws-public.finfocus.local) or an IP.")],
    region_ports: RegionPortsOption = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per check.")] = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Check a deployed plugin from inside the VPC: DNS, TCP, GET /healthz and gRPC on every regional port.

    Two checks per port, all at once. Exits 1 if any fails; each failure names its likely cause.

    \b
    Columns:
      healthz  the name resolves, TCP reaches the port at the task IP, and HTTP/1.1
               GET /healthz answers 200: what ECS's health check relies on.
      grpc     grpc.health.v1.Health/Check for finfocus.v1.CostSourceService answers
               SERVING over plaintext HTTP/2 (h2c): the traffic FinFocus itself sends.
               It fails on TLS in the path, an HTTP/1-only proxy, another gRPC
               service on the port, or a bridge whose region is down.

    \b
    The grpc column by hand, from a host in the VPC:
      grpcurl -plaintext -d '{"service":"finfocus.v1.CostSourceService"}' \\
        aws-public.finfocus.local:8001 grpc.health.v1.Health/Check

    \b
    Examples:
      finfocus-ecs verify aws-public.finfocus.local
      finfocus-ecs verify 10.42.0.17 --region-ports us-east-1=8001,us-west-1=8010 --json
    """
    from finfocus_ecs.evaluate import InputError, parse_region_ports
    from finfocus_ecs.module import default_region_ports
    from finfocus_ecs.verify import verify as run_verify

    try:
        ports = parse_region_ports(region_ports) if region_ports is not None else default_region_ports()
    except InputError as error:
        fail(str(error))
    bad = {region: port for region, port in ports.items() if not 1 <= port <= 65535}
    if bad:
        fail(f"--region-ports has ports outside 1-65535: {bad}")
    with err.status(f"checking {len(ports)} ports on {host}"):
        checks = run_verify(host, ports, timeout)
    if as_json:
        print_json([check.to_json() for check in checks])
    else:
        table = Table(title=f"{host}: {sum(c.ok for c in checks)} of {len(checks)} ports healthy", title_justify="left")
        for column in ("region", "port", "healthz", "grpc", "detail", "likely cause"):
            table.add_column(column)
        for check in checks:
            grpc = check.grpc.status if check.grpc else "-"
            detail = check.detail if check.grpc is None else f"{check.detail}; grpc {check.grpc.detail}"
            table.add_row(check.region, str(check.port), check.status, grpc, detail, check.cause)
        out.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command()
def cost(
    plan: Annotated[
        Path | None, typer.Option("--plan", help="A plan JSON (terraform show -json PLAN) to price instead of options.")
    ] = None,
    cpu: CpuOption = None,
    memory: MemoryOption = None,
    cpu_architecture: ArchitectureOption = None,
    region: RegionOption = "us-east-1",
    desired_count: Annotated[int | None, typer.Option("--desired-count", help="Number of tasks.")] = None,
    spot_weight: Annotated[int, typer.Option("--spot-weight", help="FARGATE_SPOT weight (0: no Spot).")] = 0,
    on_demand_weight: Annotated[int, typer.Option("--on-demand-weight", help="FARGATE weight.")] = 1,
    on_demand_base: Annotated[int, typer.Option("--on-demand-base", help="Tasks always on FARGATE.")] = 0,
    log_gb: Annotated[float, typer.Option("--log-gb", help="GB of logs a month.")] = 1.0,
    nlcu: Annotated[float, typer.Option("--nlcu", help="NLB capacity units an hour, for the NLB alternative.")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Estimate the monthly cost, with the arithmetic, and compare it with an NLB.

    Examples:

      finfocus-ecs cost

      finfocus-ecs cost --spot-weight 3 --on-demand-weight 1 --on-demand-base 1 --desired-count 2

      terraform show -json tfplan > plan.json && finfocus-ecs cost --plan plan.json
    """
    from finfocus_ecs.cost import (
        CostError,
        deployments_from_plan,
        deployments_from_resources,
        estimate,
        load_prices,
        read_plan_file,
    )

    try:
        priced = load_prices()["fargate"]
        if plan is None and region not in priced:
            raise CostError(f"no Fargate price for {region} in prices.json; known: {', '.join(priced)}")
        if plan is not None:
            deployments = deployments_from_plan(read_plan_file(plan))
        else:
            strategy = [
                {"capacity_provider": provider, "weight": weight, "base": base}
                for provider, weight, base in (
                    ("FARGATE", on_demand_weight, on_demand_base),
                    ("FARGATE_SPOT", spot_weight, 0),
                )
                if weight or base
            ]
            inputs = module_inputs(
                cpu=cpu,
                memory=memory,
                cpu_architecture=cpu_architecture,
                desired_count=desired_count,
                capacity_provider_strategy=strategy if spot_weight else None,
            )
            deployments = [deployments_from_resources(plan_or_fail(inputs, region).resources)]
        estimates = [estimate(deployment, log_gb, nlcu) for deployment in deployments]
    except CostError as error:
        fail(str(error))
    if as_json:
        print_json(
            [
                {
                    "deployment": item.deployment.__dict__,
                    "lines": [line.__dict__ for line in item.lines],
                    "total": round(item.total, 2),
                    "nlb_alternative": [line.__dict__ for line in item.alternative],
                    "nlb_alternative_total": round(item.alternative_total, 2),
                    "assumptions": item.assumptions,
                }
                for item in estimates
            ]
        )
        return
    for item in estimates:
        deployment = item.deployment
        title = (
            f"{deployment.address or 'deployment'}: {deployment.vcpu:g} vCPU, {deployment.memory_gb:g} GB, "
            f"{deployment.desired_count} task(s), {deployment.region}"
        )
        for heading, lines, total in (
            (f"{title}: Cloud Map A records (this module)", item.lines, item.total),
            (
                "Alternative the seed rejected: an NLB with one listener and target group per port",
                item.alternative,
                item.alternative_total,
            ),
        ):
            table = Table(title=heading, title_justify="left")
            table.add_column("item")
            table.add_column("per month", justify="right")
            for line in lines:
                table.add_row(line.item, f"${line.monthly:.2f}")
            table.add_row("total", f"${total:.2f}")
            out.print(table)
            for line in lines:
                out.print(f"  {line.item}: {line.arithmetic} = ${line.monthly:.2f}", highlight=False)
        out.print(f"The NLB design costs ${item.alternative_total - item.total:.2f} a month more.")
        for assumption in item.assumptions:
            out.print(f"- {assumption}", highlight=False)


@app.command()
def docs(
    check: Annotated[bool, typer.Option("--check", help="Only report stale generated parts; exit 1 if any.")] = False,
) -> None:
    """Regenerate the docs' generated parts: input and output tables, port tables, task definition, cost, suppressions.

    Examples:

      finfocus-ecs docs

      finfocus-ecs docs --check
    """
    from finfocus_ecs import docsgen
    from finfocus_ecs.project import REPO_ROOT

    with err.status("rendering the generated parts of the docs"):
        parts = docsgen.parts()
    files = docsgen.stale(parts) if check else docsgen.generate(parts)
    names = ", ".join(str(path.relative_to(REPO_ROOT)) for path in files)
    if check:
        if files:
            err.print(f"stale generated docs: {names}; run `finfocus-ecs docs`")
            raise typer.Exit(EXIT_CHECK_FAILED)
        out.print("generated docs are up to date")
    else:
        out.print(f"updated {names}" if files else "generated docs were already up to date")


def _time_scale(value: float) -> float:
    if not 0 < value <= 1:
        raise typer.BadParameter(f"{value} is not allowed: use a factor above 0 and at most 1 (1 = Fargate's timing)")
    return value


@app.command()
def rehearse(
    task_definition_file: Annotated[
        Path | None,
        typer.Option(
            "--task-definition",
            help="RegisterTaskDefinition JSON to run (e.g. from `finfocus-ecs task-definition`); "
            "default: the module planned with the options below.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    image: ImageOption = None,
    region_ports: RegionPortsOption = None,
    image_regions: Annotated[
        str | None,
        typer.Option(
            "--image-regions",
            help="Regions whose binaries the plugin image ships, comma-separated; default: its tag's layout. "
            "Leave one out to see how a missing region fails.",
        ),
    ] = None,
    time_scale: Annotated[
        float,
        typer.Option(
            "--time-scale",
            callback=_time_scale,
            help="Shorten health-check interval, timeout and start period by this factor (stop timeouts stay real).",
        ),
    ] = 1.0,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for HEALTHY.")] = 600,
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

    Exit codes: 0 the task turned HEALTHY, every port answered and it
    stopped within its stop timeouts; 1 it did not; 2 bad input or this
    machine cannot rehearse.

    Examples:

      sudo finfocus-ecs rehearse

      sudo finfocus-ecs rehearse --image ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2 --time-scale 0.1

      finfocus-ecs task-definition > td.json && sudo finfocus-ecs rehearse --task-definition td.json --json
    """
    from finfocus_ecs.rehearsal.images import ImageError
    from finfocus_ecs.rehearsal.network import namespaces_unavailable
    from finfocus_ecs.rehearsal.run import rehearse as run_rehearsal
    from finfocus_ecs.rehearsal.task import TaskDefinitionError
    from finfocus_ecs.taskdef import render_task_definition

    unavailable = namespaces_unavailable()
    if unavailable:
        fail(f"cannot rehearse on this machine: {unavailable}")
    if task_definition_file is not None:
        if image or region_ports:
            fail("--task-definition runs that file as it is: leave out --image and --region-ports")
        try:
            definition = json.loads(task_definition_file.read_text())
        except ValueError as error:
            fail(f"{task_definition_file} is not JSON: {error}")
    else:
        from finfocus_ecs.taskdef import PLACEHOLDER_EXECUTION_ROLE_ARN

        role = PLACEHOLDER_EXECUTION_ROLE_ARN
        inputs = module_inputs(image=image, region_ports=region_ports, execution_role_arn=role)
        definition = render_task_definition(plan_or_fail(inputs, "us-east-1"))
    regions = [region.strip() for region in image_regions.split(",") if region.strip()] if image_regions else None

    def progress(seconds: float, text: str) -> None:
        err.print(f"[dim]{seconds:7.2f} s[/] {text.splitlines()[0][:110]}", highlight=False)

    try:
        result = run_rehearsal(
            definition, time_scale=time_scale, plugin_regions=regions, timeout=timeout, on_event=progress
        )
    except (TaskDefinitionError, ImageError, KeyError) as error:
        fail(f"cannot rehearse this task definition: {error}")
    if as_json:
        print_json(result.to_dict())
    else:
        print_rehearsal(result)
    if not result.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


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
        for column in ("region", "port", "http /healthz", "grpc health", "grpc Name"):
            probes.add_column(column)
        for port, probe in sorted(result.probes.items()):
            probes.add_row(
                region_by_port.get(port, "?"), str(port), str(probe.get("http")), str(probe.get("grpc")),
                str(probe.get("grpc_region", "")),
            )
        out.print(probes)
    if result.seconds_to_healthy is not None:
        timings = f"Start to HEALTHY: {result.seconds_to_healthy:.1f} s; stop: {_seconds(result.stop_seconds)}"
        out.print(timings, highlight=False)
    out.print("ok: started, answered and stopped as on Fargate" if result.ok else "FAILED: see above", highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
