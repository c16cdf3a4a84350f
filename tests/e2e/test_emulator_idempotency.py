"""The emulator honours EC2's ClientToken as AWS does, so a retried create makes nothing twice.

moto 5.2.5 created a second route table when the provider retried a
CreateRouteTable whose answer was lost; the quick start's VPC then could not
be destroyed. tools/finfocus_ecs/emulator_server.py honour_client_tokens.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_create_repeated_with_its_client_token_returns_the_first_resource(emulator):
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.71.0.0/16")["Vpc"]["VpcId"]
    first = ec2.create_route_table(VpcId=vpc_id, ClientToken="retry-1")["RouteTable"]["RouteTableId"]
    again = ec2.create_route_table(VpcId=vpc_id, ClientToken="retry-1")["RouteTable"]["RouteTableId"]
    other = ec2.create_route_table(VpcId=vpc_id, ClientToken="retry-2")["RouteTable"]["RouteTableId"]
    assert again == first and other != first
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    assert sorted(table["RouteTableId"] for table in tables if not table["Associations"]) == sorted({first, other})


def _create_group(endpoint: str, invocation: str, attempt: int) -> bytes:
    """CreateSecurityGroup as the SDK sends an attempt of one call: the same invocation id on every attempt."""
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode(
        {"Action": "CreateSecurityGroup", "Version": "2016-11-15", "GroupName": "retried", "GroupDescription": "x"}
    ).encode()
    request = urllib.request.Request(endpoint, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x",
    )
    request.add_header("amz-sdk-invocation-id", invocation)
    request.add_header("amz-sdk-request", f"attempt={attempt}; max=2")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        return error.read()


def test_a_retried_call_whose_answer_was_lost_gets_that_answer_and_a_new_call_does_not(emulator):
    """answer_sdk_retries_once: moto drops answers under load; AWS would not, so the SDK's retry must not fail."""
    emulator.reset()
    first = _create_group(emulator.endpoint_url, "11111111-aaaa", 1)
    assert b"<groupId>" in first
    assert _create_group(emulator.endpoint_url, "11111111-aaaa", 2) == first
    assert b"InvalidGroup.Duplicate" in _create_group(emulator.endpoint_url, "22222222-bbbb", 1)
    groups = emulator.client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": ["retried"]}])
    assert len(groups["SecurityGroups"]) == 1
