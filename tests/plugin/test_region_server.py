"""The stand-in region binary answers as v0.1.8 does, held to the fact sheet (calling-the-plugin.md).

The expected texts, codes and status lines here are the fact sheet's,
written out, not read from the stand-in: these tests are what keeps the
stand-in honest, so that everything proved against it (price, verify,
connect, the bridge) is proved against the real plugin's behaviour.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time

import grpc
import pytest

from finfocus_ecs.plugin_api import METHODS, PluginClient, PluginError, messages, resource
from tests.cli.standins import start_region, stop

PATH = "/finfocus.v1.CostSourceService/"


def post(port: int, method: str, body: bytes | str, content_type: str = "application/json", **headers: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("POST", PATH + method, body, {"Content-Type": content_type, **headers})
    response = connection.getresponse()
    answer = (response.status, response.getheader("Content-Type"), response.read())
    connection.close()
    return answer


def connect_json(port: int, method: str, request: dict) -> tuple[int, dict]:
    status, _, body = post(port, method, json.dumps(request))
    return status, json.loads(body)


def ec2(region="us-east-1", sku="t3.micro", **fields) -> dict:
    return {"resource": {"provider": "aws", "resourceType": "ec2", "sku": sku, "region": region, **fields}}


def test_name_is_the_plugins_on_every_port_and_get_plugin_info_says_the_region(port):
    other, other_port = start_region("sa-east-1")
    try:
        names = {connect_json(p, "Name", {})[1]["name"] for p in (port, other_port)}
        info = connect_json(other_port, "GetPluginInfo", {})[1]
    finally:
        stop(other)
    assert names == {"finfocus-plugin-aws-public"}, "Name cannot tell regions apart"
    assert info == {
        "name": "finfocus-plugin-aws-public",
        "version": "0.1.8",
        "specVersion": "v0.6.0",
        "providers": ["aws"],
        "metadata": {"region": "sa-east-1", "type": "public-pricing-fallback"},
    }


# Worked examples A-C of the fact sheet (3.5), at the stand-in's table's prices (t3.micro 0.0104, gp3 0.08, gp2 0.10).
EXAMPLES = {
    "A: EC2 t3.micro": (
        ec2(),
        {
            "unitPrice": 0.0104,
            "currency": "USD",
            "costPerMonth": 7.592,
            "billingDetail": "On-demand Linux, Shared tenancy, 730 hrs/month",
            "growthType": "GROWTH_TYPE_NONE",
        },
    ),
    "A: the Pulumi form": (ec2(resourceType="aws:ec2/instance:Instance"), {"costPerMonth": 7.592}),
    "B: EBS gp3 100 GB": (
        ec2(resourceType="ebs", sku="gp3", tags={"size": "100"}),
        {
            "unitPrice": 0.08,
            "currency": "USD",
            "costPerMonth": 8,
            "billingDetail": "gp3 volume, 100 GB, $0.0800/GB-month",
            "growthType": "GROWTH_TYPE_NONE",
        },
    ),
    "B: EBS gp2 without a size": (
        ec2(resourceType="ebs", sku="gp2"),
        {
            "unitPrice": 0.1,
            "currency": "USD",
            "costPerMonth": 0.8,
            "billingDetail": "gp2 volume, 8 GB (defaulted), $0.1000/GB-month",
            "growthType": "GROWTH_TYPE_NONE",
            "metadata": {"defaults_applied": "size=8", "estimate_quality": "medium"},
        },
    ),
    "C: unsupported type": (
        ec2(resourceType="aws:sqs/queue:Queue", sku="standard"),
        {"currency": "USD", "billingDetail": 'Resource type "aws:sqs/queue:Queue" not supported for cost estimation'},
    ),
    "C: unknown SKU": (
        ec2(sku="t9.mega"),
        {"currency": "USD", "billingDetail": 'EC2 instance type "t9.mega" not found in pricing data'},
    ),
}


@pytest.mark.parametrize("example", EXAMPLES)
def test_worked_examples_answer_200_with_these_fields(port, example):
    request, expected = EXAMPLES[example]
    status, answer = connect_json(port, "GetProjectedCost", request)
    assert status == 200
    if example.startswith("A: the Pulumi"):
        answer = {key: answer[key] for key in expected}
    assert answer == expected, "zero and empty fields are left out, as proto3 JSON does"


# GetProjectedCost's validation, in the plugin's order (fact sheet 3.3): the first failing step answers.
REFUSALS = {
    "no resource": ({}, "InvalidArgument", "request and resource are required"),
    "zero-cost type, no provider": (
        {"resource": {"resourceType": "vpc", "region": "us-east-1"}},
        "InvalidArgument",
        "provider is required",
    ),
    "zero-cost type, other region": (
        {"resource": {"provider": "aws", "resourceType": "aws:ec2/vpc:Vpc", "region": "eu-west-1"}},
        "FailedPrecondition",
        "region mismatch",
    ),
    "no provider (checked before the type)": (
        {"resource": {"resourceType": "", "sku": "", "region": ""}},
        "InvalidArgument",
        "resource.provider is required",
    ),
    "no type": ({"resource": {"provider": "gcp"}}, "InvalidArgument", "resource.resource_type is required"),
    "no sku": (ec2(sku=""), "InvalidArgument", "resource.sku is required (use mapping helpers)"),
    "no region": (ec2(region=""), "InvalidArgument", "resource.region is required (use mapping helpers)"),
    "utilization above 1": (
        {**ec2(), "utilizationPercentage": 1.5},
        "InvalidArgument",
        "utilization_percentage must be between 0.0 and 1.0",
    ),
    "another provider (checked before the region)": (
        {"resource": {"provider": "gcp", "resourceType": "ec2", "sku": "t3.micro", "region": "eu-west-1"}},
        "InvalidArgument",
        'only "aws" provider is supported',
    ),
    "D: another region": (ec2(region="eu-west-1"), "FailedPrecondition", "region mismatch"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refusals_arrive_as_connect_unknown_with_the_real_code_in_the_text(port, case):
    """Web mode: HTTP 500, application/json, code unknown, and no details (they are lost)."""
    request, code, message = REFUSALS[case]
    status, content_type, body = post(port, "GetProjectedCost", json.dumps(request))
    assert (status, content_type) == (500, "application/json")
    assert json.loads(body) == {"code": "unknown", "message": f"rpc error: code = {code} desc = {message}"}


def test_refusals_arrive_over_grpc_as_unknown_with_the_same_text(port):
    stub = grpc.insecure_channel(f"127.0.0.1:{port}").unary_unary(
        METHODS["GetProjectedCost"].path,
        request_serializer=messages.GetProjectedCostRequest.SerializeToString,
        response_deserializer=messages.GetProjectedCostResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as raised:
        stub(messages.GetProjectedCostRequest(resource=resource("ec2", "t3.micro", "eu-west-1")), timeout=5)
    assert (raised.value.code(), raised.value.details()) == (
        grpc.StatusCode.UNKNOWN,
        "rpc error: code = FailedPrecondition desc = region mismatch",
    )


def test_supports_fails_on_the_wire(port):
    assert connect_json(port, "Supports", ec2()) == (
        500,
        {
            "code": "unknown",
            "message": 'rpc error: code = InvalidArgument desc = no plugin registered for provider "aws" and region '
            '"us-east-1"',
        },
    )
    assert connect_json(port, "Supports", {})[1]["message"].endswith("desc = resource descriptor is required")


def test_pricing_spec_for_each_kind_of_resource(port):
    def spec(request: dict) -> dict:
        status, answer = connect_json(port, "GetPricingSpec", request)
        assert status == 200
        return answer["spec"]

    instance = spec(ec2())
    assert (instance["billingMode"], instance["unit"], instance["ratePerUnit"], instance["source"]) == (
        "per_hour",
        "hour",
        0.0104,
        "aws-public",
    )
    volume = spec({"resource": {"provider": "aws", "resourceType": "EBS", "sku": "gp3", "region": "us-east-1"}})
    assert (volume["billingMode"], volume["unit"], volume["resourceType"]) == ("per_gb_month", "GB-month", "EBS")
    unknown = spec(ec2(sku="t9.mega"))
    assert "ratePerUnit" not in unknown and unknown["description"].endswith("not found in pricing data")
    assert spec(ec2(resourceType="aws:sqs/queue:Queue"))["billingMode"] == "unknown"
    assert spec({"resource": {"provider": "aws", "resourceType": "subnet"}})["billingMode"] == "zero_cost"
    assert connect_json(port, "GetPricingSpec", ec2(region="eu-west-1"))[1]["message"].endswith("region mismatch")


def test_every_protocol_on_the_one_port(port):
    """Connect JSON (HTTP/1.1), Connect binary (h2c), gRPC-Web (HTTP/1.1) and gRPC (h2c) get the same answer."""
    answers = {}
    for protocol in ("connect", "connect-h2c", "grpc-web", "grpc"):
        with PluginClient("127.0.0.1", port, protocol) as client:
            answers[protocol] = client.projected_cost(resource("ec2", "m5.large", "us-east-1")).cost_per_month
    assert set(answers.values()) == {0.096 * 730}
    status, content_type, body = post(port, "Name", messages.NameRequest().SerializeToString(), "application/proto")
    assert (status, content_type, messages.NameResponse.FromString(body).name) == (
        200,
        "application/proto",
        "finfocus-plugin-aws-public",
    )


def test_healthz_and_other_paths(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    answers = {}
    for method, path in (("GET", "/healthz"), ("HEAD", "/healthz"), ("POST", "/healthz"), ("GET", "/nothing")):
        connection.request(method, path)
        response = connection.getresponse()
        answers[(method, path)] = (response.status, response.getheader("Content-Type"), response.read())
    connection.close()
    assert answers == {
        ("GET", "/healthz"): (200, "text/plain; charset=utf-8", b"ok"),
        ("HEAD", "/healthz"): (200, "text/plain; charset=utf-8", b""),
        ("POST", "/healthz"): (405, "text/plain; charset=utf-8", b"method not allowed\n"),
        ("GET", "/nothing"): (404, "text/plain; charset=utf-8", b"404 page not found\n"),
    }


def test_a_request_over_one_mib_is_refused_before_it_is_read(port):
    """By its Content-Length alone: the answer comes before the body is sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(
            f"POST {PATH}GetProjectedCost HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {(1 << 20) + 1}\r\n\r\n".encode()
        )
        response = http.client.HTTPResponse(raw)
        response.begin()
        answer = (response.status, response.read())
    assert answer == (413, b"payload too large\n")


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        (
            {"FINFOCUS_CORS_ALLOWED_ORIGINS": "*", "FINFOCUS_CORS_ALLOW_CREDENTIALS": "true"},
            "cannot enable credentials with wildcard origin (*); security risk",
        ),
        ({"FINFOCUS_CORS_ALLOWED_ORIGINS": "*,https://app.example.com"}, "wildcard origin (*) cannot be combined"),
    ],
)
def test_cors_settings_the_plugin_refuses_stop_it_at_start(environment, message):
    program = "from finfocus_ecs.rehearsal.region_server import main; raise SystemExit(main('us-east-1', []))"
    completed = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, timeout=30
    )
    assert completed.returncode == 1
    assert message in completed.stdout


