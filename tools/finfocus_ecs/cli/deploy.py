"""`up` and `down`: the quick start against the emulator or an AWS account, and its teardown."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from finfocus_ecs.cli.common import (
    EXIT_CHECK_FAILED,
    app,
    err,
    fail,
    out,
    print_json,
)


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
    """Destroy the quick start: stop the local emulator (which removes everything it held), or destroy it on AWS.

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
        with err.status("destroying" if target == "aws" else "stopping the emulator"):
            anything = run_down(target)
    except TerraformError as error:
        fail(f"terraform failed:\n{error}", code=EXIT_CHECK_FAILED)
    if target == "aws":
        out.print("Destroyed.")
    else:
        out.print("Stopped the emulator: the deployment it held is gone." if anything else "Nothing was running.")
