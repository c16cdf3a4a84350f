"""`terraform plan` of the module, offline: planned attribute values."""

from __future__ import annotations

import json

import pytest

from finfocus_ecs.module import default_region_ports
from finfocus_ecs.roots import PLACEHOLDER_CIDR
from tests.module_cases import CALLS, KMS_ARN, PARAMETER_ARN, SECRET_ARN, TEN_REGIONS

pytestmark = pytest.mark.plan


@pytest.fixture(scope="module")
def planned(module_cases):
    return module_cases


def ports_of(container):
    return {mapping["containerPort"]: mapping for mapping in container["portMappings"]}


def test_default_task_definition_has_13_ports_on_fargate(planned):
    task = planned.resource("defaults", "aws_ecs_task_definition.this")
    assert task["cpu"] == "2048"
    assert task["memory"] == "4096"
    assert task["network_mode"] == "awsvpc"
    assert task["requires_compatibilities"] == ["FARGATE"]
    assert task["runtime_platform"] == [{"cpu_architecture": "X86_64", "operating_system_family": "LINUX"}]
    containers = planned.containers("defaults")
    all_ports = {port for container in containers.values() for port in ports_of(container)}
    assert len(all_ports) == 13
    assert all_ports == set(default_region_ports().values()) | {9090}


def test_port_mappings_are_named_after_regions_on_the_bridge(planned):
    containers = planned.containers("defaults")
    bridge = ports_of(containers["port-bridge"])
    assert {mapping["name"]: port for port, mapping in bridge.items()} == default_region_ports()
    plugin = ports_of(containers["finfocus-plugin"])
    assert list(plugin) == [9090]
    assert plugin[9090]["name"] == "metrics"


def test_bridge_off_puts_regional_ports_on_the_plugin(planned):
    containers = planned.containers("bridge_off")
    assert list(containers) == ["finfocus-plugin"]
    plugin = ports_of(containers["finfocus-plugin"])
    assert {mapping["name"]: port for port, mapping in plugin.items() if port != 9090} == default_region_ports()
    assert containers["finfocus-plugin"]["cpu"] == 2048
    assert containers["finfocus-plugin"]["memoryReservation"] == 4096
    assert [volume["name"] for volume in planned.resource("bridge_off", "aws_ecs_task_definition.this")["volume"]] == [
        "plugin-tmp"
    ]


def test_bridge_reservation_comes_out_of_the_task(planned):
    containers = planned.containers("defaults")
    bridge, plugin = containers["port-bridge"], containers["finfocus-plugin"]
    assert bridge["cpu"] + plugin["cpu"] == 2048
    assert bridge["memory"] + plugin["memoryReservation"] == 4096
    assert bridge["essential"] and plugin["essential"]
    assert bridge["dependsOn"] == [{"containerName": "finfocus-plugin", "condition": "START"}]
    assert bridge["readonlyRootFilesystem"] is True
    assert bridge["mountPoints"] == [{"containerPath": "/tmp", "readOnly": False, "sourceVolume": "port-bridge-tmp"}]
    assert bridge["logConfiguration"]["options"]["awslogs-stream-prefix"] == "port-bridge"
    assert bridge["healthCheck"]["command"][0] == "CMD-SHELL"
    assert bridge["image"].endswith("-alpine") and ":latest" not in bridge["image"]


def test_plugin_environment_and_logging(planned):
    plugin = planned.containers("defaults")["finfocus-plugin"]
    assert plugin["environment"] == [
        {"name": "FINFOCUS_LOG_LEVEL", "value": "info"},
        {"name": "FINFOCUS_PLUGIN_HEALTH_ENDPOINT", "value": "true"},
        {"name": "FINFOCUS_PLUGIN_WEB_ENABLED", "value": "true"},
        {"name": "TERMINATION_GRACE_SECONDS", "value": "30"},
    ]
    assert plugin["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/finfocus-plugin-aws-public",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "plugin",
        },
    }
    assert plugin["healthCheck"] == {
        "command": ["CMD", "/healthcheck.sh"],
        "interval": 30,
        "timeout": 10,
        "retries": 3,
        "startPeriod": 240,
    }


