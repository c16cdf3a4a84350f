"""Issue 13 against the emulator: an existing namespace is checked through Route 53, and apply waits.

An existing namespace is looked up through Route 53, so those cases plan
against the emulator; the wait and the trust policies' values (the account is
known only once the log group exists) are checked by one apply against it.
"""

from __future__ import annotations

import json

import pytest

from finfocus_ecs import iam_audit
from tests.e2e.roots import emulator_root
from tests.plan.cases import assert_clear_error

pytestmark = pytest.mark.e2e


@pytest.fixture
def emulator_network(emulator):
    """A fresh emulator with a VPC, a subnet and a cluster made with boto3: no Terraform waits for them."""
    emulator.reset()
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.61.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    # The service's strategy names FARGATE, which AWS requires the cluster to have (moto does not check).
    cluster_arn = emulator.client("ecs").create_cluster(clusterName="hardening", capacityProviders=["FARGATE"])[
        "cluster"
    ]["clusterArn"]
    return {
        "vpc_id": vpc_id,
        "subnet_ids": [subnet_id],
        "allowed_cidr_blocks": ["10.61.0.0/16"],
        "cluster_arn": cluster_arn,
    }


def test_existing_namespace_name_is_checked_against_the_vpc(emulator, emulator_network, tmp_path):
    """namespace_id is used as given; a namespace_name that is not its name in this VPC fails the plan.

    The emulator cannot show the good case: its Cloud Map makes no Route 53 zone
    of the namespace's name and links none (on AWS the zone's LinkedService
    description is the namespace's ARN). A zone of the name in the VPC that
    Cloud Map does not own stands for "another namespace".
    """
    discovery = emulator.client("servicediscovery")
    operation = discovery.create_private_dns_namespace(Name="finfocus.local", Vpc=emulator_network["vpc_id"])
    namespace_id = discovery.get_operation(OperationId=operation["OperationId"])["Operation"]["Targets"]["NAMESPACE"]
    emulator.client("route53").create_hosted_zone(
        Name="finfocus.local",
        CallerReference="hardening",
        HostedZoneConfig={"PrivateZone": True, "Comment": "not made by Cloud Map"},
        VPC={"VPCRegion": "us-east-1", "VPCId": emulator_network["vpc_id"]},
    )
    base = {**emulator_network, "namespace_id": namespace_id}
    calls = {
        "not_that_namespace": {**base, "name": "other-zone", "namespace_name": "finfocus.local"},
        "no_such_name": {**base, "name": "no-zone", "namespace_name": "elsewhere.local"},
    }
    terraform = emulator_root(emulator, tmp_path, calls)
    errors = {call: [] for call in calls}
    for diagnostic in terraform.plan_diagnostics():
        if diagnostic["severity"] == "error":
            call = (diagnostic.get("range") or {}).get("filename", "").split("/")[2]
            errors[call].append(f"{diagnostic['summary']}: {diagnostic['detail']}")
    assert_clear_error(
        errors["not_that_namespace"],
        f'namespace_name = "finfocus.local" is not the name of namespace_id = "{namespace_id}"',
        "belongs to no Cloud Map namespace",
    )
    assert_clear_error(errors["no_such_name"], "no matching Route 53 Hosted Zone found", "")


def test_apply_waits_for_every_desired_task_and_trust_policies_name_the_account(emulator, emulator_network, tmp_path):
    calls = {
        "waits": {
            **emulator_network,
            "name": "waits",
            "desired_count": 2,
            "enable_execute_command": True,
            "dns_egress_cidr_blocks": ["10.61.0.2/32"],
        }
    }
    terraform = emulator_root(emulator, tmp_path, calls)
    terraform.apply()  # wait_for_steady_state is on: this returns only once 2 of 2 tasks run

    service = emulator.client("ecs").describe_services(cluster=emulator_network["cluster_arn"], services=["waits"])[
        "services"
    ][0]
    assert (service["runningCount"], service["desiredCount"]) == (2, 2)
    iam = emulator.client("iam")
    trust = {
        role: iam.get_role(RoleName=f"waits-{role}-us-east-1")["Role"]["AssumeRolePolicyDocument"]["Statement"][0][
            "Condition"
        ]
        for role in ("execution", "task")
    }
    assert trust == {
        "execution": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        "task": {
            "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"},
            "StringEquals": {"aws:SourceAccount": "123456789012"},
        },
    }
    state = json.loads((tmp_path / "terraform.tfstate").read_text())
    dns_rules = [resource for resource in state["resources"] if resource["name"] in ("dns_udp", "dns_tcp")]
    assert sorted(
        (instance["attributes"]["ip_protocol"], instance["attributes"]["cidr_ipv4"])
        for resource in dns_rules
        for instance in resource["instances"]
    ) == [("tcp", "10.61.0.2/32"), ("udp", "10.61.0.2/32")]

    # The scan audits these trust policies before apply, rendered from their statements with placeholders
    # for the account. Applied, the provider rendered them itself: the same documents, and still clean.
    applied = json.loads(terraform.run("show", "-json", "-no-color").out)["values"]["root_module"]
    resources = [resource for module in applied.get("child_modules", []) for resource in module["resources"]]
    documents = [r for r in resources if r["mode"] == "data" and r["type"] == iam_audit.DOCUMENT_TYPE]
    assert len(documents) == 3  # two trust policies and ECS Exec's
    for document in documents:
        rendered, placeholders = iam_audit.render_document(document["values"])
        assert placeholders == []
        assert normalized(rendered) == normalized(json.loads(document["values"]["json"])), document["address"]
    audited = iam_audit.audit_resources(resources)
    assert sorted(policy.kind for policy in audited) == ["managed", "permissions", "trust", "trust"]
    findings = {(f.issue, iam_audit.block_key(policy.address)) for policy in audited for f in policy.findings}
    assert findings == {("RESOURCE_STAR", "aws_iam_role_policy_attachment.execution")}, "explained in iam.tf"


def normalized(value):
    """A policy with every one-element list written as a list and lists sorted, as IAM compares them."""
    if isinstance(value, dict):
        return {key: normalized(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted((normalized(item) for item in value), key=json.dumps)
    return [value] if isinstance(value, str) and value else value
