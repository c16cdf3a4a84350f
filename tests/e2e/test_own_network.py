"""Bring your own network: given vpc_id and subnet_ids, the quick start creates none."""

from __future__ import annotations

import json

import pytest

from finfocus_ecs.deployment import ingress_rules
from finfocus_ecs.roots import copy_quickstart
from finfocus_ecs.terraform import Terraform

pytestmark = pytest.mark.e2e

NETWORK_TYPES = {
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_nat_gateway",
    "aws_eip",
    "aws_route_table",
    "aws_route_table_association",
}


def test_existing_vpc_and_subnets_are_used_as_they_are(emulator, tmp_path):
    emulator.reset()
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.77.1.0/24", "us-east-1a"), ("10.77.2.0/24", "us-east-1b"))
    ]
    root = copy_quickstart(tmp_path)
    (root / "own.tfvars.json").write_text(json.dumps({"vpc_id": vpc_id, "subnet_ids": subnet_ids}))
    terraform = Terraform(root, env=emulator.aws_env())
    terraform.init()
    terraform.apply(var_file=root / "own.tfvars.json")

    state = json.loads((root / "terraform.tfstate").read_text())
    created_types = {resource["type"] for resource in state["resources"] if resource["mode"] == "managed"}
    assert created_types & NETWORK_TYPES == set()
    assert "aws_ecs_service" in created_types
    vpcs = [vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"] if not vpc["IsDefault"]]
    assert vpcs == [vpc_id]

    outputs = terraform.outputs()
    assert outputs["vpc_id"] == vpc_id
    service = emulator.client("ecs").describe_services(
        cluster=outputs["cluster_arn"], services=[outputs["service_name"]]
    )["services"][0]
    assert sorted(service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]) == sorted(subnet_ids)
    ingress, _ = ingress_rules(ec2, outputs["security_group_id"])
    assert {rule.source for rule in ingress} == {"10.77.0.0/16"}
