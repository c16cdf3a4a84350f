"""`deployer-policy`: the IAM policy that applies and destroys the module, for one account."""

from __future__ import annotations

from typing import Annotated

import typer

from finfocus_ecs.cli.common import EXIT_USAGE, ModuleDefaultsHelp, NameOption, app, fail, print_json


@app.command("deployer-policy", cls=ModuleDefaultsHelp)
def deployer_policy(
    account_id: Annotated[
        str | None,
        typer.Option(
            "--account-id",
            metavar="ACCOUNT_ID",
            help="Account to write into the ARNs. Default: the account of your credentials.",
        ),
    ] = None,
    name: NameOption = None,
    partition: Annotated[
        str | None,
        typer.Option(
            "--partition", metavar="PARTITION", help="aws, aws-cn or aws-us-gov. Default: your credentials', else aws."
        ),
    ] = None,
    pass_role: Annotated[
        list[str] | None,
        typer.Option(
            "--pass-role", metavar="ROLE_ARN", help="ARN of a role of yours that you give the module (repeatable)."
        ),
    ] = None,
    permissions_boundary: Annotated[
        str | None,
        typer.Option(
            "--permissions-boundary",
            metavar="POLICY_ARN",
            help="The module's iam_role_permissions_boundary, if you set it.",
        ),
    ] = None,
) -> None:
    """Print the least-privilege IAM policy a deployer needs for the module and the quick start's network.

    Its IAM actions reach only the module's roles (NAME-*), which it may pass
    to ECS tasks only. docs/ecs-deployment.md, section 2, says what each
    statement is for.

    Examples:

      finfocus-ecs deployer-policy > deployer-policy.json

      finfocus-ecs deployer-policy --account-id 123456789012 --name pricing
    """
    from finfocus_ecs.deployer_policy import render
    from finfocus_ecs.module import variables

    if account_id is None or partition is None:
        found_account, found_partition = _caller(account_id is None)
        account_id = account_id or found_account
        partition = partition or found_partition
    if not (account_id.isdigit() and len(account_id) == 12):
        fail(f"--account-id {account_id} is not an AWS account id: give its 12 digits.", EXIT_USAGE)
    print_json(
        render(
            name or variables()["name"].default,
            account_id,
            partition,
            passed_roles=pass_role or (),
            boundary=permissions_boundary,
        )
    )


def _caller(need_account: bool) -> tuple[str, str]:
    """(account, partition) of the credentials, from STS GetCallerIdentity, which needs no permission."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        arn = boto3.client("sts").get_caller_identity()["Arn"]
    except (BotoCoreError, ClientError) as error:
        if need_account:
            fail(f"cannot read your account ({error}): give --account-id.", EXIT_USAGE)
        return "", "aws"
    return arn.split(":")[4], arn.split(":")[1]
