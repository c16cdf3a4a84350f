"""What a user changes on a live deployment updates it in place: one apply, one plan of the changes, their apply.

Replacing the ECS service is an outage and removes its Cloud Map records;
replacing the namespace or the Cloud Map service renames nothing but breaks
every client's DNS for a while. One root holds one module call per input a
user is expected to change (each its own name and namespace), applied once
against the emulator; one plan then changes each call's one input. Per call,
the plan must change what the input is about, and must neither replace nor
delete the service, the namespace or the Cloud Map service. Then the changes
are applied, and every AWS call the update paths made must be granted by the guide's IAM
prerequisites (retention back to "never expire", a rename). Switching
autoscaling, which moves the service to a resource of another name, is
tests/e2e/test_service_lifecycle.py's.

Where moto differs from AWS here (see tools/finfocus_ecs/emulator_server.py and
docs/emulator.md): moto drops the capacity-provider strategy and reports launch
type EC2, which alone would force a new service; the emulator echoes the
strategy as AWS does. moto runs no tasks: the deployment an update starts is
complete at once, so a deployment that fails is not exercised here. Only AWS
provider 5.100.0 runs here; what 6.x does is read from its source (ecs.tf).
"""

from __future__ import annotations

import pytest

from finfocus_ecs.deployment import IngressRule, ingress_rules
from finfocus_ecs.roots import write_root
from finfocus_ecs.terraform import Terraform
from tests.e2e.permissions import lacking_from_guide, terraform_calls
from tests.e2e.plans import action

pytestmark = pytest.mark.e2e

