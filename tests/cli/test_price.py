"""`finfocus-ecs price` against region stand-ins on loopback: a price per region, and each way it can fail.

The stand-ins (tests/cli/standins.py) answer as v0.1.8 does, with prices from
their own table (finfocus_ecs/rehearsal/region_prices.json); the expected
prices here come from that table and the fact sheet's units (EC2: $/hour x
730; EBS: $/GB-month x GB).
"""

from __future__ import annotations

import json
from contextlib import ExitStack

import pytest

from finfocus_ecs.price import price
from finfocus_ecs.rehearsal.region_service import price_table
from tests.cli.standins import REGIONS, Silent, refused, start_region, stop
from tests.commands import run_cli


def mapping(ports: dict[str, int]) -> str:
    return ",".join(f"{region}={port}" for region, port in ports.items())


def hourly(region: str, sku: str) -> float:
    return price_table()["ec2"]["prices"][region][sku]


def run_price(ports: dict[str, int], *arguments: str):
    return run_cli("price", "127.0.0.1", "--region-ports", mapping(ports), *arguments)


@pytest.mark.parametrize("protocol", ["connect", "grpc"])
def test_every_region_priced_cheapest_first(standins, protocol):
    completed = run_price(standins, "--resource-type", "ec2", "--sku", "t3.micro", "--protocol", protocol, "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert (result["host"], result["resource_type"], result["sku"]) == ("127.0.0.1", "ec2", "t3.micro")
    rows = result["results"]
    cheapest_first = sorted(REGIONS, key=lambda region: (hourly(region, "t3.micro"), standins[region]))
    assert [row["region"] for row in rows] == cheapest_first
    for row in rows:
        assert row == {
            "region": row["region"],
            "port": standins[row["region"]],
            "unit_price": hourly(row["region"], "t3.micro"),
            "unit": "hour",
            "currency": "USD",
            "cost_per_month": pytest.approx(hourly(row["region"], "t3.micro") * 730),
            "cost_breakdown": None,
            "billing_detail": "On-demand Linux, Shared tenancy, 730 hrs/month",
            "error": None,
        }
        assert isinstance(row["unit_price"], float) and isinstance(row["cost_per_month"], float)


def test_table_marks_the_cheapest_region_and_gives_the_unit(standins):
    completed = run_price(standins, "--resource-type", "ebs", "--sku", "gp3", "--tag", "size=100")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert "12 of 12 regions priced" in lines[0]
    [cheapest] = [line for line in lines if "cheapest" in line]
    # us-east-1 and us-west-2 cost the same: the lower port comes first.
    first = min(("us-east-1", "us-west-2"), key=standins.__getitem__)
    assert first in cheapest and "$0.08/GB-month" in cheapest and "$8.00" in cheapest, cheapest
    assert "gp3" in cheapest, "the billing detail starts on the same line"


def test_only_the_regions_asked_for(standins):
    completed = run_price(
        standins, "--resource-type", "aws:ec2/instance:Instance", "--sku", "m5.large", "--only-region", "sa-east-1",
        "--only-region", "us-east-1", "--json",
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    rows = json.loads(completed.stdout)["results"]
    assert [(row["region"], row["cost_per_month"]) for row in rows] == [
        ("us-east-1", pytest.approx(hourly("us-east-1", "m5.large") * 730)),
        ("sa-east-1", pytest.approx(hourly("sa-east-1", "m5.large") * 730)),
    ]


def test_a_swapped_map_fails_both_rows_with_the_regions_they_serve(standins):
    swapped = {**standins, "us-east-1": standins["sa-east-1"], "sa-east-1": standins["us-east-1"]}
    completed = run_price(swapped, "--resource-type", "ec2", "--sku", "t3.micro", "--json")
    assert completed.returncode == 1
    rows = {row["region"]: row for row in json.loads(completed.stdout)["results"]}
    for mapped, serving in (("us-east-1", "sa-east-1"), ("sa-east-1", "us-east-1")):
        error = rows[mapped]["error"]
        # The plugin said unknown / HTTP 500 with the real code in its text; price reads it back.
        assert (error["kind"], error["code"]) == ("wrong-region", "FAILED_PRECONDITION")
        assert error["message"] == f"port {swapped[mapped]} serves {serving}, not {mapped}"
        assert "does not match the image" in error["cause"]
        assert rows[mapped]["cost_per_month"] is None
    assert sum(row["error"] is None for row in rows.values()) == len(REGIONS) - 2


@pytest.mark.parametrize(
    ("sku", "resource_type", "kind", "detail"),
    [
        ("t9.mega", "ec2", "unknown-sku", 'EC2 instance type "t9.mega" not found in pricing data'),
        ("standard", "aws:sqs/queue:Queue", "unsupported-type", 'Resource type "aws:sqs/queue:Queue" not supported'),
        ("cluster", "eks", "no-pricing-data", "EKS pricing data not available for region"),
    ],
)
def test_a_zero_answer_is_a_failed_row_never_a_price(standins, sku, resource_type, kind, detail):
    completed = run_price(standins, "--resource-type", resource_type, "--sku", sku, "--json")
    assert completed.returncode == 1
    rows = json.loads(completed.stdout)["results"]
    assert {row["error"]["kind"] for row in rows} == {kind}
    assert all(detail in row["error"]["message"] and row["cost_per_month"] is None for row in rows)
    table = run_price(standins, "--resource-type", resource_type, "--sku", sku)
    assert "$0.00" not in table.stdout and "0 of 12 regions priced" in table.stdout


@pytest.mark.parametrize("protocol", ["connect", "grpc"])
def test_the_plugins_own_refusal_arrives_with_its_real_code(standins, protocol):
    """An empty SKU: web mode sends `unknown`; the row shows InvalidArgument and the plugin's words."""
    one = {"us-east-1": standins["us-east-1"]}
    completed = run_price(one, "--resource-type", "ec2", "--sku", "", "--protocol", protocol, "--json")
    assert completed.returncode == 1
    [row] = json.loads(completed.stdout)["results"]
    assert (row["error"]["kind"], row["error"]["code"], row["error"]["message"]) == (
        "plugin",
        "INVALID_ARGUMENT",
        "resource.sku is required (use mapping helpers)",
    )


def test_dead_regions_fail_alone_and_at_once(standins):
    """A refused and three silent ports: each fails by its own cause, all three calls in flight at once.

    When the first call gives up on a silent port (it closes its connection
    at its timeout), all three have connected; one after another, only the
    first would have. The timeout is generous so that, on a loaded machine
    too, every call has started before the first one gives up.
    """
    holding = Silent()
    with ExitStack() as stack:
        dead = {"us-west-2": stack.enter_context(refused())}
        silent = {region: stack.enter_context(holding.port()) for region in REGIONS[2:5]}
        rows = price("127.0.0.1", {**standins, **dead, **silent}, "ec2", "t3.micro", timeout=5)
    kinds = {row.region: row.error.kind for row in rows if row.error}
    assert kinds == {"us-west-2": "refused", **dict.fromkeys(silent, "timeout")}
    assert holding.accepted_when_first_closed == len(silent), "every silent port's call in flight at once"
    assert [row.region for row in rows[-4:]] == sorted(kinds, key=lambda region: {**dead, **silent}[region])


@pytest.mark.parametrize("protocol", ["connect", "grpc-web", "grpc"])
def test_a_port_with_web_mode_off_says_so_or_prices_over_grpc(protocol):
    """Connect and gRPC-Web fail in the transport there; the row says web mode off and what to use instead."""
    process, port = start_region("eu-west-1", FINFOCUS_PLUGIN_WEB_ENABLED="false")
    try:
        arguments = ["--resource-type", "ec2", "--sku", "t3.micro", "--protocol", protocol, "--json"]
        completed = run_price({"eu-west-1": port}, *arguments)
    finally:
        stop(process)
    [row] = json.loads(completed.stdout)["results"]
    if protocol == "grpc":
        monthly = hourly("eu-west-1", "t3.micro") * 730
        assert (completed.returncode, row["cost_per_month"]) == (0, pytest.approx(monthly))
        return
    assert completed.returncode == 1
    assert (row["error"]["kind"], row["error"]["message"]) == ("web-off", "web mode off: use --protocol grpc")
    assert row["error"]["cause"].startswith("web mode off: the plugin answers gRPC")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--only-region", "eu-central-1"], "--only-region eu-central-1: not in this deployment's layout"),
        (["--tag", "size"], "--tag 'size' is not KEY=VALUE"),
        (["--protocol", "soap"], "--protocol 'soap' is not one of connect, connect-h2c, grpc-web, grpc"),
        (["--region-ports", "us-east-1=eighty"], "port 'eighty' of us-east-1 is not a whole number"),
        (["--image", "ghcr.io/rshade/finfocus-plugin-aws-public:latest"], "latest is not a release this module knows"),
    ],
)
def test_bad_input_is_a_usage_error(arguments, message):
    completed = run_cli("price", "127.0.0.1", "--resource-type", "ec2", "--sku", "t3.micro", *arguments)
    assert completed.returncode == 2, completed.stdout
    assert message in completed.stderr


