"""Autoscaling and alarms against the emulator: planned, applied, resized behind Terraform's back, destroyed.

Autoscaling reads the subnets (free addresses for every task autoscaling may
start), so it plans against the emulator rather than offline; bad values of
its variables fail before anything is read, and are in tests/plan/cases.py. The emulator's
Application Auto Scaling stores targets and policies but scales nothing, and
its CloudWatch stores alarms but never evaluates them (docs/emulator.md):
these tests show what the module creates and that applies leave
autoscaling's count alone, not that the policies scale.
"""

from __future__ import annotations

import json

import pytest

from tests.commands import per_task, run_cli
from tests.e2e.permissions import lacking_from_guide, terraform_calls
from tests.e2e.roots import emulator_root
from tests.plan.cases import assert_clear_error

pytestmark = pytest.mark.e2e

AUTOSCALING = {"min_capacity": 2, "max_capacity": 6, "memory_target": 80, "scale_in_cooldown": 120}
ALARMS = ("cpu-high", "memory-high", "tasks-not-running", "tasks-replaced-repeatedly")


@pytest.fixture(scope="module")
def network(emulator):
    """A fresh emulator with a VPC, two /24 subnets and a /28 one, a cluster and an SNS topic, made with boto3."""
    emulator.reset()
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.62.0.0/16")["Vpc"]["VpcId"]
    places = (("10.62.1.0/24", "us-east-1a"), ("10.62.2.0/24", "us-east-1b"), ("10.62.3.0/28", "us-east-1a"))
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in places
    ]
    cluster = emulator.client("ecs").create_cluster(clusterName="scaling", capacityProviders=["FARGATE"])["cluster"]
    topic = emulator.client("sns").create_topic(Name="finfocus-pager")["TopicArn"]
    return {
        "inputs": {
            "vpc_id": vpc_id,
            "subnet_ids": subnets[:2],
            "allowed_cidr_blocks": ["10.62.0.0/16"],
            "cluster_arn": cluster["clusterArn"],
        },
        "tiny_subnet": subnets[2],
        "topic": topic,
    }


def call_of(diagnostic: dict) -> str:
    """The module call an error is about: the call's block in main.tf.json, or its copy of the module."""
    filename = (diagnostic.get("range") or {}).get("filename", "")
    if filename.startswith(".terraform/modules/"):
        return filename.split("/")[2]
    return (diagnostic.get("snippet") or {}).get("context", "").removeprefix("module.")


def plan_diagnostics(emulator, directory, calls: dict[str, dict]) -> dict[str, dict[str, list[str]]]:
    """One plan of every call: severity => each call's messages, told apart by the block or module copy."""
    terraform = emulator_root(emulator, directory, calls)
    found: dict[str, dict[str, list[str]]] = {
        "error": {call: [] for call in calls},
        "warning": {call: [] for call in calls},
    }
    for diagnostic in terraform.plan_diagnostics():
        text = " ".join(f"{diagnostic['summary']}: {diagnostic['detail']}".split())
        found[diagnostic["severity"]].setdefault(call_of(diagnostic), []).append(text)
    return found


def test_inputs_that_do_not_fit_each_other_fail_the_plan_and_full_subnets_warn(emulator, network, tmp_path):
    """Preconditions, in a root of their own: Terraform checks them only once every variable is valid.

    Free addresses change as tasks start, so they only warn (a check block):
    after a scale-out, a precondition on them would fail every plan of the root.
    """
    calls = {
        "desired_outside": {
            **network["inputs"],
            "name": "desired-outside",
            "autoscaling": {"min_capacity": 2, "max_capacity": 4},
            "desired_count": 1,
        },
        # The /28 has 11 free addresses: 20 tasks cannot all get one.
        "max_over_addresses": {
            **network["inputs"],
            "name": "max-over-addresses",
            "subnet_ids": [network["tiny_subnet"]],
            "autoscaling": {"max_capacity": 20},
        },
        "fits": {**network["inputs"], "name": "fits", "autoscaling": {"max_capacity": 20}},
    }
    found = plan_diagnostics(emulator, tmp_path, calls)
    errors, warnings = found["error"], found["warning"]
    assert_clear_error(
        errors["desired_outside"], "desired_count = 1 is outside autoscaling's 2-4 tasks", "the module changes neither"
    )
    assert errors["max_over_addresses"] == [], "a warning, never an error"
    assert_clear_error(
        warnings["max_over_addresses"],
        "autoscaling.max_capacity = 20 tasks need a network interface each",
        "have 11 free addresses beside the tasks running now",
    )
    assert errors["fits"] == [] and not any("network interface" in w for w in warnings.get("fits", []))


@pytest.fixture(scope="module")
def applied(emulator, emulator_call_log, network, tmp_path_factory):
    """The applied root, its outputs, and where in the emulator's call log its calls begin."""
    inputs = {
        **network["inputs"],
        "name": "scaled",
        "desired_count": 2,
        "autoscaling": AUTOSCALING,
        "alarm_actions": [network["topic"]],
    }
    terraform = emulator_root(emulator, tmp_path_factory.mktemp("scaled"), {"scaled": inputs})
    calls_from = emulator_call_log.stat().st_size
    terraform.apply()
    return terraform, terraform.outputs()["scaled"], calls_from


