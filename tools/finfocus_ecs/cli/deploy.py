"""`up` and `down`: the quick start against the emulator or an AWS account, and its teardown."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from finfocus_ecs.cli.common import (
    EXIT_CANCELLED,
    EXIT_CHECK_FAILED,
    app,
    err,
    fail,
    out,
    print_json,
    runnable,
)


def _target(value: str) -> str:
    from finfocus_ecs.deployment import TARGETS

    if value not in TARGETS:
        raise typer.BadParameter(f"{value!r} is not a target: use {' or '.join(TARGETS)}")
    return value


TargetOption = Annotated[
    str,
    typer.Option(
        "--target",
        callback=_target,
        metavar="local|aws",
        help="local: the embedded AWS emulator (no account needed). aws: your real account, from the usual AWS_* "
        "variables or profile.",
    ),
]
VariablesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--var",
        metavar="NAME=VALUE",
        help="A variable of examples/quickstart (its variables.tf: cpu, memory, image, desired_count, "
        "enable_execute_command, aws_region...), as `terraform -var` takes it; repeatable. TF_VAR_NAME in the "
        "environment works too.",
    ),
]


def quickstart_variables(values: list[str]) -> dict[str, str]:
    """--var NAME=VALUE, each NAME a variable the quick start declares (read only when there is one to check)."""
    if not values:
        return {}
    from finfocus_ecs.module import variables
    from finfocus_ecs.project import QUICKSTART_DIR

    declared = variables(QUICKSTART_DIR)
    parsed = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals or not name.strip():
            fail(f"--var {value!r} is not NAME=VALUE (e.g. --var cpu=1024)")
        if name.strip() not in declared:
            fail(f"--var {value!r}: examples/quickstart has no variable {name.strip()!r}; it has {', '.join(declared)}")
        parsed[name.strip()] = text
    return parsed


@app.command()
def up(
    target: TargetOption = "local",
    var: VariablesOption = None,
    destroy: Annotated[bool, typer.Option("--destroy", help="Tear the deployment down after checking it.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Apply on AWS without asking (CI); the plan and its cost still print.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Deploy examples/quickstart and print its endpoints.

    Locally: starts the AWS emulator (or reuses the one an earlier `up` left),
    applies the quick start, prints the endpoints, and checks through the AWS
    APIs that what it printed exists. The emulator runs no tasks: nothing
    answers on the ports, and the output says what to run instead.

    On AWS (--target aws): checks the credentials first, then plans, and
    before anything is created shows the account, the region, what the plan
    creates and its monthly cost, and asks. Only the plan shown is applied.

    Exit codes: 0 deployed and checked; 1 a check or Terraform failed; 2 bad
    input, or AWS credentials or a confirmation missing; 3 answered no (nothing
    was created); 130 Ctrl-C, at any moment: it waits for Terraform to stop
    and stops the emulator this run started.

    \b
    Examples:
      finfocus-ecs up
      finfocus-ecs up --var image=ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2 --var cpu=1024 --destroy
      finfocus-ecs up --target aws
      finfocus-ecs up --target aws --var enable_execute_command=true --yes --json
    """
    from finfocus_ecs.interrupts import InterruptGuard

    variables = quickstart_variables(var or [])
    if target == "aws" and not yes and not sys.stdin.isatty():
        fail("deploying to AWS asks first, and stdin is not a terminal: run it at a terminal, or with --yes")
    # From here on, Ctrl-C ends in exit 130 with what this run started stopped, wherever it lands
    # (interrupts.py says why the default KeyboardInterrupt was not enough).
    guard = InterruptGuard(ignore_after=True)
    try:
        with guard:
            outcome = _run_up(guard, target, destroy, variables, yes)
            if not guard.settle():
                _report_up(outcome, destroy, as_json)
    finally:
        if guard.settled:
            again = runnable("up --target aws" if target == "aws" else "up")
            err.print(f"interrupted: stopped what this run started; run `{again}` again")
            raise typer.Exit(130) from None


