"""Commands that read the module, or the quick start deployed from it: task-definition, endpoints, cost, docs."""

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
    ModuleDefaultsHelp,
    NameOption,
    RegionPortsOption,
    app,
    err,
    fail,
    module_inputs,
    note,
    out,
    plan_or_fail,
    print_json,
)


@app.command("task-definition", cls=ModuleDefaultsHelp)
def task_definition(
    name: NameOption = None,
    image: ImageOption = None,
    region_ports: RegionPortsOption = None,
    cpu: CpuOption = None,
    memory: MemoryOption = None,
    cpu_architecture: ArchitectureOption = None,
    execution_role_arn: Annotated[
        str | None,
        typer.Option("--execution-role-arn", metavar="ARN", help="Task execution role. Default: a placeholder."),
    ] = None,
    log_group: Annotated[
        str | None, typer.Option("--log-group", metavar="NAME", help="CloudWatch log group. Default: /ecs/NAME.")
    ] = None,
    region: Annotated[
        str,
        typer.Option(
            "--region", metavar="REGION", help="AWS region of the deployment: the containers' awslogs-region."
        ),
    ] = "us-east-1",
    no_port_bridge: Annotated[
        bool, typer.Option("--no-port-bridge", help="Leave out the port bridge (only for an image that binds 0.0.0.0).")
    ] = False,
) -> None:
    """Print the task definition JSON for `aws ecs register-task-definition --cli-input-json`.

    The JSON is the module's own task definition, planned with Terraform.
    --region-ports is for an image the module does not know: a known tag
    brings its own layout, and the module refuses a map that differs from it.

    \b
    Examples:
      finfocus-ecs task-definition > td.json
      aws ecs register-task-definition --cli-input-json file://td.json
      finfocus-ecs task-definition --image ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2
      finfocus-ecs task-definition --image registry.example.com/finfocus-plugin-aws-public:build-42 \\
        --region-ports us-east-1=8001,us-west-2=8002 --cpu 512 --memory 1024
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


@app.command(cls=ModuleDefaultsHelp)
def endpoints(
    service_discovery_name: Annotated[
        str | None,
        typer.Option(
            "--service-discovery-name",
            metavar="NAME",
            help="The Cloud Map service's name, the first label of the DNS name. Default: the module's "
            "`service_discovery_name`.",
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            metavar="DOMAIN",
            help="The private DNS namespace. Default: the module's `namespace_name`.",
        ),
    ] = None,
    image: ImageOption = None,
    region_ports: RegionPortsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Print the region, port and host:port of every endpoint.

    With no option: the endpoints of the quick start deployed from this clone
    (`up`'s Terraform state, AWS first, then the local emulator while it
    runs); when nothing is deployed, the module's defaults, which a note on
    stderr says. With options: the module planned with them.

    \b
    Examples:
      finfocus-ecs endpoints
      finfocus-ecs endpoints --namespace pricing.internal --json
      finfocus-ecs endpoints --image ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2
    """
    from finfocus_ecs.deployment import deployed_quickstart
    from finfocus_ecs.endpoints import endpoint_rows

    inputs = module_inputs(
        image=image, region_ports=region_ports, service_discovery_name=service_discovery_name, namespace_name=namespace
    )
    deployed = None if inputs else deployed_quickstart()
    if deployed is not None:
        note(f"the endpoints of {deployed.describe()}")
        rows = endpoint_rows(deployed.outputs["endpoints"])
    else:
        if not inputs:
            note("nothing is deployed from this clone's quick start: the endpoints of the module's defaults")
        rows = endpoint_rows(plan_or_fail(inputs, "us-east-1").outputs["endpoints"])
    if as_json:
        print_json([row.__dict__ for row in rows])
        return
    table = Table(title=f"{len(rows)} endpoints", title_justify="left")
    for column in ("region", "port", "endpoint"):
        table.add_column(column, justify="right" if column == "port" else "left")
    for row in rows:
        table.add_row(row.region, str(row.port), row.endpoint)
    out.print(table)


