"""What is deployed: checked through the AWS APIs, read from the quick start's state or a task definition.

`up` prints endpoints and rules from Terraform's outputs; this asks ECS, Cloud
Map and EC2 directly, so a printed endpoint is never taken on trust. The
commands that describe or call a deployment (`endpoints`, `verify`, `price`,
`connect`) read its ports, image and name here: from the state `up` wrote,
or from a task definition.

boto3 is imported only where an AWS API is called: `price` and `verify` read
the state on every run, and the import costs more than their calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finfocus_ecs.module import is_plugin_image
from finfocus_ecs.project import QUICKSTART_DIR, REPO_ROOT

if TYPE_CHECKING:
    import boto3

# `up` keeps one Terraform workspace per target, so a local run never reads or writes a real deployment's state.
WORKSPACES = {"local": "emulator", "aws": "default"}
TARGETS = tuple(WORKSPACES)


@dataclass
class Finding:
    """One check and its result."""

    check: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class IngressRule:
    """A security group rule, reduced to what clients care about."""

    from_port: int
    to_port: int
    source: str


def ingress_rules(ec2: Any, group_id: str) -> tuple[set[IngressRule], set[IngressRule]]:
    """(ingress, egress) rules of a security group; a prefix-list rule counts once per CIDR block it lists."""
    ingress: set[IngressRule] = set()
    egress: set[IngressRule] = set()
    paginator = ec2.get_paginator("describe_security_group_rules")
    pages = paginator.paginate(Filters=[{"Name": "group-id", "Values": [group_id]}])
    for page in pages:
        for rule in page["SecurityGroupRules"]:
            if rule.get("PrefixListId"):
                entries = ec2.get_managed_prefix_list_entries(PrefixListId=rule["PrefixListId"])["Entries"]
                sources = [entry["Cidr"] for entry in entries]
            else:
                group = rule.get("ReferencedGroupInfo", {}).get("GroupId", "?")
                sources = [rule.get("CidrIpv4") or rule.get("CidrIpv6") or group]
            for source in sources:
                item = IngressRule(rule.get("FromPort", -1), rule.get("ToPort", -1), source)
                (egress if rule["IsEgress"] else ingress).add(item)
    return ingress, egress


def vpc_ipv4_cidr_blocks(ec2: Any, vpc_id: str) -> list[str]:
    """Every IPv4 CIDR block associated with a VPC: the primary one and the secondary ones."""
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    return [
        association["CidrBlock"]
        for association in vpc.get("CidrBlockAssociationSet", [])
        if association.get("CidrBlockState", {}).get("State") == "associated"
    ] or [vpc["CidrBlock"]]


def check_deployment(
    outputs: Mapping[str, Any], session: boto3.Session, endpoint_url: str | None = None
) -> list[Finding]:
    """Compare the quick start's outputs with what AWS (or the emulator at endpoint_url) reports."""
    ecs = session.client("ecs", endpoint_url=endpoint_url)
    ec2 = session.client("ec2", endpoint_url=endpoint_url)
    discovery = session.client("servicediscovery", endpoint_url=endpoint_url)
    wanted_ports = {int(endpoint.rsplit(":", 1)[1]) for endpoint in outputs["endpoints"].values()}
    findings: list[Finding] = []

    task_definition = ecs.describe_task_definition(taskDefinition=outputs["task_definition_arn"])["taskDefinition"]
    mapped = {
        mapping["containerPort"]
        for container in task_definition["containerDefinitions"]
        for mapping in container.get("portMappings", [])
    }
    missing = sorted(wanted_ports - mapped)
    findings.append(
        Finding(
            "task definition maps every regional port",
            not missing,
            f"{len(wanted_ports & mapped)} of {len(wanted_ports)} ports mapped"
            + (f"; missing {missing}" if missing else ""),
        )
    )

    services = ecs.describe_services(cluster=outputs["cluster_arn"], services=[outputs["service_arn"]])["services"]
    registries = [entry["registryArn"] for entry in services[0].get("serviceRegistries", [])] if services else []
    findings.append(
        Finding(
            "ECS service registers in the Cloud Map service",
            registries == [outputs["cloud_map_service_arn"]],
            f"service registries: {registries or 'none'}",
        )
    )

    cloud_map_id = outputs["cloud_map_service_arn"].rsplit("/", 1)[1]
    dns_config = discovery.get_service(Id=cloud_map_id)["Service"]["DnsConfig"]
    record_types = [record["Type"] for record in dns_config["DnsRecords"]]
    findings.append(
        Finding(
            "Cloud Map publishes A records",
            record_types == ["A"] and dns_config.get("RoutingPolicy") == "MULTIVALUE",
            f"records {record_types}, routing {dns_config.get('RoutingPolicy')}",
        )
    )

    # The quick start leaves allowed_cidr_blocks at null: every IPv4 block of the VPC.
    expected_ingress = {
        IngressRule(port_range["from_port"], port_range["to_port"], cidr)
        for port_range in outputs["security_group_ingress_port_ranges"]
        for cidr in vpc_ipv4_cidr_blocks(ec2, outputs["vpc_id"])
    }
    covered = {
        port
        for port_range in outputs["security_group_ingress_port_ranges"]
        for port in range(port_range["from_port"], port_range["to_port"] + 1)
    }
    ingress, egress = ingress_rules(ec2, outputs["security_group_id"])
    findings.append(
        Finding(
            "security group opens exactly the regional ports to the VPC",
            ingress == expected_ingress and covered == wanted_ports,
            f"{len(ingress)} ingress rule(s): "
            + ", ".join(f"{r.from_port}-{r.to_port} from {r.source}" for r in sorted(ingress, key=str)),
        )
    )
    findings.append(
        Finding(
            "security group egress is HTTPS only",
            bool(egress) and all(r.from_port == r.to_port == 443 for r in egress),
            ", ".join(f"{r.from_port}-{r.to_port} to {r.source}" for r in sorted(egress, key=str)),
        )
    )
    return findings