def _run_up(guard: Any, target: str, destroy: bool, variables: dict[str, str], yes: bool) -> Any:
    """Run `up`; its result, or the exception it ended with (a Ctrl-C is the guard's to report)."""
    try:
        with guard.interruptible():
            from finfocus_ecs.interrupts import threads_without_sigint
            from finfocus_ecs.up import up as run_up

            # rich's refresh thread must not take Ctrl-C away from the main thread.
            with threads_without_sigint():
                status = err.status("starting")
                status.start()

            def confirm(planned: Any) -> bool:
                status.stop()
                print_aws_plan(planned)
                # Nothing to add, change or destroy: nothing to ask about (the checks still run).
                if not yes and any(planned.actions().values()):
                    identity = planned.identity
                    question = f"Apply this plan to AWS account {identity.account} in {identity.region}?"
                    if not typer.confirm(question, default=False, err=True):
                        return False
                with threads_without_sigint():
                    status.start()
                return True

            try:
                return run_up(
                    target=target,
                    destroy_after=destroy,
                    progress=status.update,
                    guard=guard,
                    variables=variables,
                    confirm=confirm,
                )
            finally:
                status.stop()
    except (Exception, KeyboardInterrupt) as error:
        return error


def print_aws_plan(planned: Any) -> None:
    """What `up --target aws` is about to do, on stderr: who, where, what the plan creates, and its monthly cost."""
    from finfocus_ecs.cost import CostError, load_prices, plan_lines

    identity = planned.identity
    actions = planned.actions()
    err.print("About to deploy examples/quickstart:", highlight=False)
    err.print(f"  account  {identity.account} ({identity.arn})", highlight=False)
    err.print(f"  region   {identity.region}", highlight=False)
    err.print(
        f"  plan     {actions['add']} to add, {actions['change']} to change, {actions['destroy']} to destroy",
        highlight=False,
    )
    created = planned.created()
    if created:
        err.print(
            "  creates  " + ", ".join(f"{kind} ×{count}" for kind, count in sorted(created.items())), highlight=False
        )
    prices = load_prices()
    try:
        lines = plan_lines(planned.plan)
    except CostError as error:
        err.print(f"Monthly cost: not estimated ({error}).", highlight=False)
        return
    err.print(
        f"Monthly cost of what the plan runs ({prices['hours_per_month']} hours; `{runnable('cost')}` shows the "
        "arithmetic):",
        highlight=False,
    )
    width = max(len(line.item) for line in lines)
    for line in lines:
        err.print(f"  {line.item:<{width}}  {f'${line.monthly:.2f}':>9}", highlight=False)
    err.print(f"  {'total':<{width}}  {f'${sum(line.monthly for line in lines):.2f}':>9} a month", highlight=False)
    err.print(
        f"  Not included: what the NAT gateway carries (${prices['nat_gateway_gb']} per GB), data transfer, logs "
        "beyond 1 GB a month, Container Insights' performance log events. Prices: prices.json, read "
        f"{prices['_read_on']}; the NAT gateway, the address and CloudWatch at us-east-1's.",
        highlight=False,
    )


def _report_up(outcome: Any, destroyed: bool, as_json: bool) -> None:
    """Print what `up` did, or the error it ended with."""
    from finfocus_ecs.emulator import EmulatorError
    from finfocus_ecs.terraform import TerraformError
    from finfocus_ecs.up import Cancelled, CredentialsError

    if isinstance(outcome, (Cancelled, typer.Abort)):
        fail("cancelled: nothing was applied", code=EXIT_CANCELLED)
    if isinstance(outcome, CredentialsError):
        fail(f"{outcome}; nothing was planned or created")
    if isinstance(outcome, TerraformError):
        fail(f"terraform failed: {outcome}", code=EXIT_CHECK_FAILED)
    if isinstance(outcome, EmulatorError):
        fail(f"the local AWS emulator did not start: {outcome}", code=EXIT_CHECK_FAILED)
    if isinstance(outcome, BaseException):
        raise outcome
    result = outcome
    if as_json:
        print_json(
            {
                "target": result.target,
                "account": result.identity.account if result.identity else None,
                "outputs": result.outputs,
                "checks": [finding.__dict__ for finding in result.findings],
                "timings_seconds": result.timings,
                "emulator_url": result.emulator_url,
                "emulator_env": _emulator_env(result),
                "destroyed": destroyed,
            }
        )
    else:
        print_up_result(result, destroyed=destroyed)
    if not result.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


