"""`terraform plan` of the module, offline: planned attribute values."""

from __future__ import annotations

import json

import pytest

from finfocus_ecs.module import default_region_ports
from finfocus_ecs.roots import PLACEHOLDER_CIDR
from tests.module_cases import ALARM_TOPIC_ARN, CALLS, KMS_ARN, LAYOUTS, PARAMETER_ARN, SECRET_ARN, SHARED_CLUSTER_ARN

pytestmark = pytest.mark.plan


@pytest.fixture(scope="module")
def planned(module_cases):
    return module_cases


def ports_of(container):
    return {mapping["containerPort"]: mapping for mapping in container["portMappings"]}


def test_default_task_definition_has_the_v0_1_8_ports_on_fargate(planned):
    task = planned.resource("defaults", "aws_ecs_task_definition.this")
    assert task["cpu"] == "2048"
    assert task["memory"] == "4096"
    assert task["network_mode"] == "awsvpc"
    assert task["requires_compatibilities"] == ["FARGATE"]
    assert task["runtime_platform"] == [{"cpu_architecture": "X86_64", "operating_system_family": "LINUX"}]
    containers = planned.containers("defaults")
    all_ports = {port for container in containers.values() for port in ports_of(container)}
    assert all_ports == set(range(8001, 8011)) | {9090}
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
    assert list(containers) == ["finfocus-plugin", "volume-init"]
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
    assert bridge["dependsOn"] == [
        {"containerName": "volume-init", "condition": "SUCCESS"},
        {"containerName": "finfocus-plugin", "condition": "HEALTHY"},
    ]
    assert bridge["readonlyRootFilesystem"] is True
    assert bridge["mountPoints"] == [{"containerPath": "/tmp", "readOnly": False, "sourceVolume": "port-bridge-tmp"}]
    assert bridge["logConfiguration"]["options"]["awslogs-stream-prefix"] == "port-bridge"
    # HAProxy must answer, not merely exist (a pid check passes for a hung or absent HAProxy).
    assert bridge["healthCheck"] == {
        "command": ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8999/healthz"],
        "interval": 5,
        "timeout": 2,
        "retries": 3,
        "startPeriod": 5,
    }
    # A dead region is tried once: its client is closed at once, not after 3 retries a second apart.
    assert "\n  retries 0\n" in bridge["command"][0]
    assert "bind 127.0.0.1:8999\n  monitor-uri /healthz" in bridge["command"][0]
    assert bridge["image"].endswith("-alpine") and ":latest" not in bridge["image"]
    # After ECS's stop signal the bridge keeps listening for the DNS TTL (60 s), then gives open
    # connections the plugin's grace (30 s), within its stopTimeout and Fargate's 120 s.
    assert "\n  grace 60s\n  hard-stop-after 30s\n" in bridge["command"][0]
    assert (bridge["stopTimeout"], plugin["stopTimeout"]) == (105, 45)


def test_a_dns_ttl_longer_than_fits_still_stops_the_bridge_within_fargates_cap(planned):
    """dns_ttl = 86400: the bridge lingers only what Fargate's 120 s stopTimeout leaves after the grace."""
    bridge = planned.containers("dns")["port-bridge"]
    assert bridge["stopTimeout"] == 120
    assert "\n  grace 75s\n  hard-stop-after 30s\n" in bridge["command"][0]


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
    probes = " ".join(f"{region}:{port}" for region, port in sorted(default_region_ports().items(), key=lambda i: i[1]))
    assert plugin["healthCheck"] == {
        "command": [
            "CMD-SHELL",
            f"for pair in {probes}; do curl -fsS -m 3 -o /dev/null "
            '"http://127.0.0.1:${pair##*:}/healthz" || { echo "region ${pair%%:*} (port ${pair##*:}) '
            'does not answer /healthz"; exit 1; }; done; '
            "[ -e /tmp/finfocus-health-passed ] || : > /tmp/finfocus-health-passed",
        ],
        "interval": 5,
        "timeout": 4,
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
    # Calls whose secrets are known only after apply plan no container definitions yet.
    for call in [call for call in CALLS if "from_resources" not in call]:
        for container in planned.containers(call).values():
            for key in ("mountPoints", "volumesFrom", "systemControls", "environment", "portMappings"):
                assert isinstance(container[key], list), (call, container["name"], key)
            # The provider drops a zero cpu from its planned JSON, as it does from ECS's answer.
            assert isinstance(container.get("cpu", 0), int)
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
        (8001, 8010, PLACEHOLDER_CIDR, "tcp")
    ]
    assert all(rule["description"] for rule in rules.values())