def test_a_name_that_does_not_resolve_fails_every_row():
    rows = price("aws-public.finfocus.invalid", {"us-east-1": 8001, "us-west-2": 8002}, "ec2", "t3.micro")
    assert [(row.region, row.error.kind) for row in rows] == [("us-east-1", "dns"), ("us-west-2", "dns")]


@pytest.mark.parametrize("protocol", ["connect", "grpc"])
def test_a_later_release_prices_and_fails_the_same_way(protocol):
    """v0.1.10 (SDK v0.7.2) keeps the real code of its errors and adds cost_breakdown: the rows read the same."""
    started = {region: start_region(region, "0.1.10") for region in ("us-east-1", "eu-west-1")}
    try:
        ports = {region: port for region, (_, port) in started.items()}
        swapped = {"us-east-1": ports["eu-west-1"], "eu-west-1": ports["us-east-1"]}
        priced = run_price(ports, "--resource-type", "ec2", "--sku", "t3.micro", "--protocol", protocol, "--json")
        crossed = run_price(swapped, "--resource-type", "ec2", "--sku", "t3.micro", "--protocol", protocol, "--json")
    finally:
        for process, _ in started.values():
            stop(process)
    assert priced.returncode == 0, priced.stderr
    rows = {row["region"]: row for row in json.loads(priced.stdout)["results"]}
    assert {region: row["cost_per_month"] for region, row in rows.items()} == {
        region: pytest.approx(hourly(region, "t3.micro") * 730) for region in ports
    }
    assert all(sum(row["cost_breakdown"].values()) == pytest.approx(row["cost_per_month"]) for row in rows.values())
    assert crossed.returncode == 1
    errors = {row["region"]: row["error"] for row in json.loads(crossed.stdout)["results"]}
    assert {region: (error["kind"], error["code"]) for region, error in errors.items()} == dict.fromkeys(
        ports, ("wrong-region", "FAILED_PRECONDITION")
    )
    assert errors["us-east-1"]["message"] == f"port {swapped['us-east-1']} serves eu-west-1, not us-east-1"


def test_a_cause_shared_by_every_failed_row_is_printed_once_under_the_table():
    ports = {"us-east-1": 8001, "us-west-2": 8002, "eu-west-1": 8003}
    completed = run_cli(
        "price",
        "aws-public.finfocus.invalid",
        "--region-ports",
        ",".join(f"{r}={p}" for r, p in ports.items()),
        "--resource-type",
        "ec2",
        "--sku",
        "t3.micro",
        "--timeout",
        "1",
    )
    assert completed.returncode == 1, completed.stderr
    [cause] = {row.error.cause for row in price("aws-public.finfocus.invalid", ports, "ec2", "t3.micro")}
    printed = " ".join(completed.stdout.split())
    assert printed.count(" ".join(cause.split())) == 1
    assert printed.count("[1]") == len(ports) + 1, "each failed row refers to the one note"
