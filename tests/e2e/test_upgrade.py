"""Upgrading from every earlier release of the module, with and without switching autoscaling in the same apply.

A user who bumps the module's `ref` gets every change since their release in
one plan. Each release CHANGELOG.md names is applied here from its own
commit (git archive), in one root with one call per case: with the defaults
(and alarms, once releases had them), and, for releases with autoscaling,
with autoscaling, then switched on, and switched off, as part of the upgrade.
Then every source moves to this checkout, and one apply must upgrade them
all: the Cloud Map namespace and service, the log group and the security
group are never replaced, the service only where the CHANGELOG says so
(the launch type of 0.1.0 and 0.2.0; the autoscaled service's new name),
and after it each call has exactly one ACTIVE ECS service, of the expected
name, and a plan changes nothing.

The emulator drains a deleted service as ECS does, long enough here that a
create of the same name overlapping a delete fails every time
(DRAIN_SECONDS), runs no tasks, and registers one Cloud Map instance per
desired task (docs/emulator.md). State written by a release before this one
records no service as create-before-destroy, so an upgrade that also
switches deletes the old service while it creates the new one (service.tf):
what the name's records did meanwhile is recorded, and the guide says what
it means on AWS.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from finfocus_ecs.changelog import Release, releases
from finfocus_ecs.project import MODULE_DIR, REPO_ROOT
from finfocus_ecs.roots import write_root
from finfocus_ecs.terraform import Terraform
from tests.e2e.permissions import lacking_from_guide, role_calls_outside_policy, terraform_calls
from tests.e2e.plans import action
from tests.e2e.watching import CloudMapWatch, active_services

pytestmark = pytest.mark.e2e

CLUSTER = "upgrade"
# Longer than any overlap of a delete and a create in one apply: such a clash fails every time.
DRAIN_SECONDS = 5
PARALLELISM = 64
ALWAYS_KEPT = (
    "aws_service_discovery_private_dns_namespace.this[0]",
    "aws_service_discovery_service.this",
    "aws_cloudwatch_log_group.this",
    "aws_security_group.this",
)


def module_at(release: Release, directory: Path) -> Path:
    """modules/finfocus_ecs as `release` shipped it, extracted under directory; its path."""
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", release.commit, "modules/finfocus_ecs"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.fail(
            f"the upgrade test reads release {release.version} ({release.commit}) from the repository's history "
            f"(a full clone, not a shallow one): {archive.stderr.decode().strip()}"
        )
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(directory / release.version, filter="data")
    return directory / release.version / "modules" / "finfocus_ecs"


def has_autoscaling(module: Path) -> bool:
    return 'variable "autoscaling"' in (module / "variables.tf").read_text()


def cases(release: Release, module: Path, new_service_tf: bool) -> dict[str, tuple[dict, dict]]:
    """Call => (its inputs with the release, its inputs with this checkout).

    Every release is upgraded with the defaults (and alarms, once it had them). The first release of each
    service.tf (each way of running the service: its resources, names and orderings, which decide what an
    upgrade plans for it) is also upgraded with autoscaling, and switched on and off in the same apply;
    the releases after it with the same service.tf would repeat those plans.
    """
    stem = "r" + release.version.replace(".", "-")
    if not has_autoscaling(module):
        return {f"{stem}-kept": ({}, {})}
    found = {f"{stem}-kept": ({"alarm_actions": ["TOPIC"]}, {"alarm_actions": ["TOPIC"]})}
    if new_service_tf:
        scaled = {"autoscaling": {"max_capacity": 4}}
        found[f"{stem}-scaled-kept"] = ({**scaled, "alarm_actions": ["TOPIC"]}, {**scaled, "alarm_actions": ["TOPIC"]})
        found[f"{stem}-switched-on"] = ({}, scaled)
        found[f"{stem}-switched-off"] = (scaled, {"desired_count": 2})
    return found


@pytest.fixture(scope="module")
def upgrade(emulator, emulator_call_log, tmp_path_factory):
    """Every release's calls applied from its commit, then planned with this checkout's module."""
    emulator.reset()
    emulator.settings(drain_seconds=DRAIN_SECONDS)
    ec2 = emulator.client("ec2")
    topic = emulator.client("sns").create_topic(Name="upgrade-pager")["TopicArn"]
    # A cluster of the user's: the provider waits 20 s after creating one and its capacity providers.
    emulator.client("ecs").create_cluster(clusterName=CLUSTER, capacityProviders=["FARGATE"])
    cluster_arn = emulator.client("ecs").describe_clusters(clusters=[CLUSTER])["clusters"][0]["clusterArn"]
    sources = tmp_path_factory.mktemp("releases")
    calls: dict[str, dict] = {}
    service_tf_before = ""
    for release in releases():
        module = module_at(release, sources)
        service_tf = (module / "service.tf").read_text() if (module / "service.tf").exists() else ""
        new_service_tf, service_tf_before = service_tf != service_tf_before, service_tf
        for call, (before, after) in cases(release, module, new_service_tf).items():
            # A VPC per call: moto allows one private namespace per VPC (AWS one per name).
            vpc_id = ec2.create_vpc(CidrBlock="10.63.0.0/16")["Vpc"]["VpcId"]
            subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.63.1.0/24", AvailabilityZone="us-east-1a")
            common = {"name": call, "vpc_id": vpc_id, "subnet_ids": [subnet["Subnet"]["SubnetId"]]}
            common["cluster_arn"] = cluster_arn
            calls[call] = {
                "release": release,
                "source": module,
                "before": {**common, **_topic(before, topic)},
                "after": {**common, **_topic(after, topic)},
            }
    root = tmp_path_factory.mktemp("upgrade")
    write_calls(
        root, {call: case["before"] for call, case in calls.items()}, {c: v["source"] for c, v in calls.items()}
    )
    terraform = Terraform(root, env=emulator.aws_env())
    terraform.init()
    terraform.apply(parallelism=PARALLELISM)
    before_outputs = terraform.outputs()

    write_calls(root, {call: case["after"] for call, case in calls.items()}, {c: MODULE_DIR for c in calls})
    terraform.init()
    plan = terraform.plan_json()
    calls_from = emulator_call_log.stat().st_size
    with CloudMapWatch(emulator, {call: out["cloud_map_service_arn"] for call, out in before_outputs.items()}) as watch:
        terraform.apply(parallelism=PARALLELISM)
    return terraform, calls, plan, watch, terraform_calls(emulator_call_log, start=calls_from), calls_from


def _topic(inputs: dict, topic: str) -> dict:
    return {key: [topic] if value == ["TOPIC"] else value for key, value in inputs.items()}


def write_calls(root: Path, calls: dict[str, dict], sources: dict[str, Path]) -> None:
    """One root whose calls each name their own module source (write_root takes one source for all)."""
    write_root(root, calls, provider={"region": "us-east-1"})
    document = json.loads((root / "main.tf.json").read_text())
    for call, source in sources.items():
        document["module"][call]["source"] = str(source.resolve())
    (root / "main.tf.json").write_text(json.dumps(document, indent=2, sort_keys=True))


def actions_of(plan: dict, call: str) -> dict[str, str]:
    """Address in the call's module => its planned action, in words (tests/e2e/plans.py)."""
    prefix = f"module.{call}."
    return {
        change["address"].removeprefix(prefix): action(change["change"]["actions"])
        for change in plan["resource_changes"]
        if change["address"].startswith(prefix) and change["mode"] == "managed"
    }