def test_autoscaling_target_and_policies_exist(emulator, applied):
    _, outputs, _ = applied
    scaling = emulator.client("application-autoscaling")
    [target] = scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert (target["ResourceId"], target["ScalableDimension"]) == (
        "service/scaling/scaled-autoscaled",
        "ecs:service:DesiredCount",
    )
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    assert outputs["autoscaling_resource_id"] == "service/scaling/scaled-autoscaled"
    policies = {
        policy["PolicyName"]: policy["TargetTrackingScalingPolicyConfiguration"]
        for policy in scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    }
    assert {
        name: (
            config["TargetValue"],
            config["PredefinedMetricSpecification"]["PredefinedMetricType"],
            config["ScaleInCooldown"],
            config["ScaleOutCooldown"],
        )
        for name, config in policies.items()
    } == {
        "scaled-cpu": (75.0, "ECSServiceAverageCPUUtilization", 120, 60),
        "scaled-memory": (80.0, "ECSServiceAverageMemoryUtilization", 120, 60),
    }


def test_alarms_name_what_broke_and_notify_the_topic(emulator, network, applied):
    _, outputs, _ = applied
    # Target tracking adds alarms of its own (TargetTracking-service/...), as on AWS.
    described = emulator.client("cloudwatch").describe_alarms(AlarmNamePrefix="scaled-")["MetricAlarms"]
    alarms = {alarm["AlarmName"]: alarm for alarm in described}
    assert sorted(alarms) == sorted(f"scaled-{name}" for name in ALARMS)
    assert sorted(outputs["alarm_arns"]) == sorted(alarms)
    dimensions = [{"Name": "ClusterName", "Value": "scaling"}, {"Name": "ServiceName", "Value": "scaled-autoscaled"}]
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [network["topic"]] and alarm["OKActions"] == [network["topic"]]
        assert alarm["AlarmDescription"].startswith("FinFocus pricing plugin scaled: ")
    single = {name: alarms[f"scaled-{name}"] for name in ("cpu-high", "memory-high")}
    assert {name: (alarm["Namespace"], alarm["MetricName"]) for name, alarm in single.items()} == {
        "cpu-high": ("AWS/ECS", "CPUUtilization"),
        "memory-high": ("AWS/ECS", "MemoryUtilization"),
    }
    assert all(sorted(alarm["Dimensions"], key=str) == sorted(dimensions, key=str) for alarm in single.values())
    missing = alarms["scaled-tasks-not-running"]
    queries = {query["Id"]: query for query in missing["Metrics"]}
    assert (queries["missing_tasks"]["Expression"], missing["TreatMissingData"]) == (
        "desired - FILL(running, 0)",
        "notBreaching",
    )
    assert {name: queries[name]["MetricStat"]["Metric"]["MetricName"] for name in ("desired", "running")} == {
        "desired": "DesiredTaskCount",
        "running": "RunningTaskCount",
    }
    replaced = {query["Id"]: query for query in alarms["scaled-tasks-replaced-repeatedly"]["Metrics"]}
    assert replaced["replaced"]["Expression"] == "IF(deployments > 1 OR desired_most > desired_least, 0, pending)"
    assert replaced["pending"]["MetricStat"]["Metric"]["Namespace"] == "ECS/ContainerInsights"


@pytest.fixture(scope="module")
def rescaled(emulator, applied):
    """The plan after the count changed as Application Auto Scaling changes it: (plan JSON, service)."""
    terraform, outputs, _ = applied
    ecs = emulator.client("ecs")
    # What Application Auto Scaling does when it scales out.
    ecs.update_service(cluster=outputs["cluster_arn"], service="scaled-autoscaled", desiredCount=5)
    plan = terraform.plan_json()
    [service] = ecs.describe_services(cluster=outputs["cluster_arn"], services=["scaled-autoscaled"])["services"]
    return plan, service


def test_a_later_apply_leaves_the_count_autoscaling_chose(rescaled):
    """No resource changes after the count changed behind Terraform's back (so none right after apply either).

    Resource changes only: this root outputs the whole module, whose container
    definitions the provider reads back with other whitespace (an output change).
    """
    plan, service = rescaled
    changes = {
        change["address"]: change["change"]["actions"]
        for change in plan["resource_changes"]
        if change["mode"] == "managed" and change["change"]["actions"] != ["no-op"]
    }
    assert changes == {}
    assert service["desiredCount"] == 5


def test_cost_of_the_plan_gives_autoscaling_s_range(rescaled, tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(rescaled[0]))
    completed = run_cli("cost", "--plan", str(plan_file), "--json")
    assert completed.returncode == 0, completed.stderr
    [item] = json.loads(completed.stdout)
    scaling = item["autoscaling"]
    assert (scaling["min_capacity"], scaling["max_capacity"]) == (2, 6)
    # Four tasks more cost four times one task's lines.
    assert scaling["total_at_max"] - scaling["total_at_min"] == pytest.approx(4 * per_task(item), abs=0.02)


def test_destroy_leaves_no_target_policy_or_alarm(emulator, applied):
    terraform, outputs, _ = applied
    terraform.destroy()
    scaling = emulator.client("application-autoscaling")
    assert scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []
    assert scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []
    # Deregistering the policies removes target tracking's own alarms too.
    assert emulator.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    services = emulator.client("ecs").describe_services(cluster=outputs["cluster_arn"], services=["scaled-autoscaled"])[
        "services"
    ]
    assert [service["status"] for service in services] in ([], ["INACTIVE"])


def test_guide_iam_prerequisites_cover_autoscaling_and_alarms(emulator_call_log, applied):
    """What Terraform called from this file's apply to its destroy, the test above."""
    calls = terraform_calls(emulator_call_log, start=applied[2])
    assert {"application-autoscaling:RegisterScalableTarget", "monitoring:PutMetricAlarm"} <= calls, sorted(calls)
    lacking = lacking_from_guide(calls)
    assert not lacking, f"the guide's IAM policy lacks:\n{lacking}"