def test_plugin_is_hardened(planned):
    plugin = planned.containers("defaults")["finfocus-plugin"]
    assert plugin["readonlyRootFilesystem"] is True
    assert plugin["mountPoints"] == [{"containerPath": "/tmp", "readOnly": False, "sourceVolume": "plugin-tmp"}]
    assert plugin["user"] == "65532:65532"
    assert plugin.get("privileged", False) is False
    # Longer than the entrypoint's shutdown grace, within Fargate's 120 s.
    assert 30 < plugin["stopTimeout"] <= 120


def test_container_definitions_are_in_the_form_ecs_returns(planned):
    """Anything else re-plans a replacement on every run against real AWS."""
    for call in CALLS:
        for container in planned.containers(call).values():
            for key in ("mountPoints", "volumesFrom", "systemControls", "environment", "portMappings"):
                assert isinstance(container[key], list), (call, container["name"], key)
            assert isinstance(container["cpu"], int)
            for mapping in container["portMappings"]:
                assert mapping["hostPort"] == mapping["containerPort"]
                assert mapping["protocol"] == "tcp"
            names = [item["name"] for item in container["environment"]]
            assert names == sorted(names)
            assert "versionConsistency" not in container


def test_cloud_map_service_uses_a_records(planned):
    service = planned.resource("defaults", "aws_service_discovery_service.this")
    dns_config = service["dns_config"][0]
    assert dns_config["dns_records"] == [{"ttl": 60, "type": "A"}]
    assert dns_config["routing_policy"] == "MULTIVALUE"
    assert service["health_check_custom_config"] == [{"failure_threshold": 1}]
    assert service["name"] == "aws-public"
    namespace = planned.resource("defaults", "aws_service_discovery_private_dns_namespace.this[0]")
    assert namespace["name"] == "finfocus.local"


def test_ingress_is_one_range_from_the_given_cidr(planned):
    rules = planned.resources_of("defaults", "aws_vpc_security_group_ingress_rule")
    assert [(r["from_port"], r["to_port"], r["cidr_ipv4"], r["ip_protocol"]) for r in rules.values()] == [
        (8001, 8012, PLACEHOLDER_CIDR, "tcp")
    ]
    assert all(rule["description"] for rule in rules.values())


def test_egress_is_https_only(planned):
    rules = planned.resources_of("defaults", "aws_vpc_security_group_egress_rule")
    assert [(r["from_port"], r["to_port"], r["ip_protocol"]) for r in rules.values()] == [(443, 443, "tcp")]


def test_gapped_ports_fold_into_the_fewest_ranges(planned):
    rules = planned.resources_of("gapped", "aws_vpc_security_group_ingress_rule")
    assert sorted((r["from_port"], r["to_port"]) for r in rules.values()) == [(8001, 8002), (8005, 8005), (8007, 8007)]


def test_ten_region_layout_drops_8011_8012_and_gov_everywhere(planned):
    containers = planned.containers("ten_regions")
    mapped = {port for container in containers.values() for port in ports_of(container)}
    assert mapped == set(range(8001, 8011)) | {9090}
    names = {mapping["name"] for container in containers.values() for mapping in container["portMappings"]}
    assert not any("gov" in name for name in names)
    rules = planned.resources_of("ten_regions", "aws_vpc_security_group_ingress_rule")
    assert [(r["from_port"], r["to_port"]) for r in rules.values()] == [(8001, 8010)]
    endpoints = planned.output("ten_regions")["endpoints"]
    assert endpoints == {region: f"aws-public.finfocus.local:{port}" for region, port in TEN_REGIONS.items()}
    script = planned.output("ten_regions")["port_bridge_script"]
    assert "8011" not in script and "8012" not in script and "gov" not in script


def test_endpoints_output_derives_from_region_ports(planned):
    outputs = planned.output("defaults")
    assert outputs["endpoints"] == {
        region: f"aws-public.finfocus.local:{port}" for region, port in default_region_ports().items()
    }
    assert outputs["dns_name"] == "aws-public.finfocus.local"
    assert outputs["metrics_endpoint"] == "aws-public.finfocus.local:9090"


def test_metrics_port_off_removes_mapping_and_rules(planned):
    plugin = planned.containers("no_metrics")["finfocus-plugin"]
    assert plugin["portMappings"] == []
    assert planned.output("no_metrics")["metrics_endpoint"] is None


