"""`scan`: checkov and parliament over a module, a root or a plan, with the reports CI pipelines read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finfocus_ecs.cli.common import (
    EXIT_CHECK_FAILED,
    app,
    err,
    fail,
    out,
    print_json,
    require_extra,
)


@app.command()
def scan(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="PATH",
            help="A Terraform directory or a plan JSON (terraform show -json). Default: the module.",
            show_default=False,
        ),
    ] = None,
    sarif: Annotated[
        Path | None, typer.Option("--sarif", metavar="FILE", help="Also write a SARIF report here.")
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", metavar="FILE", help="Also write a JUnit XML report here.")
    ] = None,
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

    The first scan installs checkov into its own environment (.cache/checkov-venv,
    about a minute), and says so; --setup does only that.

    \b
    Examples:
      finfocus-ecs scan modules/finfocus_ecs
      finfocus-ecs scan plan.json --sarif checkov.sarif
      finfocus-ecs scan examples/quickstart --junit checkov.xml
    """
    require_extra("scan", "scan")
    from finfocus_ecs.project import MODULE_DIR
    from finfocus_ecs.scan import ScanError, ensure_checkov
    from finfocus_ecs.scan import scan as run_scan

    try:
        # Before the spinner: the first install takes about a minute, which the user should know is not a hang.
        ensure_checkov(progress=lambda message: err.print(f"{message}; this takes about a minute"))
        if setup:
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
