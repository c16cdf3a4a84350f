"""Bad inputs and the errors they must give at plan, for every test file that checks them.

Each kind of case shares one root across the whole test run (plan_diagnostics
plans it once for every worker), so the whole table costs three plans. The
hardening cases have their own root, so that test_hardening.py's worker plans
it while test_validation.py's plans the larger one.
Call name: (inputs, variable the error must name, text the error must contain).
"""

from __future__ import annotations

from finfocus_ecs.roots import offline_inputs
from tests.module_cases import CUSTOM_IMAGE, PLUGIN_REPOSITORY
from tests.plan.api_limits import INPUT_COLLECTIONS, allowed, items

VARIABLE_CASES = {
    "cpu_not_fargate": ({"cpu": 3000}, "cpu", "3000"),
    "port_above_range": ({"region_ports": {"us-east-1": 70000}}, "region_ports", "us-east-1 = 70000"),
    "port_zero": ({"region_ports": {"us-east-1": 0, "us-west-2": 8002}}, "region_ports", "us-east-1 = 0"),
    "port_duplicated": ({"region_ports": {"us-east-1": 8001, "us-west-2": 8001}}, "region_ports", "8001"),
    "region_ports_empty": ({"region_ports": {}}, "region_ports", "empty"),
    "region_not_aws": ({"region_ports": {"us-east-1": 8001, "mars-north-1": 8002}}, "region_ports", "mars-north-1"),
    "metrics_port_out_of_range": ({"metrics_port": 70000}, "metrics_port", "70000"),
    "namespace_not_dns": ({"namespace_name": "Fin_Focus..local"}, "namespace_name", "Fin_Focus..local"),
    "service_name_not_dns": ({"service_discovery_name": "-aws-public"}, "service_discovery_name", "-aws-public"),
    "cidr_invalid": ({"allowed_cidr_blocks": ["10.0.0.300/16"]}, "allowed_cidr_blocks", "10.0.0.300/16"),
    "cidr_world_ipv4": ({"allowed_cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}, "allowed_cidr_blocks", "0.0.0.0/0"),
    "cidr_world_ipv6": ({"allowed_cidr_blocks": ["::/0"]}, "allowed_cidr_blocks", "::/0"),
    "metrics_cidr_world": ({"metrics_allowed_cidr_blocks": ["0.0.0.0/0"]}, "metrics_allowed_cidr_blocks", "0.0.0.0/0"),
    "subnets_empty": ({"subnet_ids": []}, "subnet_ids", "empty"),
    "subnet_not_an_id": ({"subnet_ids": ["subnet-xyz"]}, "subnet_ids", "subnet-xyz"),
    "vpc_not_an_id": ({"vpc_id": "vpc-nothex"}, "vpc_id", "vpc-nothex"),
    "desired_count_negative": ({"desired_count": -1}, "desired_count", "-1"),
    "retention_not_cloudwatch": ({"log_retention_in_days": 42}, "log_retention_in_days", "42"),
    "health_interval_too_long": ({"health_check": {"interval": 301}}, "health_check.interval", "301"),
    "health_timeout_too_short": ({"health_check": {"timeout": 1}}, "health_check.timeout", "= 1 "),
    "health_retries_too_many": ({"health_check": {"retries": 11}}, "health_check.retries", "11"),
    "health_start_period_too_long": ({"health_check": {"start_period": 301}}, "health_check.start_period", "301"),
    "cpu_architecture_unknown": ({"cpu_architecture": "ARM32"}, "cpu_architecture", "ARM32"),
    "log_level_unknown": ({"log_level": "verbose"}, "log_level", "verbose"),
    "capacity_weights_all_zero": (
        {"capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 0}]},
        "capacity_provider_strategy",
        "FARGATE = 0",
    ),
    "capacity_provider_unknown": (
        {"capacity_provider_strategy": [{"capacity_provider": "EC2"}]},
        "capacity_provider_strategy",
        "EC2",
    ),
    "environment_sets_managed_name": (
        {"environment": {"FINFOCUS_LOG_LEVEL": "debug"}},
        "environment",
        "FINFOCUS_LOG_LEVEL",
    ),
    "secret_not_an_arn": ({"secrets": {"TOKEN": "my-secret"}}, "secrets", "my-secret"),
    "name_too_odd": ({"name": "9-finfocus"}, "name", "9-finfocus"),
    "grace_beyond_stop_timeout": ({"termination_grace_seconds": 200}, "termination_grace_seconds", "200"),
    "dns_ttl_negative": ({"dns_ttl": -5}, "dns_ttl", "-5"),
    "bridge_image_latest": ({"port_bridge_image": "haproxy:latest"}, "port_bridge_image", "haproxy:latest"),
    "cluster_arn_not_an_arn": ({"cluster_arn": "shared"}, "cluster_arn", "shared"),
}

# Inconsistent pairs of inputs: caught by preconditions, still at plan time.
PRECONDITION_CASES = {
    "cpu_memory_pair": ({"cpu": 2048, "memory": 3072}, "memory", "memory = 3072"),
    "metrics_clashes_with_region": ({"metrics_port": 8003}, "metrics_port", "metrics_port = 8003"),
    "bridge_leaves_plugin_too_little": (
        {"cpu": 256, "memory": 512, "port_bridge_cpu": 200},
        "port_bridge_cpu",
        "port_bridge_cpu = 200",
    ),
}


HARDENING_VARIABLE_CASES = {
    # ECS API reference, HealthCheck: interval 5-300, timeout 2-60, retries 1-10, startPeriod 0-300.
    "health_interval_below": ({"health_check": {"interval": 4}}, "health_check.interval", "= 4 is not allowed"),
    "health_interval_above": ({"health_check": {"interval": 301}}, "health_check.interval", "from 5 to 300"),
    "health_interval_fraction": ({"health_check": {"interval": 30.5}}, "health_check.interval", "= 30.5 is not"),
    "health_timeout_above": ({"health_check": {"timeout": 61}}, "health_check.timeout", "= 61 is not allowed"),
    "health_timeout_below": ({"health_check": {"timeout": 1}}, "health_check.timeout", "from 2 to 60"),
    "health_retries_zero": ({"health_check": {"retries": 0}}, "health_check.retries", "= 0 is not allowed"),
    "health_retries_above": ({"health_check": {"retries": 11}}, "health_check.retries", "from 1 to 10"),
    "health_start_negative": ({"health_check": {"start_period": -1}}, "health_check.start_period", "= -1 is not"),
    "health_start_above": ({"health_check": {"start_period": 301}}, "health_check.start_period", "from 0 to 300"),
    # Fargate's Linux sizes: 256-32768 CPU units, 512 MiB-244 GiB.
    "cpu_not_a_size": ({"cpu": 3000}, "cpu", "cpu = 3000 is not a Fargate task size"),
    "cpu_above_32_vcpu": ({"cpu": 65536}, "cpu", "256, 512, 1024, 2048, 4096, 8192, 16384 or 32768"),
    "memory_above_244_gib": ({"memory": 250880}, "memory", "memory = 250880 is not a Fargate memory size"),
    "memory_below_512": ({"memory": 256}, "memory", "from 512 to 249856"),
    # DNS egress: CIDR blocks of named servers, never the world.
    "dns_not_a_cidr": ({"dns_egress_cidr_blocks": ["10.0.0.300/32"]}, "dns_egress_cidr_blocks", '"10.0.0.300/32"'),
    "dns_to_world_ipv4": (
        {"dns_egress_cidr_blocks": ["10.0.0.2/32", "0.0.0.0/0"]},
        "dns_egress_cidr_blocks",
        'contains "0.0.0.0/0", which lets the tasks send DNS to every address',
    ),
    "dns_to_world_ipv6": ({"dns_egress_cidr_blocks": ["::/0"]}, "dns_egress_cidr_blocks", '"::/0"'),
    "wait_not_a_bool": ({"wait_for_steady_state": "sometimes"}, "wait_for_steady_state", "a bool is required"),
}

# Pairs of inputs that only a precondition sees, still at plan time.
HARDENING_PRECONDITION_CASES = {
    "memory_not_offered_at_32_vcpu": (
        {"cpu": 32768, "memory": 131072},
        "memory",
        "memory = 131072 is not offered by Fargate with cpu = 32768: "
        "allowed memory for that cpu is 61440, 122880, 249856 MiB.",
    ),
    "memory_between_8_vcpu_steps": ({"cpu": 8192, "memory": 18432}, "memory", "16384, 20480, 24576"),
}


# Issue 11: the image, its layout and the environment the image breaks on.
IMAGE_VARIABLE_CASES = {
    "image_latest": (
        {"image": f"{PLUGIN_REPOSITORY}:latest"},
        "image",
        f'image = "{PLUGIN_REPOSITORY}:latest" is not pinned',
    ),
    "image_untagged": ({"image": PLUGIN_REPOSITORY}, "image", "is not pinned"),
    "environment_sets_port": ({"environment": {"PORT": "8001"}}, "environment", "environment sets PORT"),
    "environment_sets_plugin_port": (
        {"environment": {"FINFOCUS_PLUGIN_PORT": "8001"}},
        "environment",
        "environment sets FINFOCUS_PLUGIN_PORT: set for the whole container, every region would try",
    ),
    "environment_web_off": (
        {"environment": {"FINFOCUS_PLUGIN_WEB_ENABLED": "false"}},
        "environment",
        'FINFOCUS_PLUGIN_WEB_ENABLED = "false": without it no region serves /healthz',
    ),
    "region_port_privileged": (
        {"image": CUSTOM_IMAGE, "region_ports": {"us-east-1": 80}},
        "region_ports",
        "us-east-1 = 80. The plugin runs as a non-root user (65532)",
    ),
    "metrics_port_privileged": ({"metrics_port": 443}, "metrics_port", "metrics_port = 443 is outside 1024-65535"),
    "bridge_health_port_privileged": (
        {"port_bridge_health_port": 80},
        "port_bridge_health_port",
        "port_bridge_health_port = 80 is outside 1024-65535",
    ),
    "image_truncated_digest": ({"image": f"{PLUGIN_REPOSITORY}@sha256:abc"}, "image", "is not pinned"),
    "secret_sets_port": (
        {"secrets": {"PORT": "arn:aws:ssm:us-east-1:123456789012:parameter/port"}},
        "secrets",
        "secrets sets PORT",
    ),
    "environment_health_endpoint_off": (
        {"environment": {"FINFOCUS_PLUGIN_HEALTH_ENDPOINT": "False"}},
        "environment",
        'FINFOCUS_PLUGIN_HEALTH_ENDPOINT = "False"',
    ),
}

# Issue 19: what AWS refuses and the emulator accepts, refused at plan instead.
REVIEW_VARIABLE_CASES = {
    # ECS, IAM and CloudWatch Logs take only letters, digits, spaces and _ . : / = + - @ in tags.
    "tag_value_apostrophe": ({"tags": {"Owner": "pricing team's"}}, "tags", 'Owner = "pricing team\'s"'),
    "tag_key_reserved": ({"tags": {"aws:owner": "pricing"}}, "tags", '"aws:owner"'),
    # Keys up to 127 characters (EC2), values up to 256, counted as AWS counts: in code points. 128
    # Hangul initial jamo stay 128 code points through Terraform's NFC normalization and make one
    # grapheme cluster, which is what Terraform's length() counts.
    "tag_key_too_long": ({"tags": {"k" * 128: "pricing"}}, "tags", f'"{"k" * 128}"'),
    "tag_key_too_long_in_code_points": ({"tags": {"\u1100" * 128: "pricing"}}, "tags", "\u1100" * 128),
    "tag_value_too_long": ({"tags": {"Owner": "v" * 257}}, "tags", f'Owner = "{"v" * 257}"'),
    # Task metadata v4, which the bridge reads the task IP from, and ECS Exec start at Fargate 1.4.0.
    "platform_before_1_4": (
        {"platform_version": "1.3.0"},
        "platform_version",
        'platform_version = "1.3.0" is older than 1.4.0: the port bridge reads the task IP from task metadata '
        "endpoint v4",
    ),
    # A namespace shared through AWS RAM is named by its ARN: refused, saying so.
    "namespace_shared_through_ram": (
        {"namespace_id": "arn:aws:servicediscovery:us-east-1:210987654321:namespace/ns-0123456789abcdef0"},
        "namespace_id",
        "a namespace shared with this account through AWS RAM is not supported",
    ),
    "big_task_on_old_platform": (
        {"cpu": 8192, "memory": 16384, "platform_version": "1.2.0"},
        "platform_version",
        "1.2.0",
    ),
}

REVIEW_PRECONDITION_CASES = {
    # A create_* switch that contradicts its ARN or id.
    "create_cluster_without_arn": (
        {"create_cluster": False},
        "create_cluster",
        "create_cluster = false and cluster_arn = null disagree",
    ),
    "create_namespace_beside_id": (
        {"create_namespace": True, "namespace_id": "ns-0123456789abcdef0"},
        "create_namespace",
        'create_namespace = true and namespace_id = "ns-0123456789abcdef0" disagree',
    ),
    "create_task_role_without_exec": (
        {"create_task_role": True},
        "create_task_role",
        "create_task_role = true does not fit task_role_arn = null and enable_execute_command = false",
    ),
}

IMAGE_PRECONDITION_CASES = {
    "map_differs_from_tag": (
        {"region_ports": {"us-east-1": 8001, "us-gov-west-1": 8010}},
        "region_ports",
        "region_ports does not match the layout of image tag v0.1.8",
    ),
    "twelve_region_map_on_v0_1_8": (
        {"region_ports": {**{"us-gov-west-1": 8010, "us-gov-east-1": 8011, "us-west-1": 8012}}},
        "region_ports",
        "Not served by the tag: us-gov-east-1 = 8011, us-gov-west-1 = 8010, us-west-1 = 8012",
    ),
    "unknown_tag_without_map": (
        {"image": CUSTOM_IMAGE},
        "region_ports",
        f'region_ports is null and image = "{CUSTOM_IMAGE}" is not a release this module knows',
    ),
    "digest_without_map": (
        {"image": f"{PLUGIN_REPOSITORY}@sha256:{'a' * 64}"},
        "region_ports",
        "is not a release this module knows (v0.1.1, v0.1.2, v0.1.3, v0.1.4",
    ),
    "lookalike_repository": (
        {"image": "ghcr.io/someone/not-finfocus-plugin-aws-public:v0.1.2"},
        "region_ports",
        "is not a release this module knows",
    ),
    "bridge_health_port_clash": (
        {"port_bridge_health_port": 8004},
        "port_bridge_health_port",
        "port_bridge_health_port = 8004 is also a regional or the metrics port",
    ),
}

# Autoscaling and alarms: only bad values, which fail before the subnets are read (tests/e2e/test_autoscaling.py).
SCALING_VARIABLE_CASES = {
    "min_zero": ({"autoscaling": {"min_capacity": 0}}, "autoscaling.min_capacity = 0 is not allowed", "1 or more"),
    "max_below_min": (
        {"autoscaling": {"min_capacity": 3, "max_capacity": 2}, "desired_count": 3},
        "autoscaling.max_capacity = 2 is not allowed with min_capacity = 3",
        "from min_capacity to 5000",
    ),
    "max_over_quota": ({"autoscaling": {"max_capacity": 6000}}, "autoscaling.max_capacity = 6000", "5000"),
    "cpu_target_zero": ({"autoscaling": {"cpu_target": 0}}, "cpu_target = 0 and memory_target = null", "above 0"),
    "memory_target_over": ({"autoscaling": {"memory_target": 101}}, "memory_target = 101", "at most 100"),
    "cooldown_fraction": ({"autoscaling": {"scale_in_cooldown": 1.5}}, "scale_in_cooldown = 1.5", "whole number"),
    "cooldown_negative": ({"autoscaling": {"scale_out_cooldown": -1}}, "scale_out_cooldown = -1", "0 or more"),
    "alarm_action_not_an_arn": (
        {"alarm_actions": ["finfocus-pager"]},
        'alarm_actions has values that are not ARNs: "finfocus-pager"',
        "SNS",
    ),
}


# Issues 31 and 35: rules AWS enforces that neither the provider nor moto checks (the emulator now does).
LIFECYCLE_VARIABLE_CASES = {
    # CapacityProviderStrategyItem: "Only one capacity provider in a capacity provider strategy can have a base".
    "strategy_two_bases": (
        {
            "capacity_provider_strategy": [
                {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
                {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 2},
            ]
        },
        "capacity_provider_strategy",
        "FARGATE (base = 1) and FARGATE_SPOT (base = 2)",
    ),
    # ECS reserves aws:, in any case, as the prefix of tag values too.
    "tag_value_reserved": ({"tags": {"Owner": "AWS:pricing"}}, "tags", 'Owner = "AWS:pricing"'),
    # CreateLogGroup: "Log group names can't start with the string aws/".
    "log_group_reserved": ({"log_group_name": "aws/finfocus"}, "log_group_name", '"aws/finfocus" starts with aws/'),
    "rules_quota_zero": ({"security_group_rules_quota": 0}, "security_group_rules_quota", "= 0 is not a quota"),
    "boundary_not_a_policy": (
        {"iam_role_permissions_boundary": "arn:aws:iam::123456789012:role/boundary"},
        "iam_role_permissions_boundary",
        '"arn:aws:iam::123456789012:role/boundary" is not a managed policy ARN',
    ),
}

# Ten regions on every other port fold into no range: ten rules per source, seven sources.
SCATTERED_PORTS = {
    region: 8001 + 2 * index
    for index, region in enumerate(
        (
            "us-east-1",
            "us-west-2",
            "eu-west-1",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
            "ap-south-1",
            "ca-central-1",
            "sa-east-1",
            "us-west-1",
        )
    )
}
SEVEN_BLOCKS = [f"10.{index}.0.0/16" for index in range(7)]
LIFECYCLE_PRECONDITION_CASES = {
    # Two outbound rules (UDP and TCP 53) per DNS server, one for HTTPS to the world.
    "outbound_rules_over_quota": (
        {"dns_egress_cidr_blocks": [f"10.0.{index}.2/32" for index in range(30)]},
        "security_group_rules_quota = 60",
        "would hold 61 IPv4 and 0 IPv6 outbound rules",
    ),
    "inbound_rules_over_quota": (
        {"image": CUSTOM_IMAGE, "region_ports": SCATTERED_PORTS, "allowed_cidr_blocks": SEVEN_BLOCKS},
        "security_group_rules_quota = 60",
        "would hold 70 IPv4 and 0 IPv6 inbound rules",
    ),
}

# One item more than AWS's API model allows, per input that flows into an API list or map (api_limits.py).
SIZE_VARIABLE_CASES = {
    f"{name}_over_the_api_model": (
        {name: items(name, allowed(name) + 1)},
        f"{name} has {allowed(name) + 1}",
        "at most",
    )
    for name in INPUT_COLLECTIONS
}


def module_calls(*tables: dict[str, tuple]) -> dict[str, dict]:
    """One offline module call per case of the tables, named as the case."""
    return {call: offline_inputs(**inputs) for cases in tables for call, (inputs, _, _) in cases.items()}


VARIABLE_CALLS = module_calls(
    VARIABLE_CASES,
    IMAGE_VARIABLE_CASES,
    REVIEW_VARIABLE_CASES,
    SCALING_VARIABLE_CASES,
    SIZE_VARIABLE_CASES,
    LIFECYCLE_VARIABLE_CASES,
)
# As many items as the model allows: they must raise nothing.
for name in INPUT_COLLECTIONS:
    VARIABLE_CALLS[f"control_{name}_at_the_api_model"] = offline_inputs(**{name: items(name, allowed(name))})
# The longest key and value AWS takes, in letters of two bytes: they must raise nothing.
VARIABLE_CALLS["control_tags_at_their_longest"] = offline_inputs(tags={"\u00e9" * 127: "\u00e9" * 256})
HARDENING_VARIABLE_CALLS = module_calls(HARDENING_VARIABLE_CASES)
PRECONDITION_CALLS = module_calls(
    PRECONDITION_CASES,
    HARDENING_PRECONDITION_CASES,
    IMAGE_PRECONDITION_CASES,
    REVIEW_PRECONDITION_CASES,
    LIFECYCLE_PRECONDITION_CASES,
)
# Valid inputs beside the bad ones: they must raise nothing.
PRECONDITION_CALLS["control"] = offline_inputs()
# The precondition root's provider sends DEFAULT_TAGS: with them, as many tags as the variable allows are too many.
DEFAULT_TAGS = {f"org-{index}": "finfocus" for index in range(10)}
PRECONDITION_CALLS["tags_with_default_tags"] = offline_inputs(tags=items("tags", allowed("tags")))
PRECONDITION_CALLS["control_tags_with_default_tags"] = offline_inputs(tags=items("tags", 50 - 1 - len(DEFAULT_TAGS)))
PRECONDITION_CALLS["control_16_vcpu"] = offline_inputs(cpu=16384, memory=122880, platform_version="1.4.0")
PRECONDITION_CALLS["control_digest_with_map"] = offline_inputs(
    image=f"{PLUGIN_REPOSITORY}@sha256:{'a' * 64}", region_ports={"us-east-1": 8001}
)
PRECONDITION_CALLS["control_mirror_with_known_tag"] = offline_inputs(
    image="123456789012.dkr.ecr.us-east-1.amazonaws.com/ghcr/rshade/finfocus-plugin-aws-public:v0.1.2"
)
PRECONDITION_CALLS["control_custom_image_with_map"] = offline_inputs(
    image=CUSTOM_IMAGE, region_ports={"us-east-1": 8001}
)
# The quota counts each IP family apart: 60 IPv4 and 60 IPv6 rules fit, as do 60 with a raised quota's room.
PRECONDITION_CALLS["control_rules_per_family"] = offline_inputs(
    image=CUSTOM_IMAGE,
    region_ports=SCATTERED_PORTS,
    allowed_cidr_blocks=SEVEN_BLOCKS[:6] + [f"fd00:{index}::/64" for index in range(6)],
)
PRECONDITION_CALLS["control_rules_quota_raised"] = offline_inputs(
    **LIFECYCLE_PRECONDITION_CASES["inbound_rules_over_quota"][0], security_group_rules_quota=70
)


def assert_clear_error(errors: list[str], variable: str, fragment: str) -> None:
    assert errors, "plan accepted the bad input"
    assert any(variable in error and fragment in error for error in errors), errors