def test_without_web_mode_errors_keep_their_code():
    """FINFOCUS_PLUGIN_WEB_ENABLED=false: plain gRPC mode sends the real code (and no /healthz)."""
    process, bound = start_region("us-east-1", FINFOCUS_PLUGIN_WEB_ENABLED="false")
    try:
        with PluginClient("127.0.0.1", bound, "grpc") as client, pytest.raises(PluginError) as raised:
            client.projected_cost(resource("ec2", "t3.micro", "eu-west-1"))
        connection = http.client.HTTPConnection("127.0.0.1", bound, timeout=5)
        connection.request("GET", "/healthz")
        healthz = connection.getresponse().status
        connection.close()
    finally:
        stop(process)
    assert (raised.value.wire_code, raised.value.code, raised.value.kind) == (
        "FAILED_PRECONDITION",
        "FAILED_PRECONDITION",
        "wrong-region",
    )
    assert healthz == 404


def test_connections_are_closed_as_soon_as_their_clients_close_them(port):
    """As Go's server does: sockets a client has closed do not pile up in CLOSE_WAIT (they stalled HTTP/2)."""
    for _ in range(20):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        connection.close()
    for protocol in ("grpc", "connect-h2c"):
        with PluginClient("127.0.0.1", port, protocol) as client:
            client.name()
    deadline = time.monotonic() + 2
    while waiting_to_close(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting_to_close(port) == 0


def waiting_to_close(port: int) -> int:
    listing = subprocess.run(
        ["ss", "-Htan", "state", "close-wait", "sport", "=", f":{port}"], capture_output=True, text=True, check=True
    )
    return len(listing.stdout.splitlines())


def test_one_connection_serves_any_number_of_calls(port):
    """Go's server puts no limit on the requests of a connection; Hypercorn's default sent GOAWAY after 1000.

    A client that keeps one channel open (the benchmarks, the local plugin, a
    long-lived service) must never see its connection end under it.
    """
    with PluginClient("127.0.0.1", port, "grpc") as client:
        names = {client.name() for _ in range(1100)}
    assert names == {"finfocus-plugin-aws-public"}