def _emulator_env(result: Any) -> dict[str, str] | None:
    """The variables that send the AWS CLI and the SDKs to the emulator `up` left running.

    AWS_DEFAULT_REGION, which every AWS CLI reads (v1 reads no AWS_REGION),
    and the emulator's dummy keys: without a region and keys the CLI refuses
    before it calls anything.
    """
    if not result.emulator_url:
        return None
    from finfocus_ecs.emulator import DUMMY_CREDENTIALS

    keys = {name: DUMMY_CREDENTIALS[name] for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    return {"AWS_ENDPOINT_URL": result.emulator_url, "AWS_DEFAULT_REGION": result.outputs["region"], **keys}


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
    out.print(f"Image:            {outputs.get('image')}", highlight=False)
    out.print(f"Service:          {outputs['service_arn']}")
    out.print(
        f"Security group:   {outputs['security_group_id']}: ingress "
        + ", ".join(f"{r['from_port']}-{r['to_port']}" for r in outputs["security_group_ingress_port_ranges"])
        + " from the VPC CIDR blocks; egress 443 only"
    )
    out.print(f"Logs:             {outputs['log_group_name']}")
    environment = _emulator_env(result)
    if environment:
        exports = " ".join(f"{name}={value}" for name, value in environment.items())
        out.print(f"Emulator:         {result.emulator_url}; explore it with the AWS CLI after", highlight=False)
        out.print(f"                  export {exports}", highlight=False)
    out.print("Checked through the AWS APIs")
    width = max(len(finding.check) for finding in result.findings)
    for finding in result.findings:
        verdict = "ok" if finding.ok else "FAILED"
        out.print(f"  {finding.check:<{width}}  {verdict:<6}  {finding.detail}", highlight=False)
    out.print("Timings: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.timings.items()))
    if destroyed:
        out.print("Destroyed again (--destroy).")
        return
    for line in next_steps(result):
        out.print(line, highlight=False)


# The rehearsal mode that keeps the rehearsed task serving on this machine: the local way to a first price.
LOCAL_FIRST_PRICE = "rehearse --serve"


def next_steps(result: Any) -> list[str]:
    """What to run after `up`: where a first call can go from here, and the teardown, as typed here."""
    if result.target == "local":
        return [
            "Next: the emulator holds the AWS resources but runs no tasks, so nothing answers on these ports "
            "(verify, price and connect would find nothing to call).",
            f"  The local way to a first price: sudo {runnable(LOCAL_FIRST_PRICE)}",
            "  (runs the task definition on this machine as Fargate would, and keeps it serving).",
            f"Left running. Tear down with: {runnable('down')}",
        ]
    first_price = "--resource-type ec2 --sku t3.micro"
    dns_name = result.outputs["dns_name"]
    return [
        "Next: the ports answer inside the VPC only. From a host there:",
        f"  {runnable(f'price {dns_name} {first_price}')}",
        "  From here, through ECS Exec (deployed with --var enable_execute_command=true):",
        f"  {runnable('forward')}, then in another shell: {runnable(f'price 127.0.0.1 {first_price}')}",
        f"Left running. Tear down with: {runnable('down --target aws')}",
    ]


@app.command()
def down(
    target: TargetOption = "local",
    var: VariablesOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before destroying on real AWS.")] = False,
) -> None:
    """Destroy the quick start: stop the local emulator (which removes everything it held), or destroy it on AWS.

    Exit codes: 0 destroyed (or nothing was running); 1 Terraform failed; 2
    bad input, or a confirmation missing; 3 answered no.

    \b
    Examples:
      finfocus-ecs down
      finfocus-ecs down --target aws --yes
    """
    from finfocus_ecs.terraform import TerraformError
    from finfocus_ecs.up import down as run_down

    variables = quickstart_variables(var or [])
    if target == "aws" and not yes:
        if not sys.stdin.isatty():
            fail("destroying on real AWS asks first, and stdin is not a terminal: run it at a terminal, or with --yes")
        try:
            if not typer.confirm("Destroy the quick start in your AWS account?", default=False, err=True):
                fail("cancelled: nothing was destroyed", code=EXIT_CANCELLED)
        except typer.Abort:
            fail("cancelled: nothing was destroyed", code=EXIT_CANCELLED)
    try:
        with err.status("destroying" if target == "aws" else "stopping the emulator"):
            anything = run_down(target, variables=variables)
    except TerraformError as error:
        fail(f"terraform failed: {error}", code=EXIT_CHECK_FAILED)
    if target == "aws":
        out.print("Destroyed.")
    else:
        out.print("Stopped the emulator: the deployment it held is gone." if anything else "Nothing was running.")