@app.command(cls=ModuleDefaultsHelp)
def cost(
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan", metavar="FILE", help="A plan JSON (terraform show -json PLAN) to price instead of options."
        ),
    ] = None,
    cpu: CpuOption = None,
    memory: MemoryOption = None,
    cpu_architecture: ArchitectureOption = None,
    region: Annotated[
        str,
        typer.Option(
            "--region",
            metavar="REGION",
            help="AWS region of the deployment, for its Fargate price: one of those prices.json has (see above).",
        ),
    ] = "us-east-1",
    desired_count: Annotated[
        int | None,
        typer.Option(
            "--desired-count", metavar="TASKS", help="Number of tasks. Default: the module's `desired_count`."
        ),
    ] = None,
    spot_weight: Annotated[
        int, typer.Option("--spot-weight", metavar="WEIGHT", help="FARGATE_SPOT weight (0: no Spot).")
    ] = 0,
    on_demand_weight: Annotated[int, typer.Option("--on-demand-weight", metavar="WEIGHT", help="FARGATE weight.")] = 1,
    on_demand_base: Annotated[
        int, typer.Option("--on-demand-base", metavar="TASKS", help="Tasks always on FARGATE.")
    ] = 0,
    min_capacity: Annotated[
        int | None,
        typer.Option(
            "--min-capacity", metavar="TASKS", help="With autoscaling: its fewest tasks (with --max-capacity)."
        ),
    ] = None,
    max_capacity: Annotated[
        int | None,
        typer.Option("--max-capacity", metavar="TASKS", help="With autoscaling: its most tasks (with --min-capacity)."),
    ] = None,
    log_gb: Annotated[float, typer.Option("--log-gb", metavar="GB", help="GB of logs a month.")] = 1.0,
    nlcu: Annotated[
        float, typer.Option("--nlcu", metavar="NLCU", help="NLB capacity units an hour, for the NLB alternative.")
    ] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Estimate the monthly cost, with the arithmetic, and compare it with an NLB.

    What it prices: Fargate (on demand and Spot), Cloud Map, the namespace's
    hosted zone, Container Insights (on for a cluster the module creates),
    the alarms (with alarm_actions), CloudWatch Logs; and of a plan, its NAT
    gateways and public IPv4 addresses too. Fargate prices come from
    prices.json, which has us-east-1, ap-southeast-2 and sa-east-1 only: a
    deployment in another region is refused, naming them. The rest are
    us-east-1's prices.

    With autoscaling (a plan whose module has it, or --min-capacity and
    --max-capacity), it also gives the total at the fewest and at the most
    tasks; the tables are for desired_count.

    \b
    Examples:
      finfocus-ecs cost
      finfocus-ecs cost --spot-weight 1 --on-demand-weight 0
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
        network_lines,
        read_plan_file,
        scaled,
    )

    if (min_capacity is None) != (max_capacity is None):
        fail("give --min-capacity and --max-capacity together")
    if min_capacity is not None and not 1 <= min_capacity <= max_capacity:  # type: ignore[operator]
        fail(f"--min-capacity {min_capacity} and --max-capacity {max_capacity}: use 1 <= min <= max")
    network = []
    try:
        priced = load_prices()["fargate"]
        if plan is None and region not in priced:
            raise CostError(f"no Fargate price for {region} in prices.json; known: {', '.join(priced)}")
        if plan is not None:
            planned = read_plan_file(plan)
            deployments = deployments_from_plan(planned)
            network = network_lines(planned)
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
                "The alternative not chosen: an NLB with one listener and target group per port",
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
    if network:
        out.print("Also in this plan, the same for both designs:", highlight=False)
        for line in network:
            out.print(f"  {line.item}: {line.arithmetic} = ${line.monthly:.2f}", highlight=False)
        total = sum(item.total for item in estimates) + sum(line.monthly for line in network)
        out.print(f"The plan as a whole: ${total:.2f} a month.", highlight=False)


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
