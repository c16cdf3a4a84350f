"""Commands that read the module itself: `task-definition`, `endpoints`, `cost` and `docs`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finfocus_ecs.cli.common import (
    EXIT_CHECK_FAILED,
    ArchitectureOption,
    CpuOption,
    ImageOption,
    MemoryOption,
    NameOption,
    RegionOption,
    RegionPortsOption,
    app,
    err,
    fail,
    module_inputs,
    out,
    plan_or_fail,
    print_json,
)


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
