"""Switching autoscaling on and off as ECS runs it: never a moment without the service, in any root.

The two services (service.tf) have names of their own and are created
before the other is destroyed. This applies, against an emulator that drains
a deleted service for DRAIN_SECONDS (longer than any overlap of a delete and
a create within one apply: a name clash fails every time) and registers one
Cloud Map instance per desired task, three module calls in one root:

- `guarded`, read whole (every output) by a resource of the root with
  create_before_destroy, which Terraform forces onto everything it depends
  on, inside the module too;
- `plain`, read by nothing;
- `east` and `west`: one `name` in two regions of the account, whose IAM
  role names must not clash (IAM is account-wide, in the emulator too).

`guarded` and `plain` switch autoscaling on, then off. After every apply each
call has exactly one ACTIVE ECS service and a plan changes nothing; during
each switch their Cloud Map names never answer with no address. Upgrades
from earlier releases, with a switch in the same apply too, are
tests/e2e/test_upgrade.py's.
"""

from __future__ import annotations

import pytest

from finfocus_ecs.roots import write_root
from finfocus_ecs.terraform import Terraform
from tests.e2e.watching import CloudMapWatch, active_services

pytestmark = pytest.mark.e2e

DRAIN_SECONDS = 5
SWITCHING = ("guarded", "plain")
REGIONS = {"east": "us-east-1", "west": "eu-west-1"}
SCALED = {"autoscaling": {"min_capacity": 1, "max_capacity": 3}}


def network(emulator, region: str, cidr: str) -> dict:
    """A VPC with one subnet and a cluster with FARGATE, made with boto3 (moto: one namespace per VPC)."""
    ec2 = emulator.client("ec2", region)
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    block = cidr.replace("0.0/16", "1.0/24")
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=block, AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    cluster = emulator.client("ecs", region).create_cluster(clusterName="lifecycle", capacityProviders=["FARGATE"])
    return {"vpc_id": vpc_id, "subnet_ids": [subnet], "cluster_arn": cluster["cluster"]["clusterArn"]}


@pytest.fixture(scope="module")
def root(emulator, tmp_path_factory):
    """The root applied once with every call fixed: (Terraform, a function writing its calls, switched on or off)."""
    emulator.reset()
    emulator.settings(drain_seconds=DRAIN_SECONDS)
    networks = {
        "guarded": network(emulator, "us-east-1", "10.71.0.0/16"),
        "plain": network(emulator, "us-east-1", "10.72.0.0/16"),
        "east": network(emulator, "us-east-1", "10.73.0.0/16"),
        "west": network(emulator, "eu-west-1", "10.74.0.0/16"),
    }
    directory = tmp_path_factory.mktemp("lifecycle")
    extra = {
        # Every output of `guarded`, read by a resource that Terraform replaces create-first.
        "resource": {
            "terraform_data": {"reader": {"input": "${module.guarded}", "lifecycle": {"create_before_destroy": True}}}
        },
        "provider": {"aws": [{"region": "us-east-1"}, {"alias": "west", "region": "eu-west-1"}]},
    }

    def write(scaled: bool) -> None:
        calls = {
            call: {"name": f"lifecycle-{call}", **networks[call], **(SCALED if scaled else {})} for call in SWITCHING
        }
        calls.update({call: {"name": "lifecycle-both", **networks[call]} for call in REGIONS})
        calls["west"]["providers"] = {"aws": "aws.west"}
        write_root(directory, calls, extra=extra)

    write(scaled=False)
    # Two configurations of the provider (the west alias): it runs its own, not the shared one.
    terraform = Terraform(directory, env=emulator.aws_env(), share_provider=False)
    terraform.init()
    terraform.apply(parallelism=64)
    return terraform, write


def services_of(emulator, call: str) -> list[str]:
    """The ACTIVE ECS services of a call: of its name, in its region's cluster."""
    name = "lifecycle-both" if call in REGIONS else f"lifecycle-{call}"
    region = REGIONS.get(call, "us-east-1")
    return [service for service in active_services(emulator, "lifecycle", region) if service.startswith(name)]


@pytest.fixture(scope="module")
def switched(emulator, root):
    """Autoscaling switched on, then off: per switch, the outputs after it and the Cloud Map watch during it."""
    terraform, write = root
    steps = {}
    for scaled in (True, False):
        before = terraform.outputs()
        write(scaled=scaled)
        with CloudMapWatch(emulator, {call: before[call]["cloud_map_service_arn"] for call in SWITCHING}) as watch:
            terraform.apply(parallelism=64)
        steps["on" if scaled else "off"] = {
            "outputs": terraform.outputs(),
            "services": {call: services_of(emulator, call) for call in SWITCHING},
            "watch": watch,
            "plan": terraform.planned_actions(),
        }
    return steps


def test_one_name_deploys_in_two_regions_of_one_account(emulator, root):
    """IAM role names carry the region: the second region's roles do not clash with the first's."""
    terraform, _ = root
    outputs = terraform.outputs()
    roles = {call: outputs[call]["execution_role_arn"].rsplit("/", 1)[-1] for call in REGIONS}
    assert roles == {call: f"lifecycle-both-execution-{region}" for call, region in REGIONS.items()}
    assert {call: services_of(emulator, call) for call in REGIONS} == {call: ["lifecycle-both"] for call in REGIONS}


@pytest.mark.parametrize("step", ["on", "off"])
def test_each_switch_leaves_one_active_service_of_its_name_and_an_empty_plan(switched, step):
    outputs = switched[step]["outputs"]
    suffix = "-autoscaled" if step == "on" else ""
    assert switched[step]["services"] == {call: [f"lifecycle-{call}{suffix}"] for call in SWITCHING}
    assert {call: outputs[call]["service_name"] for call in SWITCHING} == {
        call: f"lifecycle-{call}{suffix}" for call in SWITCHING
    }
    assert switched[step]["plan"] == {}, "a plan after the switch changes nothing"


@pytest.mark.parametrize("step", ["on", "off"])
def test_the_name_answers_throughout_each_switch_even_under_create_before_destroy(switched, step):
    """The new service registers its task before the old one's is deregistered: one address, two, then one."""
    watch = switched[step]["watch"]
    assert {call: watch.counts(call) for call in SWITCHING} == {call: [1, 2, 1] for call in SWITCHING}


def test_the_autoscaling_target_follows_the_service(emulator, switched):
    scaling = emulator.client("application-autoscaling")
    assert switched["on"]["outputs"]["plain"]["autoscaling_resource_id"] == (
        "service/lifecycle/lifecycle-plain-autoscaled"
    )
    assert scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []
    assert switched["off"]["outputs"]["plain"]["autoscaling_resource_id"] is None
