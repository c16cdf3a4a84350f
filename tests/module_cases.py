"""Module calls planned once per test run, shared by the plan and port-bridge tests."""

from __future__ import annotations

from finfocus_ecs.module import image_layouts
from finfocus_ecs.roots import offline_inputs

LAYOUTS = {layout["name"]: layout for layout in image_layouts()}
TEN_REGIONS = LAYOUTS["10-region"]["region_ports"]
PLUGIN_REPOSITORY = "ghcr.io/rshade/finfocus-plugin-aws-public"
# Two regions on their ports of the v0.1.8 layout.
TWO_REGIONS = {"eu-west-1": 8003, "us-west-1": 8010}
# A custom build: a tag the module does not know, so region_ports is the user's.
CUSTOM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/finfocus-custom:build-42"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:finfocus/token-AbCdEf"
PARAMETER_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/finfocus/key"
SHARED_CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/shared"
ALARM_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:pricing-pager"
KMS_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

CALLS = {
    "defaults": offline_inputs(),
    # The default tag's layout given explicitly: accepted, as it matches.
    "ten_regions": offline_inputs(region_ports=TEN_REGIONS),
    # The older layouts follow from their tags alone.
    "twelve_regions": offline_inputs(image=f"{PLUGIN_REPOSITORY}:v0.1.2"),
    "nine_regions": offline_inputs(image=f"{PLUGIN_REPOSITORY}:v0.1.3"),
    "bridge_off": offline_inputs(port_bridge_enabled=False),
    "gapped": offline_inputs(
        image=CUSTOM_IMAGE,
        region_ports={"us-east-1": 8001, "us-west-2": 8002, "eu-west-1": 8005, "sa-east-1": 8007},
    ),
    "no_metrics": offline_inputs(metrics_port=None),
    "sources": offline_inputs(
        allowed_cidr_blocks=["10.1.0.0/16", "fd00::/8"],
        allowed_security_group_ids=["sg-0123456789abcdef0"],
        metrics_allowed_cidr_blocks=["10.9.0.0/24"],
        metrics_allowed_security_group_ids=["sg-0fedcba9876543210"],
    ),
    "extras": offline_inputs(
        secrets={"FINFOCUS_TOKEN": SECRET_ARN + ":token::", "FINFOCUS_KEY": PARAMETER_ARN},
        secrets_kms_key_arns=[KMS_ARN],
        cors_allowed_origins=["https://app.example.com"],
        cors_allow_credentials=True,
        environment={"EXTRA_SETTING": "1"},
        capacity_provider_strategy=[
            {"capacity_provider": "FARGATE_SPOT", "weight": 3},
            {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
        ],
        enable_execute_command=True,
        cpu_architecture="ARM64",
    ),
    "all_spot": offline_inputs(capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}]),
    # The switch back to the image's own scripts, for an image whose bash scripts can run.
    "image_entrypoint": offline_inputs(use_image_entrypoint=True),
    # Short stop and health timings, so the rehearsal can show the port bridge's linger after
    # the stop signal (the 4 s TTL) and a plugin that never turns HEALTHY in seconds.
    "short_timings": offline_inputs(
        dns_ttl=4, termination_grace_seconds=3, health_check={"interval": 5, "timeout": 2, "retries": 1}
    ),
    # The same with two regions of a release whose layout the module does not know (its map given): the stop and the
    # start script's limits do not depend on how many regions a task serves, and a region stand-in and its
    # health checks cost a second of CPU each.
    "short_timings_two_regions": offline_inputs(
        image=f"{PLUGIN_REPOSITORY}:v0.1.10",
        region_ports=TWO_REGIONS,
        dns_ttl=4,
        termination_grace_seconds=3,
        health_check={"interval": 5, "timeout": 2, "retries": 1},
    ),
    # Every optional feature on at once, with the longest name and tags of every allowed kind
    # of character: tests/plan/test_aws_strings.py checks each string it plans against AWS's rules.
    "full_featured": offline_inputs(
        name="F" + "ull-featured-variant-of-the-module-4" + "x" * 3,
        allowed_cidr_blocks=["10.1.0.0/16", "fd00::/8"],
        allowed_security_group_ids=["sg-0123456789abcdef0"],
        metrics_allowed_cidr_blocks=["10.9.0.0/24"],
        metrics_allowed_security_group_ids=["sg-0fedcba9876543210"],
        egress_cidr_blocks=["0.0.0.0/0", "::/0"],
        dns_egress_cidr_blocks=["10.0.0.2/32", "fd00::53/128"],
        secrets={"FINFOCUS_TOKEN": SECRET_ARN + ":token::", "FINFOCUS_KEY": PARAMETER_ARN},
        secrets_kms_key_arns=[KMS_ARN],
        log_kms_key_id=KMS_ARN,
        enable_execute_command=True,
        capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}],
        namespace_name="pricing.finfocus.internal",
        skip_destroy=True,
        alarm_actions=[ALARM_TOPIC_ARN],
        tags={"Team": "Pricing Platform", "cost-center": "42/b+c=d_e.f:g@h", "Ünïcode": "naïve café"},
    ),
    # Autoscaling reads the subnets (data.aws_subnet), so it is planned against the emulator
    # in tests/e2e/test_autoscaling.py; alarms need nothing from AWS.
    # On a given cluster, whose name (an alarm dimension) is known at plan.
    "alarms": offline_inputs(alarm_actions=[ALARM_TOPIC_ARN], cluster_arn=SHARED_CLUSTER_ARN),
    "existing": offline_inputs(
        cluster_arn=SHARED_CLUSTER_ARN,
        execution_role_arn="arn:aws:iam::123456789012:role/existing-execution",
    ),
}

