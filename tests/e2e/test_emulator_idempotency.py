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
