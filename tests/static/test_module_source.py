"""What the module declares, read with python-hcl2: no Terraform needed.

What derives from what (ports, rules, scripts from region_ports) is not
checked here by the names an expression mentions, which a broken derivation
can still mention: tests/plan/test_plan.py checks the planned values.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from finfocus_ecs import module
from finfocus_ecs.project import MODULE_DIR

# The seed's table (research note, 12-region image of January 2026), and the
# later layouts read from docker/entrypoint.sh at each tag (the fact sheet
# finfocus-image.md). These tests pin image_layouts.json to them; everything
# else derives from that file.
SEED_LAYOUT = {
    "us-east-1": 8001,
    "us-west-2": 8002,
    "eu-west-1": 8003,
    "ap-southeast-1": 8004,
    "ap-southeast-2": 8005,
    "ap-northeast-1": 8006,
    "ap-south-1": 8007,
    "ca-central-1": 8008,
    "sa-east-1": 8009,
    "us-gov-west-1": 8010,
    "us-gov-east-1": 8011,
    "us-west-1": 8012,
}
NINE_REGION_LAYOUT = dict(list(SEED_LAYOUT.items())[:9])
TEN_REGION_LAYOUT = {**NINE_REGION_LAYOUT, "us-west-1": 8010}

# The interface users, docs and tests rely on (the module issue's list).
INTERFACE = [
    "vpc_id",
    "subnet_ids",
    "name",
    "image",
    "region_ports",
    "metrics_port",
    "cpu",
    "memory",
    "cpu_architecture",
    "desired_count",
    "cluster_arn",
    "namespace_name",
    "namespace_id",
    "service_discovery_name",
    "dns_ttl",
    "allowed_cidr_blocks",
    "allowed_security_group_ids",
    "metrics_allowed_cidr_blocks",
    "metrics_allowed_security_group_ids",
    "assign_public_ip",
    "capacity_provider_strategy",
    "log_retention_in_days",
    "log_kms_key_id",
    "log_level",
    "cors_allowed_origins",
    "environment",
    "secrets",
    "execution_role_arn",
    "task_role_arn",
    "health_check",
    "enable_execute_command",
    "tags",
]
OUTPUTS = [
    "endpoints",
    "dns_name",
    "service_name",
    "service_arn",
    "cluster_arn",
    "task_definition_arn",
    "container_definitions_json",
    "security_group_id",
    "namespace_id",
    "cloud_map_service_arn",
    "log_group_name",
    "execution_role_arn",
]


@cache
def resources() -> dict[tuple[str, str], dict]:
    found = {}
    for path in sorted(MODULE_DIR.glob("*.tf")):
        for block in module.load_hcl(path).get("resource", []):
            for resource_type, named in block.items():
                for name, body in named.items():
                    found[(resource_type, name)] = body
    return found


def test_layouts_by_tag_match_the_fact_sheet():
    assert module.image_layout_for("v0.1.1") == module.image_layout_for("v0.1.2") == SEED_LAYOUT
    assert list(module.image_layout_for("v0.1.1")) == list(SEED_LAYOUT), "order follows the seed table"
    assert module.image_layout_for("v0.1.3") == NINE_REGION_LAYOUT
    for tag in ("v0.1.4", "v0.1.5", "v0.1.6", "v0.1.7", "v0.1.8"):
        assert module.image_layout_for(tag) == TEN_REGION_LAYOUT, tag
    assert module.image_layout_for("v0.1.9") is None and module.image_layout_for("latest") is None


def test_default_image_is_pinned_to_v0_1_8_and_its_layout():
    assert module.default("image") == "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8"
    assert module.variables()["region_ports"].default is None, "null: the layout of the image's tag"
    assert module.default_region_ports() == TEN_REGION_LAYOUT


def test_seed_sizing_and_metrics_defaults():
    assert module.default("cpu") == 2048
    assert module.default("memory") == 4096
    assert module.default("metrics_port") == 9090
    assert module.default("cpu_architecture") == "X86_64"
    assert module.default("desired_count") == 1
    assert module.default("namespace_name") == "finfocus.local"
    assert module.default("service_discovery_name") == "aws-public"
    assert module.default("dns_ttl") == 60


@pytest.mark.parametrize("name", INTERFACE)
def test_interface_variable_exists(name):
    assert name in module.variables()


@pytest.mark.parametrize("name", OUTPUTS)
def test_interface_output_exists(name):
    assert name in module.outputs()


def test_every_variable_has_type_and_description():
    for variable in module.variables().values():
        assert variable.type, variable.name
        assert len(variable.description) > 20, variable.name


def test_collections_and_flags_are_not_nullable():
    for variable in module.variables().values():
        if re.match(r"^(bool|list|map|set)", variable.type) and not variable.required:
            # null means "the VPC CIDR blocks", "the layout of the image's tag", and "decide from the ARN or id"
            if variable.name in {"allowed_cidr_blocks", "region_ports"} or variable.name.startswith("create_"):
                continue
            assert variable.nullable is False, variable.name


def test_only_vpc_and_subnets_are_required():
    assert sorted(v.name for v in module.variables().values() if v.required) == ["subnet_ids", "vpc_id"]


def test_task_definition_is_fargate_awsvpc_from_inputs():
    task = resources()[("aws_ecs_task_definition", "this")]
    assert task["network_mode"] == "awsvpc"
    assert task["requires_compatibilities"] == ["FARGATE"]
    assert task["cpu"] == "${tostring(var.cpu)}"
    assert task["memory"] == "${tostring(var.memory)}"
    assert task["container_definitions"] == "${jsonencode(local.container_definitions)}"


def test_the_only_ignored_change_is_the_count_autoscaling_sets():
    """The module must not hide drift, not even to please the emulator: only autoscaling's task count is left alone."""
    ignoring = {
        f"{resource_type}.{name}": lifecycle["ignore_changes"]
        for (resource_type, name), body in resources().items()
        for lifecycle in body.get("lifecycle", [])
        if "ignore_changes" in lifecycle
    }
    assert ignoring == {"aws_ecs_service.autoscaled": ["desired_count"]}