# The README's minimal use: only vpc_id and subnet_ids, from resources in the same root.
NETWORK = {
    "resource": {
        "aws_vpc": {"main": {"cidr_block": "10.7.0.0/16"}, "peer": {"cidr_block": "10.8.0.0/16"}},
        "aws_subnet": {"a": {"vpc_id": "${aws_vpc.main.id}", "cidr_block": "10.7.1.0/24"}},
    }
}
CALLS["minimal"] = {"vpc_id": "${aws_vpc.main.id}", "subnet_ids": ["${aws_subnet.a.id}"]}

# Every id-like input from a resource of the same root, as most users write it
# (the client's security group beside the module, a shared cluster, a KMS key):
# each is known only after apply, so the plan must not need any of them.
NETWORK["resource"].update(
    {
        "aws_security_group": {
            "client": {"name": "client", "vpc_id": "${aws_vpc.main.id}"},
            "prometheus": {"name": "prometheus", "vpc_id": "${aws_vpc.main.id}"},
        },
        "aws_service_discovery_private_dns_namespace": {
            "shared": {"name": "shared.finfocus.internal", "vpc": "${aws_vpc.main.id}"}
        },
        "aws_ecs_cluster": {"shared": {"name": "shared"}},
        "aws_kms_key": {"secrets": {"description": "secrets"}, "logs": {"description": "logs"}},
        "aws_secretsmanager_secret": {"token": {"name": "finfocus/token"}},
        "aws_ssm_parameter": {"key": {"name": "/finfocus/key", "type": "SecureString", "value": "plan-only"}},
        "aws_iam_role": {
            role: {"name": f"given-{role}", "assume_role_policy": '{"Version": "2012-10-17", "Statement": []}'}
            for role in ("execution", "task")
        },
    }
)
FROM_RESOURCES = {
    "vpc_id": "${aws_vpc.main.id}",
    "subnet_ids": ["${aws_subnet.a.id}"],
    "allowed_cidr_blocks": ["${aws_vpc.peer.cidr_block}", "${aws_subnet.a.cidr_block}"],
    "allowed_security_group_ids": ["${aws_security_group.client.id}"],
    "metrics_allowed_cidr_blocks": ["${aws_subnet.a.cidr_block}"],
    "metrics_allowed_security_group_ids": ["${aws_security_group.prometheus.id}"],
    "egress_cidr_blocks": ["${aws_vpc.main.cidr_block}"],
    "dns_egress_cidr_blocks": ["${cidrhost(aws_vpc.main.cidr_block, 2)}/32"],
    "secrets": {
        "FINFOCUS_TOKEN": "${aws_secretsmanager_secret.token.arn}",
        "FINFOCUS_KEY": "${aws_ssm_parameter.key.arn}",
    },
    "secrets_kms_key_arns": ["${aws_kms_key.secrets.arn}"],
    "log_kms_key_id": "${aws_kms_key.logs.arn}",
    "enable_execute_command": True,
}
CALLS["from_resources"] = {
    **FROM_RESOURCES,
    "name": "from-resources",
    "namespace_id": "${aws_service_discovery_private_dns_namespace.shared.id}",
    "namespace_name": "shared.finfocus.internal",
    "cluster_arn": "${aws_ecs_cluster.shared.arn}",
    "execution_role_arn": "${aws_iam_role.execution.arn}",
    "task_role_arn": "${aws_iam_role.task.arn}",
    # What to create cannot wait for those values: these say it at plan.
    "create_cluster": False,
    "create_namespace": False,
    "create_execution_role": False,
    "create_task_role": False,
}
# The same with the roles the module creates, whose policies name the secrets and keys.
CALLS["from_resources_own_roles"] = {**FROM_RESOURCES, "name": "from-resources-own-roles"}

# tests/plan/test_hardening.py's good values at the limits: they plan, and reach the task
# definition and the service as given.
HIGH_HEALTH = {"interval": 300, "timeout": 60, "retries": 10, "start_period": 300}
LOW_HEALTH = {"interval": 5, "timeout": 2, "retries": 1, "start_period": 0}
DNS_SERVERS = ["10.0.0.2/32", "fd00::53/128"]
GOOD_CALLS = {
    "health_high": offline_inputs(health_check=HIGH_HEALTH),
    # ECS sets no rule between timeout and interval, so neither does the module.
    "health_low": offline_inputs(health_check={**LOW_HEALTH, "timeout": 30}),
    "largest_task": offline_inputs(cpu=32768, memory=249856),
    "smallest_32_vcpu": offline_inputs(cpu=32768, memory=61440),
    "no_wait": offline_inputs(wait_for_steady_state=False),
    # The longest TTL: more than the port bridge can linger within Fargate's 120 s stopTimeout.
    "dns": offline_inputs(dns_egress_cidr_blocks=DNS_SERVERS, dns_ttl=86400),
}
CALLS.update(GOOD_CALLS)
