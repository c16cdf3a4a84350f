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
        + " from the VPC CIDR; egress 443 only"
    )
    out.print(f"Logs:             {outputs['log_group_name']}")
    if result.emulator_url:
        out.print(f"Emulator:         {result.emulator_url} (export AWS_ENDPOINT_URL={result.emulator_url} to explore)")
    checks = Table(title="Checked through the AWS APIs", title_justify="left")
    checks.add_column("check")
    checks.add_column("result")
    checks.add_column("detail")
    for finding in result.findings:
        checks.add_row(finding.check, "ok" if finding.ok else "FAILED", finding.detail)
    out.print(checks)
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
