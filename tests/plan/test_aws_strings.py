"""Every name, description and tag the module plans passes the AWS API that receives it.

The emulator accepts any string, so a character AWS refuses (an apostrophe in
a security-group rule description: "InvalidParameterValue: Invalid rule
description", terraform-provider-aws #18874) passes every other test and fails
on the first real apply. This checks the planned values of every call in
tests/module_cases.py (one of them, `full_featured`, has every option on, a
40-character name and tags of every allowed kind) against the rule of the API
that receives each string, from that API's reference.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.module_cases import CALLS

pytestmark = pytest.mark.plan

API = "https://docs.aws.amazon.com"


@dataclass(frozen=True)
class Rule:
    """What one API accepts for one string: a pattern over the whole string, a length, the page that says so."""

    pattern: str
    max_length: int
    source: str
    min_length: int = 1

    def problem(self, value: str) -> str | None:
        if not self.min_length <= len(value) <= self.max_length:
            return f"{len(value)} characters, allowed {self.min_length}-{self.max_length}"
        if not re.fullmatch(self.pattern, value, re.DOTALL):
            return f"does not match {self.pattern}"
        return None


# EC2's set for group names, group descriptions and rule descriptions.
EC2_TEXT = r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*"
# ECS: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed."
ECS_NAME = r"[A-Za-z0-9_-]+"
IAM_NAME = r"[\w+=,.@-]+"

# (resource type, attribute) => rule. A planned string attribute named like a
# name or description that has no entry here fails test_every_planned_string_has_a_rule.
RULES: dict[tuple[str, str], Rule] = {
    ("aws_security_group", "name"): Rule(
        r"(?!sg-)" + EC2_TEXT, 255, f"{API}/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html (GroupName)"
    ),
    ("aws_security_group", "description"): Rule(
        EC2_TEXT, 255, f"{API}/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html (GroupDescription)"
    ),
    ("aws_vpc_security_group_ingress_rule", "description"): Rule(
        EC2_TEXT, 255, f"{API}/AWSEC2/latest/APIReference/API_IpRange.html (Description)", min_length=0
    ),
    ("aws_vpc_security_group_egress_rule", "description"): Rule(
        EC2_TEXT, 255, f"{API}/AWSEC2/latest/APIReference/API_IpRange.html (Description)", min_length=0
    ),
    ("aws_ec2_managed_prefix_list", "name"): Rule(
        r"(?!com\.amazonaws).*", 255, f"{API}/AWSEC2/latest/APIReference/API_CreateManagedPrefixList.html"
    ),
    ("aws_ecs_cluster", "name"): Rule(ECS_NAME, 255, f"{API}/AmazonECS/latest/APIReference/API_CreateCluster.html"),
    ("aws_ecs_cluster_capacity_providers", "cluster_name"): Rule(
        ECS_NAME, 255, f"{API}/AmazonECS/latest/APIReference/API_CreateCluster.html"
    ),
    ("aws_ecs_service", "name"): Rule(ECS_NAME, 255, f"{API}/AmazonECS/latest/APIReference/API_CreateService.html"),
    ("aws_ecs_task_definition", "family"): Rule(
        ECS_NAME, 255, f"{API}/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html"
    ),
    ("aws_iam_role", "name"): Rule(IAM_NAME, 64, f"{API}/IAM/latest/APIReference/API_CreateRole.html (RoleName)"),
    ("aws_iam_role", "description"): Rule(
        "[\u0009\u000a\u000d\u0020-\u007e\u00a1-\u00ff]*",
        1000,
        f"{API}/IAM/latest/APIReference/API_CreateRole.html (Description)",
        min_length=0,
    ),
    ("aws_iam_role_policy", "name"): Rule(
        IAM_NAME, 128, f"{API}/IAM/latest/APIReference/API_PutRolePolicy.html (PolicyName)"
    ),
    ("aws_cloudwatch_log_group", "name"): Rule(
        r"[.\-_/#A-Za-z0-9]+", 512, f"{API}/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"
    ),
    # "UTF-8 characters, and can't contain ASCII control characters".
    ("aws_cloudwatch_metric_alarm", "alarm_name"): Rule(
        r"[^\x00-\x1f\x7f]+", 255, f"{API}/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmName)"
    ),
    ("aws_cloudwatch_metric_alarm", "alarm_description"): Rule(
        r".*",
        1024,
        f"{API}/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmDescription)",
        min_length=0,
    ),
    ("aws_service_discovery_private_dns_namespace", "name"): Rule(
        r"[!-~]+", 1024, f"{API}/cloud-map/latest/api/API_CreatePrivateDnsNamespace.html (Name)"
    ),
    ("aws_service_discovery_private_dns_namespace", "description"): Rule(
        r".*", 1024, f"{API}/cloud-map/latest/api/API_CreatePrivateDnsNamespace.html (Description)", min_length=0
    ),
    ("aws_service_discovery_service", "name"): Rule(
        r"([a-zA-Z0-9_][a-zA-Z0-9\-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9])(\.([a-zA-Z0-9_][a-zA-Z0-9\-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9]))*",
        127,
        f"{API}/cloud-map/latest/api/API_CreateService.html (Name)",
    ),
    ("aws_service_discovery_service", "description"): Rule(
        r".*", 1024, f"{API}/cloud-map/latest/api/API_CreateService.html (Description)", min_length=0
    ),
}

# Strings inside the container definitions JSON (RegisterTaskDefinition).
CONTAINER_RULES: dict[str, Rule] = {
    "container name": Rule(ECS_NAME, 255, f"{API}/AmazonECS/latest/APIReference/API_ContainerDefinition.html (name)"),
    "port mapping name": Rule(
        r"[a-z0-9_][a-z0-9_-]*", 64, f"{API}/AmazonECS/latest/APIReference/API_PortMapping.html (name)"
    ),
    "volume name": Rule(ECS_NAME, 255, f"{API}/AmazonECS/latest/APIReference/API_Volume.html (name)"),
    # awslogs-stream-prefix becomes part of each log stream's name.
    "log stream prefix": Rule(
        r"[^:*]*", 512, f"{API}/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html (logStreamName)"
    ),
}


def aws_tag_characters(text: str) -> bool:
    """[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]: letters, separators (spaces), numbers and six signs."""
    return all(
        char.isalpha() or char.isnumeric() or unicodedata.category(char).startswith("Z") or char in "_.:/=+-@"
        for char in text
    )


@dataclass(frozen=True)
class TagRule:
    max_key: int
    source: str
    characters: Callable[[str], bool] = aws_tag_characters
    max_value: int = 256


# EC2 takes any character in a tag, and keys of up to 127.
EC2_TAGS = TagRule(127, f"{API}/AWSEC2/latest/APIReference/API_Tag.html", characters=lambda text: True)
ECS_TAGS = TagRule(128, f"{API}/AmazonECS/latest/APIReference/API_Tag.html")
IAM_TAGS = TagRule(128, f"{API}/IAM/latest/APIReference/API_Tag.html")
LOGS_TAGS = TagRule(128, f"{API}/AmazonCloudWatchLogs/latest/APIReference/API_TagResource.html")
CLOUDWATCH_TAGS = TagRule(128, f"{API}/AmazonCloudWatch/latest/APIReference/API_Tag.html")
CLOUD_MAP_TAGS = TagRule(128, f"{API}/cloud-map/latest/api/API_Tag.html (no pattern)", characters=lambda text: True)
TAG_RULES = {
    "aws_security_group": EC2_TAGS,
    "aws_vpc_security_group_ingress_rule": EC2_TAGS,
    "aws_vpc_security_group_egress_rule": EC2_TAGS,
    "aws_ec2_managed_prefix_list": EC2_TAGS,
    "aws_ecs_cluster": ECS_TAGS,
    "aws_ecs_service": ECS_TAGS,
    "aws_ecs_task_definition": ECS_TAGS,
    "aws_iam_role": IAM_TAGS,
    "aws_cloudwatch_log_group": LOGS_TAGS,
    "aws_cloudwatch_metric_alarm": CLOUDWATCH_TAGS,
    "aws_service_discovery_private_dns_namespace": CLOUD_MAP_TAGS,
    "aws_service_discovery_service": CLOUD_MAP_TAGS,
}
# Types that take no names, descriptions or tags of their own (terraform_data never reaches AWS).
UNTAGGED = {
    "aws_ecs_cluster_capacity_providers",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "terraform_data",
}
NAMED_ATTRIBUTES = ("name", "name_prefix", "description", "family", "cluster_name", "alarm_name", "alarm_description")


def module_resources(planned) -> list[tuple[str, dict]]:
    """(call, resource) for every resource the module plans, in every call."""
    found = []
    for resource in planned.resources:
        call = resource["address"].split(".")[1] if resource["address"].startswith("module.") else None
        if call in CALLS and resource["mode"] == "managed":
            found.append((call, resource))
    return found


def test_every_planned_string_has_a_rule(module_cases):
    """A resource type or named attribute added later needs its rule here first."""
    missing = set()
    for _, resource in module_resources(module_cases):
        kind, values = resource["type"], resource["values"]
        if kind not in TAG_RULES and kind not in UNTAGGED:
            missing.add(f"{kind}: tags")
        missing |= {
            f"{kind}.{key}" for key in NAMED_ATTRIBUTES if isinstance(values.get(key), str) and (kind, key) not in RULES
        }
    assert not missing, f"no AWS rule for {sorted(missing)}: add it to RULES or TAG_RULES with its source"


@pytest.mark.parametrize(("kind", "attribute"), sorted(RULES), ids=lambda item: str(item))
def test_names_and_descriptions_pass_their_api(module_cases, kind, attribute):
    rule = RULES[(kind, attribute)]
    problems = [
        f"{resource['address']}.{attribute} = {resource['values'][attribute]!r}: {problem}"
        for _, resource in module_resources(module_cases)
        if resource["type"] == kind and isinstance(resource["values"].get(attribute), str)
        if (problem := rule.problem(resource["values"][attribute]))
    ]
    assert not problems, f"refused by AWS ({rule.source}):\n" + "\n".join(problems)


def test_rule_descriptions_are_known_at_plan(module_cases):
    """A description made of a value known only after apply is absent from the plan, which fails CKV_AWS_23."""
    rules = [
        (call, resource)
        for call, resource in module_resources(module_cases)
        if resource["type"].startswith("aws_vpc_security_group_")
    ]
    assert any(call == "from_resources" for call, _ in rules)
    assert [resource["address"] for _, resource in rules if not resource["values"].get("description")] == []


def test_tags_pass_their_api(module_cases):
    problems = []
    checked = 0
    for _, resource in module_resources(module_cases):
        rule = TAG_RULES.get(resource["type"])
        for key, value in (resource["values"].get("tags") or {}).items() if rule else ():
            checked += 1
            if not (1 <= len(key) <= rule.max_key and rule.characters(key) and not key.lower().startswith("aws:")):
                problems.append(f"{resource['address']}: key {key!r} ({rule.source})")
            if not (len(value) <= rule.max_value and rule.characters(value)):
                problems.append(f"{resource['address']}: {key} = {value!r} ({rule.source})")
    assert checked, "no tags planned: the full-featured call lost its tags"
    assert not problems, "\n".join(problems)


def test_container_definition_names_pass_register_task_definition(module_cases):
    problems = []
    for call, resource in module_resources(module_cases):
        if resource["type"] != "aws_ecs_task_definition":
            continue
        values = resource["values"]
        strings = [("volume name", volume["name"]) for volume in values.get("volume") or []]
        # Unknown until apply where the secrets come from resources of the same root.
        for container in json.loads(values.get("container_definitions", "[]")):
            strings.append(("container name", container["name"]))
            strings += [("port mapping name", mapping["name"]) for mapping in container["portMappings"]]
            options = (container.get("logConfiguration") or {}).get("options", {})
            strings.append(("log stream prefix", options.get("awslogs-stream-prefix", "")))
        for kind, value in strings:
            if problem := CONTAINER_RULES[kind].problem(value):
                problems.append(f"{call}: {kind} {value!r}: {problem} ({CONTAINER_RULES[kind].source})")
    assert not problems, "\n".join(problems)
