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
err = Console(stderr=True, soft_wrap=True)

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
    APIs that what it printed exists. Ctrl-C, at any moment, waits for
    Terraform to stop, stops the emulator this run started and exits 130.

    Examples:

      finfocus-ecs up

      finfocus-ecs up --destroy

      finfocus-ecs up --target aws
    """
    from finfocus_ecs.interrupts import InterruptGuard

    if target == "aws" and not yes:
        if not sys.stdin.isatty():
            fail("deploying to real AWS needs confirmation: run again with --yes")
        if not typer.confirm("Deploy examples/quickstart to your AWS account (it costs money)?"):
            fail("cancelled", code=EXIT_CHECK_FAILED)
    # From here on, Ctrl-C ends in exit 130 with what this run started stopped, wherever it lands
    # (interrupts.py says why the default KeyboardInterrupt was not enough).
    guard = InterruptGuard(ignore_after=True)
    try:
        with guard:
            outcome = _run_up(guard, target, destroy)
            if not guard.settle():
                _report_up(outcome, destroy, as_json)
    finally:
        if guard.settled:
            err.print("interrupted: stopped what this run started; run `finfocus-ecs up` again")
            raise typer.Exit(130) from None


def _run_up(guard: Any, target: str, destroy: bool) -> Any:
    """Run `up`; its result, or the exception it ended with (a Ctrl-C is the guard's to report)."""
    try:
        with guard.interruptible():
            from finfocus_ecs.interrupts import threads_without_sigint
            from finfocus_ecs.up import up as run_up

            # rich's refresh thread must not take Ctrl-C away from the main thread.
            with threads_without_sigint():
                status = err.status("starting")
                status.start()
            try:
                return run_up(target=target, destroy_after=destroy, progress=status.update, guard=guard)
            finally:
                status.stop()
    except (Exception, KeyboardInterrupt) as error:
        return error


def _report_up(outcome: Any, destroyed: bool, as_json: bool) -> None:
    """Print what `up` did, or the error it ended with (exit 1)."""
    from finfocus_ecs.emulator import EmulatorError
    from finfocus_ecs.terraform import TerraformError

    if isinstance(outcome, TerraformError):
        fail(f"terraform failed:\n{outcome}", code=EXIT_CHECK_FAILED)
    if isinstance(outcome, EmulatorError):
        fail(f"the local AWS emulator did not start: {outcome}", code=EXIT_CHECK_FAILED)
    if isinstance(outcome, BaseException):
        raise outcome
    result = outcome
    if as_json:
        print_json(
            {
                "target": result.target,
                "outputs": result.outputs,
                "checks": [finding.__dict__ for finding in result.findings],
                "timings_seconds": result.timings,
                "emulator_url": result.emulator_url,
                "destroyed": destroyed,
            }
        )
    else:
        print_up_result(result, destroyed=destroyed)
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
    """Scan with checkov (offline, its own environment) plus the FinFocus policies, and IAM with parliament.

    Exits 1 when any check fails. A plan JSON also gets CKV_FINFOCUS_5, which
    compares the task's port mappings with the security group's ingress.

    parliament checks IAM policies against AWS's own list of actions, resource
    types and condition keys. Of a plan JSON it audits every IAM policy in the
    plan; of the module, or a directory that calls it, the module planned with
    its default inputs and with every input that adds IAM (ECS Exec, secrets,
    KMS keys). Its findings fail the scan like checkov's, and appear in --json,
    --sarif (a second run) and --junit (a second test suite).

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
    audit = result.policy_audit
    if as_json:
        print_json(
            {
                "target": result.target,
                "passed": result.passed,
                "failed": result.failed,
                "skipped": result.skipped,
                "failures": [failure.__dict__ for failure in result.failures],
                "parliament": audit.to_json() if audit else None,
            }
        )
    else:
        out.print(
            f"{result.target}: {result.passed} passed, {result.failed} failed, {len(result.skipped)} skipped",
            highlight=False,
        )
        if audit is not None:
            out.print(
                f"parliament: {len(audit.policies)} IAM policy document(s) audited, {audit.findings} finding(s); "
                f"audited {audit.scope}",
                highlight=False,
            )
        for failure in result.failures:
            where = f"{failure.file}:{failure.line}" if failure.line else failure.file
            out.print(f"  FAILED {failure.tool} {failure.check_id} {failure.resource} ({where})", highlight=False)
            out.print(f"    {failure.check_name}", highlight=False)
            if failure.advice:
                out.print(f"    fix: {failure.advice}", highlight=False)
        for skipped in result.skipped:
            out.print(
                f"  skipped {skipped['tool']} {skipped['check_id']} {skipped['resource']}: {skipped['reason']}",
                highlight=False,
            )
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


def deployment_layout(image: str | None, region_ports: str | None) -> tuple[dict[str, int], str | None]:
    """Region => port of a deployment, from --image's tag or --region-ports, and the release its ports report.

    The release (the tag without its `v`) is None when no known tag says:
    a map given without --image is an image the module does not know.
    """
    from finfocus_ecs.evaluate import InputError, parse_region_ports
    from finfocus_ecs.module import default_image_tag, image_layout_for, image_layouts, image_tag

    tag = image_tag(image) if image is not None else default_image_tag()
    layout = image_layout_for(tag) if tag else None
    version = tag[1:] if layout is not None and tag else None
    if region_ports is not None:
        try:
            ports = parse_region_ports(region_ports)
        except InputError as error:
            fail(str(error))
        if image is None:
            version = None
    elif layout is not None:
        ports = layout
    else:
        known = ", ".join(tag for layout in image_layouts() for tag in layout["tags"])
        fail(f"--image {image} is not a release this module knows ({known}): give its --region-ports")
    bad = {region: port for region, port in ports.items() if not 1 <= port <= 65535}
    if bad:
        fail(f"--region-ports has ports outside 1-65535: {bad}")
    return ports, version


PluginImageOption = Annotated[
    str | None,
    typer.Option(
        "--image",
        help="The deployment's image, pinned to a tag: its layout gives the ports, and its ports must report its "
        "release. Default: the module's default image.",
    ),
]
HostArgument = Annotated[str, typer.Argument(help="The Cloud Map name (e.g. aws-public.finfocus.local) or an IP.")]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per call.")]


@app.command()
def verify(
    host: HostArgument,
    image: PluginImageOption = None,
    region_ports: RegionPortsOption = None,
    timeout: TimeoutOption = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Check a deployed plugin from inside the VPC: /healthz, gRPC health and who answers, on every regional port.

    Three checks per port, all at once. Exits 1 if any fails; each failure names its likely cause.

    \b
    Columns:
      healthz   the name resolves, TCP reaches the port at the task IP, and HTTP/1.1
                GET /healthz answers 200: what ECS's health check relies on.
      grpc      grpc.health.v1.Health/Check for finfocus.v1.CostSourceService answers
                SERVING over plaintext HTTP/2 (h2c): the traffic FinFocus itself sends.
                It fails on TLS in the path, an HTTP/1-only proxy, another gRPC
                service on the port, or a bridge whose region is down.
      identity  GetPluginInfo says which region the port serves (metadata.region) and
                which release: it must be the map's region and the image tag's
                release. A swapped or shifted map fails here, naming both regions.

    \b
    The grpc column by hand, from a host in the VPC:
      grpcurl -plaintext -d '{"service":"finfocus.v1.CostSourceService"}' \\
        aws-public.finfocus.local:8001 grpc.health.v1.Health/Check

    \b
    Examples:
      finfocus-ecs verify aws-public.finfocus.local
      finfocus-ecs verify aws-public.finfocus.local --image ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2
      finfocus-ecs verify 10.42.0.17 --region-ports us-east-1=8001,us-west-1=8010 --json
    """
    from finfocus_ecs.verify import verify as run_verify

    ports, version = deployment_layout(image, region_ports)
    with err.status(f"checking {len(ports)} ports on {host}"):
        checks = run_verify(host, ports, timeout, version)
    if as_json:
        print_json([check.to_json() for check in checks])
    else:
        table = Table(title=f"{host}: {sum(c.ok for c in checks)} of {len(checks)} ports healthy", title_justify="left")
        for column in ("region", "port", "healthz", "grpc", "identity", "detail", "likely cause"):
            table.add_column(column)
        for check in checks:
            grpc = check.grpc.kind if check.grpc else "-"
            identity = check.identity.kind if check.identity else "-"
            details = [check.detail]
            if check.grpc is not None:
                details.append(f"grpc {check.grpc.detail}")
            if check.identity is not None:
                details.append(f"serves {check.identity.detail}" if check.identity.ok else check.identity.detail)
            table.add_row(check.region, str(check.port), check.status, grpc, identity, "; ".join(details), check.cause)
        out.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(EXIT_CHECK_FAILED)


def _tags(values: list[str]) -> dict[str, str]:
    tags = {}
    for value in values:
        key, equals, text = value.partition("=")
        if not equals or not key.strip():
            fail(f"--tag {value!r} is not KEY=VALUE (e.g. --tag size=100)")
        tags[key.strip()] = text
    return tags


@app.command()
def price(
    host: HostArgument,
    resource_type: Annotated[
        str, typer.Option("--resource-type", help="ec2, ebs, rds, s3... or a Pulumi type: aws:ec2/instance:Instance.")
    ],
    sku: Annotated[str, typer.Option("--sku", help="Instance type, volume type, storage class: t3.micro, gp3...")],
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="KEY=VALUE the plugin reads, e.g. size=100 for EBS; repeatable.")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", help="Price in this region only; repeatable. Default: every region.")
    ] = None,
    image: PluginImageOption = None,
    region_ports: RegionPortsOption = None,
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol",
            help="connect: Connect JSON over HTTP/1.1 (as curl); grpc: gRPC over h2c (as FinFocus); also "
            "connect-h2c and grpc-web.",
        ),
    ] = "connect",
    timeout: TimeoutOption = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Price one resource in every region of a deployment at once, cheapest first.

    Each region's request goes to its own port, in parallel, naming that
    region. A region that fails shows the plugin's real code (read back out of
    web mode's `unknown`) and what it means. An unknown SKU or a type the
    plugin does not price is a failed row, never a $0 price.

    Exit codes: 0 every region priced; 1 a region failed or did not know the
    SKU; 2 bad input (a region not in the layout, a bad tag or map).

    \b
    Examples:
      finfocus-ecs price aws-public.finfocus.local --resource-type ec2 --sku t3.micro
      finfocus-ecs price aws-public.finfocus.local --resource-type ebs --sku gp3 --tag size=100 --json
      finfocus-ecs price 10.42.0.17 --resource-type ec2 --sku m5.large --region us-east-1 --region eu-west-1
    """
    from finfocus_ecs.plugin_api import PROTOCOLS
    from finfocus_ecs.price import price as run_price

    if protocol not in PROTOCOLS:
        fail(f"--protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}")
    ports, _ = deployment_layout(image, region_ports)
    unknown = [name for name in region or [] if name not in ports]
    if unknown:
        fail(f"--region {', '.join(unknown)}: not in this deployment's layout ({', '.join(ports)})")
    wanted = {name: ports[name] for name in region} if region else ports
    tags = _tags(tag or [])
    with err.status(f"pricing {sku} in {len(wanted)} regions on {host}"):
        rows = run_price(host, wanted, resource_type, sku, tags, protocol, timeout)  # type: ignore[arg-type]
    if as_json:
        print_json({"host": host, "resource_type": resource_type, "sku": sku, "results": [r.to_json() for r in rows]})
    else:
        print_prices(host, resource_type, sku, rows)
    if not all(row.ok for row in rows):
        raise typer.Exit(EXIT_CHECK_FAILED)


def print_prices(host: str, resource_type: str, sku: str, rows: list[Any]) -> None:
    priced = [row for row in rows if row.ok]
    table = Table(
        title=f"{resource_type} {sku} on {host}: {len(priced)} of {len(rows)} regions priced", title_justify="left"
    )
    # Prices never wrap or shorten; the billing detail takes what width is left.
    for column in ("", "region", "port", "unit price", "per month"):
        justify = "right" if column in ("port", "unit price", "per month") else "left"
        table.add_column(column, justify=justify, no_wrap=True)
    table.add_column("billing detail", ratio=1)
    for index, row in enumerate(priced):
        unit = f"/{row.unit}" if row.unit else ""
        table.add_row(
            "cheapest" if index == 0 and len(priced) > 1 else "",
            row.region,
            str(row.port),
            f"${row.unit_price:g}{unit}",
            f"${row.cost_per_month:,.2f}",
            row.billing_detail,
        )
    for row in rows:
        if not row.ok:
            table.add_row("FAILED", row.region, str(row.port), row.error.kind, "", f"{row.error}: {row.error.cause}")
    out.print(table)


@app.command()
def connect(
    host: Annotated[
        str | None, typer.Argument(help="The deployment's Cloud Map name (e.g. aws-public.finfocus.local) or an IP.")
    ] = None,
    finfocus_home: Annotated[
        Path | None,
        typer.Option(
            "--finfocus-home",
            help="FinFocus's home, where its plugins are. Default: as FinFocus finds it (FINFOCUS_HOME, then "
            "PULUMI_HOME/finfocus, then ~/.finfocus).",
        ),
    ] = None,
    image: PluginImageOption = None,
    region_ports: RegionPortsOption = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove what connect wrote there, nothing else.")] = False,
    timeout: TimeoutOption = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Make the FinFocus CLI price through the deployment: install a local plugin that forwards to it.

    The FinFocus CLI only launches plugins from its plugin directory and talks
    to them on 127.0.0.1. connect checks HOST as `verify` does (every port must
    answer as its region), then writes the `aws-public` plugin there: a script
    running this package's Python, which serves gRPC on the port FinFocus gives
    it and sends each resource to the deployment's port of its region. It
    refuses to overwrite an aws-public plugin it did not write.

    Exit codes: 0 written (or removed); 1 HOST did not pass the checks, or a
    plugin it did not write is in the way; 2 bad input.

    \b
    Examples:
      finfocus-ecs connect aws-public.finfocus.local
      finfocus-ecs connect aws-public.finfocus.local --finfocus-home ~/.finfocus --json
      finfocus-ecs connect --remove
    """
    import os

    from finfocus_ecs.connect import ConnectError, install
    from finfocus_ecs.connect import finfocus_home as resolve_home
    from finfocus_ecs.connect import remove as remove_plugin

    home = resolve_home(os.environ, finfocus_home)
    if remove:
        removed = remove_plugin(home)
        if as_json:
            print_json({"finfocus_home": str(home), "removed": [str(path) for path in removed]})
        else:
            out.print("\n".join(f"removed {path}" for path in removed) or f"nothing finfocus-ecs wrote is in {home}")
        return
    if host is None:
        fail("give the deployment's HOST (or --remove)")
    from finfocus_ecs.plugin_api import PluginClient, PluginError
    from finfocus_ecs.verify import verify as run_verify

    ports, version = deployment_layout(image, region_ports)
    with err.status(f"checking {len(ports)} ports on {host}"):
        checks = run_verify(host, ports, timeout, version)
    failed = [check for check in checks if not check.ok]
    if failed:
        for check in failed:
            err.print(f"{check.region} (port {check.port}): {check.cause}", highlight=False)
        fail(f"{host} did not answer as the deployment on {len(failed)} of {len(checks)} ports: nothing written "
             f"(see `finfocus-ecs verify {host}`)", code=EXIT_CHECK_FAILED)  # fmt: skip
    try:
        with PluginClient(host, min(ports.values()), "grpc", timeout) as client:
            info = client.plugin_info()
        installed = install(home, host, ports, info.version, info.spec_version)
    except (PluginError, ConnectError) as error:
        fail(str(error), code=EXIT_CHECK_FAILED)
    if as_json:
        print_json(installed.to_json())
        return
    out.print(f"FinFocus in {home} now prices AWS resources through {host} ({len(ports)} regions, release "
              f"{installed.version}). Wrote:", highlight=False)  # fmt: skip
    for path in installed.files:
        out.print(f"  {path}", highlight=False)
    undo = "finfocus-ecs connect --remove" + ("" if finfocus_home is None else f" --finfocus-home {finfocus_home}")
    out.print(f"Remove with: {undo}", highlight=False)


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
    min_capacity: Annotated[
        int | None, typer.Option("--min-capacity", help="With autoscaling: its fewest tasks (with --max-capacity).")
    ] = None,
    max_capacity: Annotated[
        int | None, typer.Option("--max-capacity", help="With autoscaling: its most tasks (with --min-capacity).")
    ] = None,
    log_gb: Annotated[float, typer.Option("--log-gb", help="GB of logs a month.")] = 1.0,
    nlcu: Annotated[float, typer.Option("--nlcu", help="NLB capacity units an hour, for the NLB alternative.")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Estimate the monthly cost, with the arithmetic, and compare it with an NLB.

    With autoscaling (a plan whose module has it, or --min-capacity and
    --max-capacity), it also gives the total at the fewest and at the most
    tasks; the tables are for desired_count.

    Examples:

      finfocus-ecs cost

      finfocus-ecs cost --spot-weight 3 --on-demand-weight 1 --on-demand-base 1 --desired-count 2

      finfocus-ecs cost --min-capacity 1 --max-capacity 4

      terraform show -json tfplan > plan.json && finfocus-ecs cost --plan plan.json
    """
    from finfocus_ecs.cost import (
        CostError,
        deployments_from_plan,
        deployments_from_resources,
        estimate,
        load_prices,
        read_plan_file,
        scaled,
    )

    if (min_capacity is None) != (max_capacity is None):
        fail("give --min-capacity and --max-capacity together")
    if min_capacity is not None and not 1 <= min_capacity <= max_capacity:  # type: ignore[operator]
        fail(f"--min-capacity {min_capacity} and --max-capacity {max_capacity}: use 1 <= min <= max")
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
            if min_capacity is not None:
                deployments[0].capacity = (min_capacity, max_capacity)  # type: ignore[assignment]
        estimates = [estimate(deployment, log_gb, nlcu) for deployment in deployments]
        scaling = [scaled(deployment, log_gb, nlcu) for deployment in deployments]
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
                    "autoscaling": autoscaled,
                    "assumptions": item.assumptions,
                }
                for item, autoscaled in zip(estimates, scaling, strict=True)
            ]
        )
        return
    for item, autoscaled in zip(estimates, scaling, strict=True):
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
        if autoscaled is not None:
            out.print(
                f"Autoscaling between {autoscaled['min_capacity']} and {autoscaled['max_capacity']} tasks: "
                f"${autoscaled['total_at_min']:.2f} a month at {autoscaled['min_capacity']}, "
                f"${autoscaled['total_at_max']:.2f} at {autoscaled['max_capacity']}.",
                highlight=False,
            )
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
