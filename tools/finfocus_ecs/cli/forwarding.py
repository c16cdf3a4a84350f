"""`forward`: the deployment's ports on this machine, through ECS Exec, until Ctrl-C."""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from finfocus_ecs.cli.common import (
    EXIT_CHECK_FAILED,
    RegionPortsOption,
    app,
    deployment_layout,
    err,
    fail,
    note,
    out,
    runnable,
)

if TYPE_CHECKING:
    from finfocus_ecs.forward import Sessions


@app.command()
def forward(
    local_port_offset: Annotated[
        int,
        typer.Option(
            "--local-port-offset",
            metavar="N",
            min=-8000,
            max=50000,
            help="Listen here on each regional port plus N (e.g. 1000: 9001 for 8001), when those ports are taken.",
        ),
    ] = 0,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster", metavar="CLUSTER", help="ECS cluster name or ARN. Default: the deployed quick start's."
        ),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option("--service", metavar="SERVICE", help="ECS service name. Default: the deployed quick start's."),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", metavar="REGION", help="AWS region of the deployment. Default: the deployed quick start's."
        ),
    ] = None,
    region_ports: RegionPortsOption = None,
    start_timeout: Annotated[
        float,
        typer.Option("--start-timeout", metavar="SECONDS", help="Seconds to wait for every session to listen."),
    ] = 60,
) -> None:
    """Forward the deployment's regional ports to 127.0.0.1 here, through ECS Exec, until Ctrl-C.

    The ports answer inside the VPC only. This starts one Session Manager
    port-forwarding session per regional port (`aws ssm start-session
    --document-name AWS-StartPortForwardingSession`) to the plugin container of
    a running task, so that `price`, `verify` and `connect` work against
    127.0.0.1 from this machine. The cluster, service, region and ports are
    the quick start's, as `up --target aws` deployed it from this clone.

    Needs: the service deployed with ECS Exec (`up --target aws --var
    enable_execute_command=true`), the AWS CLI and its Session Manager plugin
    (`session-manager-plugin`) on the PATH, and ssm:StartSession on the task.

    Exit codes: 0 stopped with Ctrl-C; 1 no task to forward to, ECS Exec
    off, or a session failed; 2 bad input or a tool missing.

    \b
    Examples:
      finfocus-ecs forward
      finfocus-ecs forward --local-port-offset 1000
      finfocus-ecs forward --cluster pricing --service finfocus-plugin-aws-public --region eu-west-1
    """
    from finfocus_ecs.deployment import deployed_quickstart
    from finfocus_ecs.forward import ForwardError, Sessions, exec_target, missing_tools
    from finfocus_ecs.project import RUN_DIR

    missing = missing_tools()
    if missing:
        fail(
            f"forward needs {' and '.join(missing)} on the PATH: install the AWS CLI and its Session Manager plugin "
            "(AWS's guide: 'Install the Session Manager plugin for the AWS CLI')"
        )
    deployed = deployed_quickstart() if None in (cluster, service, region) else None
    if deployed is not None and deployed.target == "aws":
        note(f"cluster, service and region of {deployed.describe()}")
        cluster = cluster or deployed.outputs["cluster_arn"]
        service = service or deployed.outputs["service_name"]
        region = region or deployed.outputs["region"]
    if None in (cluster, service, region):
        fail("nothing is deployed to AWS from this clone's quick start: give --cluster, --service and --region")
    ports = deployment_layout(None, region_ports, None).ports
    shown = {name: port + local_port_offset for name, port in ports.items()}
    if not all(1024 <= port <= 65535 for port in shown.values()):
        fail(f"--local-port-offset {local_port_offset} puts local ports outside 1024-65535: {shown}")
    try:
        with err.status(f"finding a running task of {service}"):
            target = exec_target(cluster, service, region)  # type: ignore[arg-type]
        with Sessions(target, region, ports, local_port_offset, RUN_DIR / "forward") as sessions:  # type: ignore[arg-type]
            with err.status(f"starting {len(ports)} sessions to task {target.task_id}"):
                sessions.wait_listening(start_timeout)
            _print_forwarded(target.task_id, sessions.local_ports, ports)
            _wait_for_ctrl_c(sessions)
    except ForwardError as error:
        fail(str(error), code=EXIT_CHECK_FAILED)
    err.print("stopped: every session closed")


def _print_forwarded(task_id: str, local_ports: dict[str, int], ports: dict[str, int]) -> None:
    table = Table(title=f"Forwarding to task {task_id} (Ctrl-C stops)", title_justify="left")
    for column in ("region", "here", "in the task"):
        table.add_column(column)
    for name in sorted(ports, key=ports.__getitem__):
        table.add_row(name, f"127.0.0.1:{local_ports[name]}", f"localhost:{ports[name]}")
    out.print(table)
    layout = "" if local_ports == ports else " --region-ports " + ",".join(f"{k}={v}" for k, v in local_ports.items())
    out.print(
        f"In another shell: {runnable('price 127.0.0.1 --resource-type ec2 --sku t3.micro' + layout)}",
        highlight=False,
    )


def _wait_for_ctrl_c(sessions: Sessions) -> None:
    """Until Ctrl-C (or SIGTERM); a session that ends by itself ends the command with its output."""
    stop = []
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        while not stop:
            sessions.check_alive()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