def test_the_fixed_and_the_autoscaled_service_are_the_same_service():
    """service.tf writes the service twice, as ignore_changes cannot be conditional.

    Only count, name and lifecycle differ: each has a name of its own, so that a switch can create one
    while the other drains, and both are created before the other is destroyed.
    """
    fixed, scaled = (dict(resources()[("aws_ecs_service", name)]) for name in ("this", "autoscaled"))
    assert fixed.pop("count") != scaled.pop("count")
    assert (fixed.pop("name"), scaled.pop("name")) == (
        "${local.service_names.fixed}",
        "${local.service_names.autoscaled}",
    )
    fixed_lifecycle, scaled_lifecycle = fixed.pop("lifecycle"), scaled.pop("lifecycle")
    assert fixed == scaled
    assert fixed_lifecycle[0]["create_before_destroy"] is scaled_lifecycle[0]["create_before_destroy"] is True


def test_every_security_group_and_rule_has_a_description():
    for (resource_type, name), body in resources().items():
        if resource_type.startswith(("aws_security_group", "aws_vpc_security_group")):
            assert body.get("description"), f"{resource_type}.{name}"


def test_the_module_reads_the_same_from_many_threads_at_once():
    """The CLI and the stand-ins read defaults from threads: python-hcl2's parser alone is not thread-safe."""
    from concurrent.futures import ThreadPoolExecutor

    from finfocus_ecs.module import load_hcl, parse_hcl
    from finfocus_ecs.project import MODULE_DIR

    text = (MODULE_DIR / "variables.tf").read_text()
    serial = parse_hcl(text)
    # The parser itself, not the cache of its results that load_hcl reads. Without the lock,
    # four parses at once returned a wrong result in 5 runs of 5 (two at once: 3 of 5).
    with ThreadPoolExecutor(max_workers=4) as pool:
        parsed = list(pool.map(lambda _: parse_hcl(text), range(4)))
    assert all(result == serial for result in parsed)
    assert load_hcl(MODULE_DIR / "variables.tf") == serial