# A region name, as the module names the regional port mappings after them (us-east-1, us-gov-west-1).
_REGION_NAME = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")


class TaskDefinitionError(ValueError):
    """A task definition that cannot be read, or that does not run the plugin."""


def read_task_definition(task_definition: str, ecs: Any = None) -> dict[str, Any]:
    """A task definition from a JSON file, or from ECS by family, family:revision or ARN.

    The file is what `finfocus-ecs task-definition` writes or what `aws ecs
    describe-task-definition` prints; ECS is asked with
    ecs:DescribeTaskDefinition, in the region and with the credentials of the
    usual AWS_* variables or profile.
    """
    path = Path(task_definition)
    if path.is_file():
        try:
            document = json.loads(path.read_text())
        except ValueError as error:
            raise TaskDefinitionError(f"{task_definition} is not JSON: {error}") from None
        return document.get("taskDefinition", document)
    import boto3
    import botocore.exceptions

    try:
        client = ecs or boto3.client("ecs")
        document = client.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
        # As `aws ecs describe-task-definition` prints it: timestamps as text, like the file's.
        return json.loads(json.dumps(document, default=str))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        raise TaskDefinitionError(
            f"cannot read task definition {task_definition}: not a file here, and from ECS: {error}"
        ) from None


def deployed_layout(task_definition: str, ecs: Any = None) -> tuple[dict[str, int], str]:
    """Region => port and the plugin's image, as a deployed task definition says them.

    task_definition is what read_task_definition reads. The ports are the
    port mappings the module names after their regions (on the bridge, or on
    the plugin with the bridge off).
    """
    document = read_task_definition(task_definition, ecs)
    containers = document.get("containerDefinitions", [])
    ports = {
        mapping["name"]: int(mapping["containerPort"])
        for container in containers
        for mapping in container.get("portMappings", [])
        if _REGION_NAME.match(mapping.get("name", ""))
    }
    images = [container["image"] for container in containers if is_plugin_image(container.get("image", ""))]
    if not images or not ports:
        raise TaskDefinitionError(
            f"task definition {task_definition} does not run the finfocus-plugin-aws-public image with port mappings "
            "named after their regions (as the module writes them)"
        )
    return ports, images[0]


def quickstart_state(target: str, root: Path = QUICKSTART_DIR) -> Path:
    """The state file of the quick start's workspace for a target (Terraform's local backend)."""
    workspace = WORKSPACES[target]
    if workspace == "default":
        return root / "terraform.tfstate"
    return root / "terraform.tfstate.d" / workspace / "terraform.tfstate"


@dataclass(frozen=True)
class QuickStartDeployment:
    """The quick start as `up` deployed it: its outputs, from its Terraform state."""

    target: str
    state: Path
    outputs: dict[str, Any]

    @property
    def ports(self) -> dict[str, int]:
        return {region: int(endpoint.rsplit(":", 1)[1]) for region, endpoint in self.outputs["endpoints"].items()}

    @property
    def image(self) -> str | None:
        return self.outputs.get("image")

    @property
    def dns_name(self) -> str:
        return str(self.outputs["dns_name"])

    def describe(self) -> str:
        where = "your AWS account" if self.target == "aws" else "the local emulator"
        state = self.state.relative_to(REPO_ROOT) if self.state.is_relative_to(REPO_ROOT) else self.state
        return f"the quick start deployed to {where} (state {state})"


def deployed_quickstart(root: Path = QUICKSTART_DIR) -> QuickStartDeployment | None:
    """What `up` deployed from this clone, or None: AWS first, then the local emulator while it runs.

    Read from the state file's outputs, without Terraform (a command that
    calls the deployment should not wait for a Terraform process). A state
    with no outputs (destroyed, or never applied) is nothing deployed; so is
    a local state whose emulator has stopped, since the deployment lived in
    its memory.
    """
    for target in ("aws", "local"):
        outputs = _state_outputs(quickstart_state(target, root))
        if not outputs or "endpoints" not in outputs:
            continue
        if target == "local":
            from finfocus_ecs import emulator

            if emulator.recorded() is None:
                continue
        return QuickStartDeployment(target, quickstart_state(target, root), outputs)
    return None


def _state_outputs(state: Path) -> dict[str, Any]:
    try:
        document = json.loads(state.read_text())
    except (OSError, ValueError):
        return {}
    return {name: output.get("value") for name, output in (document.get("outputs") or {}).items()}