def test_every_release_the_changelog_names_is_upgraded_and_each_way_of_running_the_service_switched(upgrade):
    _, calls, _, _, _, _ = upgrade
    upgraded = {case["release"].version for case in calls.values()}
    assert upgraded == {release.version for release in releases()}
    switched = sorted(call.removesuffix("-switched-on") for call in calls if call.endswith("-switched-on"))
    assert switched == ["r0-3-0", "r0-4-0"], "0.3.x and 0.4.x each share one service.tf"


@pytest.mark.parametrize("stateful", ALWAYS_KEPT)
def test_the_upgrade_replaces_no_namespace_cloud_map_service_log_group_or_security_group(upgrade, stateful):
    _, calls, plan, _, _, _ = upgrade
    replaced = {call: actions_of(plan, call).get(stateful) for call in calls}
    assert {call: action for call, action in replaced.items() if action not in ("no-op", "update")} == {}


def test_the_service_is_replaced_only_where_the_changelog_says_and_then_created_first(upgrade):
    """0.1.0 and 0.2.0 ran a launch type, which provider 5.x replaces (CHANGELOG 0.3.0, service-strategy): under
    the same name, so the old one is deleted first (service.tf, aws_ecs_service.launch_type). The autoscaled
    service takes its own name (NAME-autoscaled), created before the old one goes; a switch creates the other
    service and deletes the first."""
    _, calls, plan, _, _, _ = upgrade
    found, expected = {}, {}
    for call, case in calls.items():
        actions = actions_of(plan, call)
        found[call] = {address: action for address, action in actions.items() if address.startswith("aws_ecs_service.")}
        scaled_before = "autoscaling" in case["before"]
        scaled_after = "autoscaling" in case["after"]
        launch_type = not has_autoscaling(case["source"])
        if scaled_before and scaled_after:
            expected[call] = {"aws_ecs_service.autoscaled[0]": "create-first"}
        elif scaled_before:
            expected[call] = {"aws_ecs_service.autoscaled[0]": "delete", "aws_ecs_service.this[0]": "create"}
        elif scaled_after:
            expected[call] = {"aws_ecs_service.this[0]": "delete", "aws_ecs_service.autoscaled[0]": "create"}
        elif launch_type:
            expected[call] = {"aws_ecs_service.launch_type[0]": "delete", "aws_ecs_service.this[0]": "create"}
        else:
            expected[call] = {"aws_ecs_service.this[0]": "update"}
    assert found == expected


