"""plugin_api reads what the plugin says and what the network did, the same way over every protocol."""

from __future__ import annotations

import pytest

from finfocus_ecs.plugin_api import PluginClient, PluginError, flatten, unflatten
from finfocus_ecs.plugin_api.facts import service_of, unit_of
from tests.cli.standins import HealthzOnly, http_server, listener, refused, self_signed

PROTOCOLS = ("connect", "connect-h2c", "grpc-web", "grpc")


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (
            "UNKNOWN",
            "rpc error: code = FailedPrecondition desc = region mismatch",
            ("FAILED_PRECONDITION", "region mismatch"),
        ),
        ("UNKNOWN", "rpc error: code = InvalidArgument desc = a: b = c", ("INVALID_ARGUMENT", "a: b = c")),
        ("UNKNOWN", "rpc error: code = Canceled desc = gone", ("CANCELLED", "gone")),
        ("UNKNOWN", "something else broke", ("UNKNOWN", "something else broke")),
        ("INTERNAL", "rpc error: code = NotFound desc = x", ("INTERNAL", "rpc error: code = NotFound desc = x")),
    ],
)
def test_unflatten_reads_the_real_code_out_of_unknown_only(code, message, expected):
    assert unflatten(code, message) == expected


def test_flatten_writes_grpc_gos_status_text():
    flattened = flatten("FAILED_PRECONDITION", "region mismatch")
    assert flattened == "rpc error: code = FailedPrecondition desc = region mismatch"
    assert unflatten("UNKNOWN", flatten("DEADLINE_EXCEEDED", "slow")) == ("DEADLINE_EXCEEDED", "slow")


@pytest.mark.parametrize(
    ("resource_type", "service", "unit"),
    [
        ("ec2", "ec2", "hour"),
        ("EC2", "ec2", "hour"),
        ("aws:ec2/instance:Instance", "ec2", "hour"),
        ("aws:ec2/volume:Volume", "ebs", "GB-month"),
        ("aws:ebs/volume:Volume", "ebs", "GB-month"),
        ("aws:ec2/natGateway:NatGateway", "natgw", "hour"),
        ("aws:ec2/vpc:Vpc", "vpc", None),
        ("aws:ec2/vpcEndpoint:VpcEndpoint", "ec2", "hour"),  # the fact sheet's caution: any other aws:ec2/ is ec2
        ("aws:s3/bucket:Bucket", "s3", "GB-month"),
        ("aws:rds/instance:Instance", "rds", "hour"),
        ("alb", "elb", "hour"),
        ("aws:lb/loadBalancer:LoadBalancer", "elb", "hour"),
        ("aws:iam/role:Role", "iam", None),
        ("lambda", "lambda", None),
        ("aws:sqs/queue:Queue", None, None),
        ("kafka", None, None),
    ],
)
def test_resource_types_map_to_the_plugins_services(resource_type, service, unit):
    assert (service_of(resource_type), unit_of(resource_type)) == (service, unit)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_transport_failures_are_classified_the_same_over_every_protocol(protocol, tmp_path):
    kinds = {}
    servers = {
        "refused": refused(),
        "timeout": listener(close_at_once=False),
        "closed": listener(close_at_once=True),
        "tls": http_server(self_signed(tmp_path).wrap_socket),
    }
    for expected, server in servers.items():
        with server as port, PluginClient("127.0.0.1", port, protocol, timeout=1) as client:
            try:
                client.name()
            except PluginError as error:
                kinds[expected] = error.kind
    assert kinds == {kind: kind for kind in servers}


@pytest.mark.parametrize("protocol", ["connect-h2c", "grpc"])
def test_an_http1_only_server_is_named_for_the_http2_clients(protocol):
    with (
        http_server(handler=HealthzOnly) as port,
        PluginClient("127.0.0.1", port, protocol, timeout=1) as client,
        pytest.raises(PluginError) as raised,
    ):
        client.name()
    assert raised.value.kind == "http1"
