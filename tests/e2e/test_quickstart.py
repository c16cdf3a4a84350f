"""The main job end to end: `finfocus-ecs up` (interrupted, then to the end), boto3 checks, `down`.

The quick start is deployed the way a user deploys it, by the command line in
a copy of the repository, so the developer's own quick-start state is never
touched; the checks then ask the emulator that `up` left running.

Ctrl-C is sent to `up`'s process group while apply holds the state lock, and
again, to an `up` that reuses the emulator, during its checks
(tests/e2e/test_interrupts.py has the other moments and says how each is hit).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from finfocus_ecs.emulator import Emulator
from finfocus_ecs.emulator_server import CALL_LOG_ENV
from finfocus_ecs.module import default_region_ports
from finfocus_ecs.terraform import Terraform
from tests.e2e.interrupting import (
    apply_holding_the_lock,
    assert_stopped_everything,
    cli,
    copy_repo,
    emulator_processes,
    interrupt_up,
)
from tests.e2e.permissions import lacking_from_guide, role_calls_outside_policy, terraform_calls

pytestmark = pytest.mark.e2e

CALL_LOG = "emulator-calls.log"


def write_vars(root, **values):
    path = root / "test.tfvars.json"
    path.write_text(json.dumps(values))
    return path


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="module")
def interrupted(repo):
    """`up` interrupted while apply holds the state lock (tests/e2e/test_interrupts.py has the other moments)."""
    return interrupt_up(repo, apply_holding_the_lock(repo))


@pytest.fixture(scope="module")
def up_result(repo, interrupted):
    """`up --json` after the interrupted one: the quick start applied with no inputs."""
    # The emulator this `up` starts records every AWS call, for the IAM prerequisites test.
    process = cli(repo, "up", "--json", extra_env={CALL_LOG_ENV: str(repo / CALL_LOG)})
    stdout, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr
    return json.loads(stdout)


@pytest.fixture(scope="module")
def emulator(repo, up_result):
    recorded = json.loads((repo / ".finfocus" / "emulator.json").read_text())
    return Emulator(**recorded)


@pytest.fixture(scope="module")
def interrupted_checks(repo, up_result, emulator):
    """`up` again, on the emulator the last one left, interrupted during its checks (the pause seam)."""
    pause = repo / ".finfocus" / "paused"
    env = {"FINFOCUS_TEST_PAUSE_AT": "verify through AWS APIs", "FINFOCUS_TEST_PAUSE_FILE": str(pause)}
    return interrupt_up(repo, lambda process: {} if pause.exists() else None, extra_env=env)


@pytest.fixture(scope="module")
def deployed(repo, up_result, emulator, interrupted_checks):
    terraform = Terraform(repo / "examples" / "quickstart", env={**emulator.aws_env(), "TF_WORKSPACE": "emulator"})
    return terraform, up_result["outputs"]


def test_ctrl_c_stops_the_emulator_it_started(interrupted):
    """The next `up` (the up_result fixture) then runs to the end: nothing was left locked."""
    assert_stopped_everything(interrupted)


def test_ctrl_c_during_the_checks_keeps_an_emulator_it_did_not_start(interrupted_checks, emulator):
    """That emulator and its deployment belong to the earlier `up`: they stay (test_second_plan_is_empty runs after)."""
    assert interrupted_checks["returncode"] == 130, interrupted_checks["stderr"]
    assert interrupted_checks["terraform"] == []
    assert interrupted_checks["recorded"] and emulator.is_alive()


def test_up_prints_every_endpoint_and_its_checks_pass(up_result, repo):
    assert up_result["outputs"]["endpoints"] == {
        region: f"aws-public.finfocus.local:{port}" for region, port in default_region_ports().items()
    }
    assert [check["ok"] for check in up_result["checks"]] == [True] * 5
    assert set(up_result["timings_seconds"]) >= {
        "start emulator (during init and apply)",
        "terraform apply",
        "verify through AWS APIs",
    }
    assert len(emulator_processes(repo)) == 1, "up leaves the emulator running for exploring"


def test_the_printed_emulator_hint_works_with_the_aws_cli(up_result, repo):
    """`export` the variables up prints, and the AWS CLI reaches the emulator: a region and keys included.

    With only AWS_ENDPOINT_URL (the hint before), the CLI stops at "You must specify a region" or
    "Unable to locate credentials". The machine's AWS CLI when there is one; else botocore, which AWS
    CLI v1 is, reading the same variables.
    """
    hint = up_result["emulator_env"]
    assert hint["AWS_ENDPOINT_URL"] == up_result["emulator_url"]
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name not in ("FINFOCUS_REPO_ROOT",)
    }
    env = {**clean, **hint, "AWS_CONFIG_FILE": str(repo / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(repo / "none")}
    aws = shutil.which("aws")
    command = (
        [aws, "ecs", "list-clusters", "--output", "json"]
        if aws
        else [sys.executable, "-c", "import boto3, json; print(json.dumps(boto3.client('ecs').list_clusters()))"]
    )
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert up_result["outputs"]["cluster_arn"] in json.loads(completed.stdout)["clusterArns"]


def test_cluster_exists_with_container_insights(emulator, deployed):
    _, outputs = deployed
    cluster = emulator.client("ecs").describe_clusters(clusters=[outputs["cluster_arn"]], include=["SETTINGS"])
    assert cluster["clusters"][0]["status"] == "ACTIVE"
    assert {"name": "containerInsights", "value": "enabled"} in cluster["clusters"][0]["settings"]


def test_task_definition_as_registered(emulator, deployed):
    _, outputs = deployed
    task = emulator.client("ecs").describe_task_definition(taskDefinition=outputs["task_definition_arn"])[
        "taskDefinition"
    ]
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("2048", "4096", "awsvpc")
    assert task["requiresCompatibilities"] == ["FARGATE"]
    containers = {container["name"]: container for container in task["containerDefinitions"]}
    mapped = {m["containerPort"] for c in containers.values() for m in c["portMappings"]}
    assert mapped == set(default_region_ports().values()) | {9090}
    plugin = containers["finfocus-plugin"]
    assert plugin["healthCheck"]["command"][0] == "CMD-SHELL" and "/healthz" in plugin["healthCheck"]["command"][1]
    assert plugin["logConfiguration"]["logDriver"] == "awslogs"
    assert plugin["logConfiguration"]["options"]["awslogs-group"] == outputs["log_group_name"]
    assert plugin["readonlyRootFilesystem"] is True
    assert plugin["mountPoints"] == [{"sourceVolume": "plugin-tmp", "containerPath": "/tmp", "readOnly": False}]
    assert {volume["name"] for volume in task["volumes"]} == {"plugin-tmp", "port-bridge-tmp"}
    assert task["executionRoleArn"] == outputs["execution_role_arn"]


def test_service_network_registry_and_circuit_breaker(emulator, deployed):
    _, outputs = deployed
    service = emulator.client("ecs").describe_services(
        cluster=outputs["cluster_arn"], services=[outputs["service_name"]]
    )["services"][0]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"
    assert sorted(network["subnets"]) == sorted(outputs["subnet_ids"])
    assert network["securityGroups"] == [outputs["security_group_id"]]
    assert [r["registryArn"] for r in service["serviceRegistries"]] == [outputs["cloud_map_service_arn"]]
    # Echoed by the emulator launcher's fix, as AWS echoes it.
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    # A strategy rather than a launch type (ecs.tf says why); AWS then reports no launch type.
    # The provider leaves out a base of 0; AWS reports it.
    strategy = [{"base": 0, **item} for item in service["capacityProviderStrategy"]]
    assert strategy == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert "launchType" not in service


def test_cloud_map_namespace_and_service(emulator, deployed):
    _, outputs = deployed
    discovery = emulator.client("servicediscovery")
    namespace = discovery.get_namespace(Id=outputs["namespace_id"])["Namespace"]
    assert (namespace["Name"], namespace["Type"]) == ("finfocus.local", "DNS_PRIVATE")
    service = discovery.get_service(Id=outputs["cloud_map_service_arn"].rsplit("/", 1)[1])["Service"]
    assert service["Name"] == "aws-public"
    assert service["DnsConfig"]["RoutingPolicy"] == "MULTIVALUE"
    assert service["DnsConfig"]["DnsRecords"] == [{"Type": "A", "TTL": 60}]


def test_security_group_rules_exact(emulator, deployed):
    _, outputs = deployed
    ec2 = emulator.client("ec2")
    vpc_cidr = ec2.describe_vpcs(VpcIds=[outputs["vpc_id"]])["Vpcs"][0]["CidrBlock"]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [outputs["security_group_id"]]}])[
        "SecurityGroupRules"
    ]
    # The default source: a prefix list of the VPC's IPv4 blocks, one here.
    ingress = sorted(
        (r["FromPort"], r["ToPort"], r["IpProtocol"], r.get("PrefixListId")) for r in rules if not r["IsEgress"]
    )
    egress = sorted((r["FromPort"], r["ToPort"], r["IpProtocol"], r.get("CidrIpv4")) for r in rules if r["IsEgress"])
    assert [rule[:3] for rule in ingress] == [(8001, max(default_region_ports().values()), "tcp")]
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=ingress[0][3])["Entries"]
    assert [entry["Cidr"] for entry in entries] == [vpc_cidr]
    assert egress == [(443, 443, "tcp", "0.0.0.0/0")]


def test_execution_role_and_log_group(emulator, deployed):
    _, outputs = deployed
    iam = emulator.client("iam")
    role_name = outputs["execution_role_arn"].rsplit("/", 1)[1]
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AmazonECSTaskExecutionRolePolicy"]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    groups = emulator.client("logs").describe_log_groups(logGroupNamePrefix=outputs["log_group_name"])["logGroups"]
    assert [(g["logGroupName"], g["retentionInDays"]) for g in groups] == [(outputs["log_group_name"], 365)]


def test_second_plan_is_empty(deployed):
    terraform, _ = deployed
    changes, text = terraform.plan_has_changes()
    assert not changes, text


def test_new_image_tag_is_a_new_revision_and_an_in_place_service_update(deployed):
    terraform, _ = deployed
    new_image = write_vars(terraform.directory, image="ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.7")
    actions = terraform.planned_actions(new_image, refresh=False)
    assert actions == {
        "module.finfocus.aws_ecs_task_definition.this": "replace",
        "module.finfocus.aws_ecs_service.this[0]": "update",
        # It holds the revision the service runs, for the rollback postcondition.
        "module.finfocus.terraform_data.service": "update",
    }


def test_desired_count_change_updates_the_service_in_place(deployed):
    terraform, _ = deployed
    actions = terraform.planned_actions(write_vars(terraform.directory, desired_count=2), refresh=False)
    assert actions == {"module.finfocus.aws_ecs_service.this[0]": "update"}


def test_destroy_leaves_nothing(emulator, deployed):
    terraform, _ = deployed
    (terraform.directory / "test.tfvars.json").unlink(missing_ok=True)
    terraform.destroy()
    ecs = emulator.client("ecs")
    # Like AWS, the emulator keeps a deleted cluster visible as INACTIVE.
    clusters = ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"]
    assert [c["clusterName"] for c in clusters if c["status"] != "INACTIVE"] == []
    assert ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"] == []
    discovery = emulator.client("servicediscovery")
    assert discovery.list_namespaces()["Namespaces"] == []
    assert discovery.list_services()["Services"] == []
    ec2 = emulator.client("ec2")
    assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []
    assert [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"] == []
    assert (
        ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["available", "pending"]}])["NatGateways"] == []
    )
    iam = emulator.client("iam")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("finfocus")] == []
    assert emulator.client("logs").describe_log_groups(logGroupNamePrefix="/ecs/finfocus")["logGroups"] == []


def test_guide_iam_prerequisites_cover_every_call_of_apply_and_destroy(repo):
    """What Terraform called while `up` applied the quick start and the test above destroyed it."""
    calls = terraform_calls(repo / CALL_LOG)
    assert {"ecs:CreateService", "ecs:DeleteService", "ec2:CreateVpc", "ec2:DeleteVpc"} <= calls, sorted(calls)
    lacking = lacking_from_guide(calls)
    assert not lacking, f"the guide's IAM policy lacks:\n{lacking}"


def test_the_deployer_policy_reaches_only_the_roles_the_quick_start_made_and_passed(repo, up_result):
    """Each IAM call on the role it named, and the execution role passed to ECS tasks, within the policy's scope."""
    role = up_result["outputs"]["execution_role_arn"]
    assert role.endswith(f"role/finfocus-plugin-aws-public-execution-{up_result['outputs']['region']}")
    outside = role_calls_outside_policy(repo / CALL_LOG, 0, role.split(":")[4], passed_roles=[role])
    assert outside == []


def test_down_stops_the_emulator(repo, emulator):
    process = cli(repo, "down")
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "Stopped the emulator: the deployment it held is gone." in stdout
    assert emulator_processes(repo) == []
    assert not emulator.is_alive()
    assert not (repo / "examples" / "quickstart" / "terraform.tfstate.d" / "emulator").exists()
    again = cli(repo, "down")
    assert again.communicate(timeout=60)[0].strip() == "Nothing was running."