# What changes as a deployment runs: free addresses as tasks start, task counts as ECS and autoscaling act.
LIVE_ATTRIBUTES = (
    r"\.available_ip_address_count\b",
    r"\.running_count\b",
    r"\.pending_count\b",
    r"aws_ecs_service\.\w+(\[\d+\])?\.desired_count\b",
)


def conditions_reading_live_values(parsed_files: list[dict]) -> list[str]:
    """Every precondition, postcondition and validation whose condition reads a live value, through locals too.

    A check block may (a warning); these may not: they are evaluated at every
    plan, so a value that moves as the service runs would fail plans of the
    whole root, unrelated changes included.
    """
    locals_text = {
        name: str(value)
        for parsed in parsed_files
        for block in parsed.get("locals", [])
        for name, value in block.items()
    }
    live = [re.compile(pattern) for pattern in LIVE_ATTRIBUTES]
    changed = True
    while changed:  # locals reading live values, directly or through other locals
        found = [
            re.compile(rf"\blocal\.{name}\b") for name, text in locals_text.items() if any(p.search(text) for p in live)
        ]
        changed = len({p.pattern for p in found} - {p.pattern for p in live}) > 0
        live = list({p.pattern: p for p in [*live, *found]}.values())

    offending = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("precondition", "postcondition", "validation"):
                    for block in value:
                        condition = str(block.get("condition", ""))
                        if any(pattern.search(condition) for pattern in live):
                            offending.append(f"{path}/{key}: {condition}")
                elif key != "check":
                    walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    for parsed in parsed_files:
        walk(parsed, "")
    return offending


def test_no_plan_time_condition_reads_a_value_that_changes_as_the_service_runs():
    parsed = [module.load_hcl(path) for path in sorted(MODULE_DIR.glob("*.tf"))]
    assert conditions_reading_live_values(parsed) == []
    checks = [name for file in parsed for block in file.get("check", []) for name in block]
    assert "room_for_autoscaled_tasks" in checks, "free addresses are checked, as a warning"


def test_the_live_value_finder_catches_a_precondition_on_free_addresses():
    """The precondition the module had, which failed every plan after a scale-out, is found, also through a local."""
    old = module.parse_hcl(
        """
locals {
  free = sum(data.aws_subnet.tasks[*].available_ip_address_count)
}
resource "aws_appautoscaling_target" "this" {
  lifecycle {
    precondition {
      condition     = local.free >= var.autoscaling.max_capacity
      error_message = "too few"
    }
  }
}
"""
    )
    assert len(conditions_reading_live_values([old])) == 1


def aws_provider_constraint(directory) -> str:
    [terraform] = module.load_hcl(directory / "versions.tf")["terraform"]
    return terraform["required_providers"][0]["aws"]["version"]


def test_the_quick_start_runs_the_provider_tested_here_and_the_module_takes_both_majors():
    """A new root's `terraform init` takes the newest 6.x; the main job must not, as nothing here runs 6.x."""
    from finfocus_ecs.project import QUICKSTART_DIR
    from finfocus_ecs.provider_mirror import REQUIRED_PROVIDER, find_provider_mirror

    pinned = aws_provider_constraint(QUICKSTART_DIR)
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"the quick start's provider must be one exact version: {pinned}"
    mirror = find_provider_mirror()
    assert mirror is not None, "no provider mirror on this machine"
    assert any((host / Path(*REQUIRED_PROVIDER) / pinned).is_dir() for host in mirror.iterdir()), (
        f"the quick start pins {pinned}, which is not the provider the tests run"
    )
    assert aws_provider_constraint(MODULE_DIR) == ">= 5.0, < 7.0"
