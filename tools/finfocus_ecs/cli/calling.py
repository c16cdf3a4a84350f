"""Commands that call a deployment's plugin: `verify`, `price` and `connect`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from finfocus_ecs.cli.common import (
    EXIT_CHECK_FAILED,
    HostArgument,
    PluginImageOption,
    RegionPortsOption,
    TaskDefinitionOption,
    TimeoutOption,
    app,
    deployment_host,
    deployment_layout,
    err,
    fail,
    numbered_causes,
    out,
    print_json,
    require_extra,
)


@app.command()
def verify(
    host: HostArgument = None,
    image: PluginImageOption = None,
    region_ports: RegionPortsOption = None,
    task_definition: TaskDefinitionOption = None,
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
    A port that answers GetPluginInfo over gRPC but neither HTTP/1.1 nor gRPC
    health is the plugin with web mode off: its healthz and grpc columns read
    web-off, and its likely cause says so.

    \b
    The release is checked against the tag of --image, else of the plugin image
    in --task-definition, else of the module's default image; --region-ports alone
    names no image, and the output says the release was not checked.

    \b
    The grpc and identity columns by hand, from a host in the VPC (web mode has no
    gRPC reflection, so grpcurl needs the .proto files this package ships):
      grpcurl -plaintext -import-path tools/finfocus_ecs/proto \\
        -proto grpc/health/v1/health.proto -d '{"service":"finfocus.v1.CostSourceService"}' \\
        aws-public.finfocus.local:8001 grpc.health.v1.Health/Check
      grpcurl -plaintext -import-path tools/finfocus_ecs/proto -proto finfocus/v1/costsource.proto \\
        -d '{}' aws-public.finfocus.local:8001 finfocus.v1.CostSourceService/GetPluginInfo

    \b
    Examples:
      finfocus-ecs verify aws-public.finfocus.local
      finfocus-ecs verify aws-public.finfocus.local --image ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2
      finfocus-ecs verify 10.42.0.17 --region-ports us-east-1=8001,us-west-1=8010 --json
      finfocus-ecs verify aws-public.finfocus.local --task-definition finfocus-plugin-aws-public
    """
    require_extra("plugin", "verify")
    from finfocus_ecs.verify import verify as run_verify

    host = deployment_host(host)
    layout = deployment_layout(image, region_ports, task_definition)
    with err.status(f"checking {len(layout.ports)} ports on {host}"):
        checks = run_verify(host, layout.ports, timeout, layout.release)
    if as_json:
        print_json([{**check.to_json(), **layout.to_json()} for check in checks])
    else:
        table = Table(title=f"{host}: {sum(c.ok for c in checks)} of {len(checks)} ports healthy", title_justify="left")
        for column in ("region", "port", "healthz", "grpc", "identity", "detail", "likely cause"):
            table.add_column(column)
        references, causes = numbered_causes([check.cause for check in checks])
        for check, reference in zip(checks, references, strict=True):
            grpc = check.grpc.kind if check.grpc else "-"
            identity = check.identity.kind if check.identity else "-"
            details = [check.detail]
            if check.grpc is not None:
                details.append(f"grpc {check.grpc.detail}")
            if check.identity is not None:
                details.append(f"serves {check.identity.detail}" if check.identity.ok else check.identity.detail)
            table.add_row(check.region, str(check.port), check.status, grpc, identity, "; ".join(details), reference)
        out.print(table)
        for cause in causes:
            out.print(cause, highlight=False)
        if layout.release is None:
            out.print(f"Release not checked: {layout.release_source}.", highlight=False)
        else:
            out.print(f"Release checked: {layout.release}, {layout.release_source}.", highlight=False)
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
    resource_type: Annotated[
        str,
        typer.Option(
            "--resource-type", metavar="TYPE", help="ec2, ebs, rds, s3... or a Pulumi type: aws:ec2/instance:Instance."
        ),
    ],
    sku: Annotated[
        str, typer.Option("--sku", metavar="SKU", help="Instance type, volume type, storage class: t3.micro, gp3...")
    ],
    host: HostArgument = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", metavar="KEY=VALUE", help="KEY=VALUE the plugin reads, e.g. size=100 for EBS; repeatable."
        ),
    ] = None,
    only_region: Annotated[
        list[str] | None,
        typer.Option(
            "--only-region",
            metavar="REGION",
            help="Price in this region of the layout only; repeatable. Default: every region.",
        ),
    ] = None,
    image: PluginImageOption = None,
    region_ports: RegionPortsOption = None,
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol",
            metavar="PROTOCOL",
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
      finfocus-ecs price 10.42.0.17 --resource-type ec2 --sku m5.large --only-region us-east-1 --only-region eu-west-1
    """
    require_extra("plugin", "price")
    from finfocus_ecs.plugin_api import PROTOCOLS
    from finfocus_ecs.price import price as run_price

    if protocol not in PROTOCOLS:
        fail(f"--protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}")
    host = deployment_host(host)
    ports = deployment_layout(image, region_ports).ports
    unknown = [name for name in only_region or [] if name not in ports]
    if unknown:
        fail(f"--only-region {', '.join(unknown)}: not in this deployment's layout ({', '.join(ports)})")
    wanted = {name: ports[name] for name in only_region} if only_region else ports
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
    failed = [row for row in rows if not row.ok]
    references, causes = numbered_causes([row.error.cause for row in failed])
    for row, reference in zip(failed, references, strict=True):
        table.add_row("FAILED", row.region, str(row.port), row.error.kind, "", f"{row.error} {reference}".strip())
    out.print(table)
    for cause in causes:
        out.print(cause, highlight=False)


@app.command()
def connect(
    host: HostArgument = None,
    finfocus_home: Annotated[
        Path | None,
        typer.Option(
            "--finfocus-home",
            metavar="DIR",
            help="FinFocus's home. Default: as FinFocus finds it (FINFOCUS_HOME, then PULUMI_HOME/finfocus, then "
            "~/.finfocus).",
        ),
    ] = None,
    plugin_dir: Annotated[
        Path | None,
        typer.Option(
            "--plugin-dir",
            metavar="DIR",
            help="FinFocus's plugin directory. Default: as FinFocus finds it (FINFOCUS_PLUGIN_DIR, then plugin_dir in "
            "HOME/config.hujson, then HOME/plugins).",
        ),
    ] = None,
    image: PluginImageOption = None,
    region_ports: RegionPortsOption = None,
    task_definition: TaskDefinitionOption = None,
    set_aside: Annotated[
        bool,
        typer.Option(
            "--set-aside",
            help="Move other plugins that price AWS (they would count every price twice) out of the plugin directory, "
            "until --remove puts them back.",
        ),
    ] = False,
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove what connect wrote, nothing else, and put back what it set aside.")
    ] = False,
    timeout: TimeoutOption = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Make the FinFocus CLI price through the deployment: install a local plugin that forwards to it.

    The FinFocus CLI only launches plugins from its plugin directory and talks
    to them on 127.0.0.1. connect checks HOST as `verify` does (every port must
    answer as its region), then writes the `aws-public` plugin there, as
    PLUGINS/aws-public/vRELEASE/: a script, the packages it needs and a copy of
    this Python, which serve gRPC on the port FinFocus gives and send each
    resource to the deployment's port of its region. It keeps working when this
    checkout, its Python or the PATH's python3 go. It launches the plugin once,
    as FinFocus will, before it says it is done.

    It refuses while another plugin that prices AWS is there (upstream's
    router from `finfocus plugin install aws-public`, or any of upstream's
    binaries, whatever its directory is called: read from the Go build
    information in the binary, never run): FinFocus would ask both and add
    their answers. --set-aside moves them out of the way until --remove. It
    never overwrites a plugin it did not write. It warns when
    FINFOCUS_PLUGIN_DIR or config.hujson's plugin_dir chooses the directory:
    FinFocus v0.2.6 reads neither.

    Exit codes: 0 written (or removed); 1 HOST did not pass the checks, or a
    plugin is in the way; 2 bad input.

    \b
    Examples:
      finfocus-ecs connect aws-public.finfocus.local
      finfocus-ecs connect aws-public.finfocus.local --set-aside --json
      finfocus-ecs connect --remove
    """
    import os
    import shlex
    import sys

    from finfocus_ecs.connect import ConnectError, install
    from finfocus_ecs.connect import remove as remove_plugin
    from finfocus_ecs.finfocus_plugins import configured_plugin_directory
    from finfocus_ecs.finfocus_plugins import finfocus_home as resolve_home

    home = resolve_home(os.environ, finfocus_home)
    configured = None if plugin_dir else configured_plugin_directory(os.environ, home)
    plugins = plugin_dir or (configured[0] if configured else home / "plugins")
    if configured and not remove:
        err.print(
            f"warning: {configured[1]} sets FinFocus's plugin directory to {plugins}: FinFocus v0.3 and later read "
            f"it there, but v0.2.6 ignores {configured[1]} and reads only {home / 'plugins'}. For v0.2.6, run "
            f"connect with --plugin-dir {shlex.quote(str(home / 'plugins'))}.",
            highlight=False,
        )
    if remove:
        removal = remove_plugin(plugins)
        if as_json:
            print_json(
                {
                    "plugin_dir": str(plugins),
                    "removed": [str(path) for path in removal.removed],
                    "restored": [str(path) for path in removal.restored],
                    "not_restored": removal.not_restored,
                }
            )
            return
        lines = [f"removed {path}" for path in removal.removed] + [f"put back {path}" for path in removal.restored]
        lines += [f"could not put back {entry}" for entry in removal.not_restored]
        out.print("\n".join(lines) or f"nothing finfocus-ecs wrote is in {plugins}", highlight=False)
        return
    require_extra("plugin", "connect")
    host = deployment_host(host)
    from finfocus_ecs.plugin_api import PluginClient, PluginError
    from finfocus_ecs.verify import verify as run_verify

    layout = deployment_layout(image, region_ports, task_definition)
    ports = layout.ports
    with err.status(f"checking {len(ports)} ports on {host}"):
        checks = run_verify(host, ports, timeout, layout.release)
    failed = [check for check in checks if not check.ok]
    if failed:
        for check in failed:
            err.print(f"{check.region} (port {check.port}): {check.cause}", highlight=False)
        fail(f"{host} did not answer as the deployment on {len(failed)} of {len(checks)} ports: nothing written "
             f"(see `finfocus-ecs verify {host}`)", code=EXIT_CHECK_FAILED)  # fmt: skip
    try:
        with PluginClient(host, min(ports.values()), "grpc", timeout) as client:
            info = client.plugin_info()
        # How the user ran connect, so that the refusal's `--set-aside` advice runs as printed.
        command = shlex.join(["finfocus-ecs", *sys.argv[1:]])
        installed = install(plugins, host, ports, info.version, info.spec_version, set_aside, command)
    except (PluginError, ConnectError) as error:
        fail(str(error), code=EXIT_CHECK_FAILED)
    for warning in installed.warnings:
        err.print(f"warning: {warning}", highlight=False)
    if as_json:
        print_json(installed.to_json())
        return
    out.print(f"FinFocus prices AWS resources through {host} ({len(ports)} regions, release {installed.version}) "
              f"with the plugin in {installed.directory}:", highlight=False)  # fmt: skip
    for path in installed.files:
        out.print(f"  {path}", highlight=False)
    for entry in installed.set_aside:
        out.print(f"Set aside {entry['from']} (in {entry['to']} until --remove)", highlight=False)
    out.print(
        "Routing: the plugin reports no region, so FinFocus asks it for every AWS resource; it declines, through "
        "Supports, the regions the deployment does not serve. A routing: section needs nothing for it.",
        highlight=False,
    )
    where = (
        f" --plugin-dir {plugin_dir}" if plugin_dir else f" --finfocus-home {finfocus_home}" if finfocus_home else ""
    )
    undo = "finfocus-ecs connect --remove" + where
    out.print(f"Remove with: {undo}", highlight=False)