VPC_CIDR = "10.62.0.0/16"
SECONDARY_CIDR = "100.64.0.0/16"
SPOT_MOSTLY = [
    {"capacity_provider": "FARGATE_SPOT", "weight": 3},
    {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
]
IMAGE = "ghcr.io/rshade/finfocus-plugin-aws-public"

# call => (inputs at the first apply, inputs changed for the plan, addresses that must change and how).
# "create-first" is a replacement that registers the new resource before removing the old one.
CHANGES = {
    "image": (
        {"image": f"{IMAGE}:v0.1.8"},
        {"image": f"{IMAGE}:v0.1.7"},
        {
            "aws_ecs_task_definition.this": "create-first",
            "aws_ecs_service.this[0]": "update",
            # It holds the revision the service runs: a rolled-back deployment fails its postcondition.
            "terraform_data.service": "update",
        },
    ),
    "size": (
        {},
        {"cpu": 1024, "memory": 3072},
        {
            "aws_ecs_task_definition.this": "create-first",
            "aws_ecs_service.this[0]": "update",
            # It holds the revision the service runs: a rolled-back deployment fails its postcondition.
            "terraform_data.service": "update",
        },
    ),
    # allowed_cidr_blocks null: every IPv4 block of the VPC, whose secondary block the fixture adds.
    "count": (
        {"allowed_cidr_blocks": None},
        {"allowed_cidr_blocks": None, "desired_count": 2},
        {"aws_ecs_service.this[0]": "update"},
    ),
    "spot_added": ({}, {"capacity_provider_strategy": SPOT_MOSTLY}, {"aws_ecs_service.this[0]": "update"}),
    "spot_changed": (
        {"capacity_provider_strategy": SPOT_MOSTLY},
        {"capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}]},
        {"aws_ecs_service.this[0]": "update"},
    ),
    "sources": (
        {"allowed_cidr_blocks": [VPC_CIDR]},
        {"allowed_cidr_blocks": [VPC_CIDR, "10.99.0.0/16"], "allowed_security_group_ids": ["CLIENT_GROUP"]},
        {
            'aws_vpc_security_group_ingress_rule.this["8001-8010/allowed_cidr_blocks[1]"]': "create",
            'aws_vpc_security_group_ingress_rule.this["8001-8010/allowed_security_group_ids[0]"]': "create",
        },
    ),
    "retention": ({}, {"log_retention_in_days": 30}, {"aws_cloudwatch_log_group.this": "update"}),
    # Back to "never expire": logs:DeleteRetentionPolicy.
    "retention_forever": (
        {"log_retention_in_days": 30},
        {"log_retention_in_days": 0},
        {"aws_cloudwatch_log_group.this": "update"},
    ),
    "environment": (
        {},
        {"environment": {"EXTRA_SETTING": "1"}},
        {
            "aws_ecs_task_definition.this": "create-first",
            "aws_ecs_service.this[0]": "update",
            # It holds the revision the service runs: a rolled-back deployment fails its postcondition.
            "terraform_data.service": "update",
        },
    ),
}
# Not a change the guide calls live (nearly everything is named after `name`), but its update path must be
# granted: the namespace keeps its name and takes the new description in place. Its call runs on a cluster
# made with boto3: what a rename replaces is not asserted, and replacing the module's own cluster would add
# its four 10 s waits (delete, create, capacity providers out and in) to the apply.
RENAME = "rename"
# Each call's cluster waits 10 s, then its capacity providers 10 s more: at Terraform's default of
# 10 operations at once, 13 calls wait in three waves instead of one.
PARALLELISM = 64
MUST_STAY = (
    "aws_ecs_service.this[0]",
    "aws_service_discovery_private_dns_namespace.this[0]",
    "aws_service_discovery_service.this",
)


@pytest.fixture(scope="module")
def applied(emulator, tmp_path_factory):
    """Every call applied once: (Terraform, a function giving the calls' inputs, before 0 or after 1)."""
    emulator.reset()
    ec2 = emulator.client("ec2")
    # A VPC per call: moto allows one private namespace per VPC (AWS one per name).
    # The service's strategy names FARGATE, which AWS requires the cluster to have (moto does not check).
    rename_cluster = emulator.client("ecs").create_cluster(clusterName="renamed", capacityProviders=["FARGATE"])
    networks = {}
    for call in (*CHANGES, RENAME):
        vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.62.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        group = ec2.create_security_group(GroupName="client", Description="client", VpcId=vpc_id)["GroupId"]
        # Clients in a secondary block, such as 100.64.0.0/10 pod ranges, must be let in by default.
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=SECONDARY_CIDR)
        networks[call] = (vpc_id, subnet["SubnetId"], group)

    def calls(version: int) -> dict:
        inputs = {}
        rename = {"cluster_arn": rename_cluster["cluster"]["clusterArn"]}
        for call, steps in {**CHANGES, RENAME: (rename, {**rename, "name": "change-renamed"}, {})}.items():
            vpc_id, subnet_id, client_group = networks[call]
            changed = {
                key: [client_group if item == "CLIENT_GROUP" else item for item in value]
                if key == "allowed_security_group_ids"
                else value
                for key, value in steps[version].items()
            }
            inputs[call] = {
                "name": f"change-{call.replace('_', '-')}",
                "vpc_id": vpc_id,
                "subnet_ids": [subnet_id],
                "allowed_cidr_blocks": [VPC_CIDR],
                **changed,
            }
        return inputs

    directory = tmp_path_factory.mktemp("changes")
    write_root(directory, calls(0), provider={"region": "us-east-1"})
    terraform = Terraform(directory, env=emulator.aws_env())
    terraform.init()
    terraform.apply(parallelism=PARALLELISM)
    return terraform, calls


@pytest.fixture(scope="module")
def changes(applied):
    """Each call's change planned at once: call => address in the module => action."""
    terraform, calls = applied
    write_root(terraform.directory, calls(1), provider={"region": "us-east-1"})
    # Without refresh: the plan shows what the changed inputs do, not what moto reads back.
    plan = terraform.plan_json(extra_args=("-refresh=false",))
    found: dict[str, dict[str, str]] = {call: {} for call in (*CHANGES, RENAME)}
    for change in plan["resource_changes"]:
        if change["mode"] == "managed" and change.get("module_address", "").startswith("module."):
            call = change["module_address"].split(".")[1]
            address = change["address"].split(".", 2)[2]
            found[call][address] = action(change["change"]["actions"])
    return found


def test_default_sources_are_every_ipv4_block_of_the_vpc(emulator, applied):
    terraform, _ = applied
    outputs = terraform.outputs()["count"]
    ingress, _ = ingress_rules(emulator.client("ec2"), outputs["security_group_id"])
    assert ingress == {IngressRule(8001, 8010, VPC_CIDR), IngressRule(8001, 8010, SECONDARY_CIDR)}


@pytest.mark.parametrize("call", sorted(CHANGES))
def test_change_updates_in_place(changes, call):
    planned = {address: verb for address, verb in changes[call].items() if verb != "no-op"}
    assert planned == CHANGES[call][2], f"{call}: {planned}"
    for address in MUST_STAY:
        assert changes[call].get(address) in ("no-op", "update"), f"{call} would {changes[call].get(address)} {address}"


@pytest.fixture(scope="module")
def applied_changes(emulator, emulator_call_log, applied, changes):
    """The planned changes applied: the AWS calls the update paths made."""
    terraform, _ = applied
    calls_from = emulator_call_log.stat().st_size
    terraform.apply(parallelism=PARALLELISM)
    return terraform, terraform_calls(emulator_call_log, start=calls_from)


def test_the_changes_apply(emulator, applied_changes):
    """Switching autoscaling is tests/e2e/test_service_lifecycle.py's."""
    terraform, _ = applied_changes
    [group] = emulator.client("logs").describe_log_groups(logGroupNamePrefix="/ecs/change-retention-forever")[
        "logGroups"
    ]
    assert "retentionInDays" not in group, "back to never expire"
    assert terraform.planned_actions() == {}, "a plan after the apply changes no resource"


def test_a_rename_updates_the_namespace_in_place(changes, applied_changes, emulator):
    assert changes[RENAME]["aws_service_discovery_private_dns_namespace.this[0]"] == "update"
    assert changes[RENAME]["aws_service_discovery_service.this"] in ("no-op", "update")
    discovery = emulator.client("servicediscovery")
    descriptions = [
        discovery.get_namespace(Id=namespace["Id"])["Namespace"].get("Description", "")
        for namespace in discovery.list_namespaces()["Namespaces"]
    ]
    assert "Private DNS for the FinFocus pricing plugin (change-renamed)" in descriptions


def test_guide_iam_prerequisites_cover_every_update_path(applied_changes):
    _, calls = applied_changes
    assert {"logs:DeleteRetentionPolicy", "servicediscovery:UpdatePrivateDnsNamespace", "ecs:UpdateService"} <= calls
    lacking = lacking_from_guide(calls)
    assert not lacking, f"the guide's IAM policy lacks:\n{lacking}"