def test_metrics_port_has_its_own_sources_only(planned):
    rules = planned.resources_of("sources", "aws_vpc_security_group_ingress_rule")
    metrics = sorted(
        (r["cidr_ipv4"] or r["referenced_security_group_id"]) for r in rules.values() if r["from_port"] == 9090
    )
    assert metrics == ["10.9.0.0/24", "sg-0fedcba9876543210"]
    regional = sorted(
        (r["cidr_ipv4"] or r["cidr_ipv6"] or r["referenced_security_group_id"])
        for r in rules.values()
        if r["from_port"] == 8001
    )
    assert regional == ["10.1.0.0/16", "fd00::/8", "sg-0123456789abcdef0"]
    default_rules = planned.resources_of("defaults", "aws_vpc_security_group_ingress_rule")
    assert not [r for r in default_rules.values() if r["from_port"] == 9090]


def test_service_defaults(planned):
    service = planned.resource("defaults", "aws_ecs_service.this")
    assert service["launch_type"] == "FARGATE"
    assert service["desired_count"] == 1
    assert service["network_configuration"][0]["assign_public_ip"] is False
    assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
    assert service["enable_execute_command"] is False
    assert service["propagate_tags"] == "SERVICE"
    assert service["platform_version"] == "LATEST"
    cluster = planned.resource("defaults", "aws_ecs_cluster.this[0]")
    assert {"name": "containerInsights", "value": "enabled"} in cluster["setting"]
    task = planned.resource("defaults", "aws_ecs_task_definition.this")
    assert task.get("task_role_arn") is None


def test_capacity_providers_secrets_and_exec(planned):
    service = planned.resource("extras", "aws_ecs_service.this")
    assert service.get("launch_type") is None
    assert sorted((s["capacity_provider"], s["weight"], s["base"]) for s in service["capacity_provider_strategy"]) == [
        ("FARGATE", 1, 1),
        ("FARGATE_SPOT", 3, 0),
    ]
    assert service["enable_execute_command"] is True
    providers = planned.resource("extras", "aws_ecs_cluster_capacity_providers.this[0]")
    assert sorted(providers["capacity_providers"]) == ["FARGATE", "FARGATE_SPOT"]
    plugin = planned.containers("extras")["finfocus-plugin"]
    assert plugin["secrets"] == [
        {"name": "FINFOCUS_KEY", "valueFrom": PARAMETER_ARN},
        {"name": "FINFOCUS_TOKEN", "valueFrom": SECRET_ARN + ":token::"},
    ]
    environment = {item["name"]: item["value"] for item in plugin["environment"]}
    assert environment["FINFOCUS_CORS_ALLOWED_ORIGINS"] == "https://app.example.com"
    assert environment["FINFOCUS_CORS_ALLOW_CREDENTIALS"] == "true"
    assert environment["EXTRA_SETTING"] == "1"
    policy = json.loads(planned.resource("extras", "aws_iam_role_policy.secrets[0]")["policy"])
    resources = {statement["Sid"]: statement["Resource"] for statement in policy["Statement"]}
    assert resources == {"ReadSsmParameters": PARAMETER_ARN, "ReadSecrets": SECRET_ARN, "DecryptSecrets": KMS_ARN}
    exec_policy = json.loads(planned.resource("extras", "aws_iam_role_policy.execute_command[0]")["policy"])
    assert {action.split(":")[0] for action in exec_policy["Statement"][0]["Action"]} == {"ssmmessages"}
    task = planned.resource("extras", "aws_ecs_task_definition.this")
    assert task["runtime_platform"][0]["cpu_architecture"] == "ARM64"


def test_given_cluster_and_role_create_neither(planned):
    assert planned.resources_of("existing", "aws_ecs_cluster") == {}
    assert planned.resources_of("existing", "aws_iam_role") == {}
    service = planned.resource("existing", "aws_ecs_service.this")
    assert service["cluster"] == "arn:aws:ecs:us-east-1:123456789012:cluster/shared"
    task = planned.resource("existing", "aws_ecs_task_definition.this")
    assert task["execution_role_arn"] == "arn:aws:iam::123456789012:role/existing-execution"


def test_minimal_root_with_only_vpc_and_subnets(planned):
    """The README's minimal use: only vpc_id and subnet_ids, from resources in the same root."""
    task = planned.resource("minimal", "aws_ecs_task_definition.this")
    assert (task["cpu"], task["memory"], task["requires_compatibilities"]) == ("2048", "4096", ["FARGATE"])
    containers = planned.containers("minimal")
    assert sum(len(container["portMappings"]) for container in containers.values()) == 13