def test_egress_is_https_only(planned):
    rules = planned.resources_of("defaults", "aws_vpc_security_group_egress_rule")
    assert [(r["from_port"], r["to_port"], r["ip_protocol"]) for r in rules.values()] == [(443, 443, "tcp")]


def test_gapped_ports_fold_into_the_fewest_ranges(planned):
    rules = planned.resources_of("gapped", "aws_vpc_security_group_ingress_rule")
    assert sorted((r["from_port"], r["to_port"]) for r in rules.values()) == [(8001, 8002), (8005, 8005), (8007, 8007)]


@pytest.mark.parametrize(
    ("call", "layout"), [("twelve_regions", "12-region"), ("nine_regions", "9-region"), ("ten_regions", "10-region")]
)
def test_each_tag_brings_its_layout_everywhere(planned, call, layout):
    region_ports = LAYOUTS[layout]["region_ports"]
    assert planned.output(call)["region_ports"] == region_ports
    containers = planned.containers(call)
    mapped = {port for container in containers.values() for port in ports_of(container)}
    assert mapped == set(region_ports.values()) | {9090}
    rules = planned.resources_of(call, "aws_vpc_security_group_ingress_rule")
    assert [(r["from_port"], r["to_port"]) for r in rules.values()] == [(8001, max(region_ports.values()))]
    endpoints = planned.output(call)["endpoints"]
    assert endpoints == {region: f"aws-public.finfocus.local:{port}" for region, port in region_ports.items()}
    script = planned.output(call)["port_bridge_script"]
    assert script.count("listen ") == len(region_ports)
    words = " ".join(f"{region}:{port}" for region, port in sorted(region_ports.items(), key=lambda item: item[1]))
    assert f"regions='{words}'" in containers["finfocus-plugin"]["command"][0]
    assert f"for pair in {words};" in containers["finfocus-plugin"]["healthCheck"]["command"][1]


def test_plugin_starts_with_its_own_posix_script_under_tini(planned):
    plugin = planned.containers("defaults")["finfocus-plugin"]
    assert plugin["entryPoint"] == ["/sbin/tini", "--", "/bin/sh", "-c"]
    script = plugin["command"][0]
    assert "-start-port 8001 -end-port 8010" in script
    assert "grace=30" in script and "/bin/bash" not in script
    assert plugin["dependsOn"] == [{"containerName": "volume-init", "condition": "SUCCESS"}]


def test_use_image_entrypoint_hands_start_and_health_check_back_to_the_image(planned):
    plugin = planned.containers("image_entrypoint")["finfocus-plugin"]
    assert "entryPoint" not in plugin and "command" not in plugin
    assert plugin["healthCheck"]["command"] == ["CMD", "/healthcheck.sh"]
    # The image's entrypoint writes FIFOs and PID files in /tmp: the volume stays writable.
    assert plugin["dependsOn"] == [{"containerName": "volume-init", "condition": "SUCCESS"}]
    assert {"name": "TERMINATION_GRACE_SECONDS", "value": "30"} in plugin["environment"]


def test_volume_init_makes_each_volume_writable_then_exits(planned):
    init = planned.containers("defaults")["volume-init"]
    assert (init["essential"], init["user"], init["readonlyRootFilesystem"]) == (False, "0:0", True)
    assert init["command"] == ["chmod 1777 /volumes/plugin-tmp /volumes/port-bridge-tmp"]
    assert {m["sourceVolume"] for m in init["mountPoints"]} == {"plugin-tmp", "port-bridge-tmp"}
    bridge_off = planned.containers("bridge_off")["volume-init"]
    assert bridge_off["command"] == ["chmod 1777 /volumes/plugin-tmp"]


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
    service = planned.resource("defaults", "aws_ecs_service.this[0]")
    # FARGATE alone, as a strategy rather than a launch type, so that a change of strategy updates in place.
    assert service.get("launch_type") is None
    assert service["capacity_provider_strategy"] == [{"base": 0, "capacity_provider": "FARGATE", "weight": 1}]
    assert service["force_new_deployment"] is True
    providers = planned.resource("defaults", "aws_ecs_cluster_capacity_providers.this[0]")
    assert sorted(providers["capacity_providers"]) == ["FARGATE", "FARGATE_SPOT"]
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
    service = planned.resource("extras", "aws_ecs_service.this[0]")
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
    # ECS Exec's agent needs a writable root: only the plugin, the container users exec into, gets one.
    assert plugin["readonlyRootFilesystem"] is False
    assert planned.containers("extras")["port-bridge"]["readonlyRootFilesystem"] is True
    assert planned.containers("defaults")["finfocus-plugin"]["readonlyRootFilesystem"] is True