def test_one_apply_upgrades_every_release_to_one_active_service_and_an_empty_plan(emulator, upgrade):
    terraform, calls, _, _, _, _ = upgrade
    active = active_services(emulator, CLUSTER)
    by_call = {call: sorted(name for name in active if name.split("-autoscaled")[0] == call) for call in calls}
    assert by_call == {
        call: [f"{call}-autoscaled" if "autoscaling" in case["after"] else call] for call, case in calls.items()
    }
    assert terraform.planned_actions() == {}, "a plan after the upgrade changes nothing"


def test_the_alarm_for_replaced_tasks_moves_from_its_address_before_0_4_0(upgrade):
    _, calls, plan, _, _, _ = upgrade
    moved = {
        change["address"]: change.get("previous_address")
        for change in plan["resource_changes"]
        if change["address"].endswith("aws_cloudwatch_metric_alarm.tasks_replaced_repeatedly[0]")
    }
    for call, case in calls.items():
        if "alarm_actions" in case["before"] and case["release"].version.startswith("0.3."):
            address = f"module.{call}.aws_cloudwatch_metric_alarm.tasks_replaced_repeatedly[0]"
            assert moved[address] == f'module.{call}.aws_cloudwatch_metric_alarm.this["tasks-replaced-repeatedly"]'


def test_the_name_has_a_task_throughout_an_upgrade_that_does_not_switch(upgrade):
    """Kept calls: the service is updated in place, or created before the old one goes (autoscaled).

    Only the launch-type services of 0.1.0 and 0.2.0 leave the name without a task, as the CHANGELOG says
    (0.3.0, service-strategy): deleted before their replacement is created.
    """
    _, calls, _, watch, _, _ = upgrade
    dark = {call for call in calls if watch.darkest(call) < 1}
    switched = {
        call for call, case in calls.items() if ("autoscaling" in case["before"]) != ("autoscaling" in case["after"])
    }
    launch_type = {call for call, case in calls.items() if not has_autoscaling(case["source"])}
    assert dark - switched == launch_type


def test_the_upgrade_s_calls_are_within_the_deployer_policy(upgrade, emulator_call_log):
    terraform, _, _, _, made, calls_from = upgrade
    assert not lacking_from_guide(made), lacking_from_guide(made)
    outputs = terraform.outputs()
    passed = [out["execution_role_arn"] for out in outputs.values()]
    account = passed[0].split(":")[4]
    assert role_calls_outside_policy(emulator_call_log, calls_from, account, passed) == []