def test_given_cluster_and_role_create_neither(planned):
    assert planned.resources_of("existing", "aws_ecs_cluster") == {}
    assert planned.resources_of("existing", "aws_iam_role") == {}
    service = planned.resource("existing", "aws_ecs_service.this[0]")
    assert service["cluster"] == SHARED_CLUSTER_ARN
    task = planned.resource("existing", "aws_ecs_task_definition.this")
    assert task["execution_role_arn"] == "arn:aws:iam::123456789012:role/existing-execution"


def test_minimal_root_with_only_vpc_and_subnets(planned):
    """The README's minimal use: only vpc_id and subnet_ids, from resources in the same root."""
    task = planned.resource("minimal", "aws_ecs_task_definition.this")
    assert (task["cpu"], task["memory"], task["requires_compatibilities"]) == ("2048", "4096", ["FARGATE"])
    containers = planned.containers("minimal")
    assert sum(len(container["portMappings"]) for container in containers.values()) == len(default_region_ports()) + 1


def test_old_task_definition_revisions_are_kept_only_when_asked(planned):
    assert planned.resource("defaults", "aws_ecs_task_definition.this")["skip_destroy"] is False
    assert planned.resource("full_featured", "aws_ecs_task_definition.this")["skip_destroy"] is True


def test_alarms_only_when_asked_and_on_the_service_s_metrics(planned):
    assert planned.resources_of("defaults", "aws_cloudwatch_metric_alarm") == {}
    alarms = planned.resources_of("alarms", "aws_cloudwatch_metric_alarm")
    by_name = {values["alarm_name"]: values for values in alarms.values()}
    service = planned.resource("alarms", "aws_ecs_service.this[0]")
    # Named after the service, so that two deployments in one account and region do not clash.
    assert sorted(by_name) == [
        f"{service['name']}-{what}"
        for what in ("cpu-high", "memory-high", "tasks-not-running", "tasks-replaced-repeatedly")
    ]
    for values in by_name.values():
        assert values["alarm_actions"] == [ALARM_TOPIC_ARN] and values["ok_actions"] == [ALARM_TOPIC_ARN]
    cpu = by_name[f"{service['name']}-cpu-high"]
    assert (cpu["namespace"], cpu["metric_name"], cpu["threshold"]) == ("AWS/ECS", "CPUUtilization", 80)
    # The cluster's name comes from the end of its ARN.
    assert cpu["dimensions"] == {"ClusterName": "shared", "ServiceName": service["name"]}
    not_running = by_name[f"{service['name']}-tasks-not-running"]
    queries = {query["id"]: query for query in not_running["metric_query"]}
    # A missing running count is 0, and no count at all is breaching: a total outage alarms.
    assert queries["missing_tasks"]["expression"] == "desired - FILL(running, 0)"
    assert not_running["treat_missing_data"] == "breaching"
    assert {queries[id]["metric"][0]["metric_name"] for id in ("desired", "running")} == {
        "DesiredTaskCount",
        "RunningTaskCount",
    }
    assert {queries[id]["metric"][0]["namespace"] for id in ("desired", "running")} == {"ECS/ContainerInsights"}
    replaced = {query["id"]: query for query in by_name[f"{service['name']}-tasks-replaced-repeatedly"]["metric_query"]}
    # Pending tasks count only with one deployment and a steady desired count: rollouts and scale-outs start tasks too.
    assert replaced["replaced"]["expression"] == "IF(deployments > 1 OR desired_most > desired_least, 0, pending)"
    assert {
        id: (q["metric"][0]["metric_name"], q["metric"][0]["stat"]) for id, q in replaced.items() if q["metric"]
    } == {
        "pending": ("PendingTaskCount", "Maximum"),
        "deployments": ("DeploymentCount", "Maximum"),
        "desired_most": ("DesiredTaskCount", "Maximum"),
        "desired_least": ("DesiredTaskCount", "Minimum"),
    }
