"""The emulator's ECS as the provider meets it on AWS (emulator_server.py: enforce_service_names,
deploy_as_ecs_does, add_service_deployments, register_service_tasks, enforce_strategy_bases,
enforce_reserved_tag_prefix).

moto 5.2.5 replaces a service created under a taken name, answers the
service-deployment calls with HTTP 500, starts a deployment only for
forceNewDeployment, registers no task in Cloud Map, and takes a strategy with
two bases and tags that start with aws:. AWS refuses the name while a service
of it is ACTIVE or DRAINING, except for a CreateService repeated with its
clientToken; provider 6.4 and later wait for wait_for_steady_state through
ListServiceDeployments and DescribeServiceDeployments. These replay, through
boto3, the calls and the fields that provider 5.100 and 6.x read (the 6.x
sequence is read from its source: no 6.x provider is installed here).
"""

from __future__ import annotations

import datetime
import time

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e


@pytest.fixture
def ecs(emulator):
    """A fresh emulator with a cluster and a task definition."""
    emulator.reset()
    client = emulator.client("ecs")
    client.create_cluster(clusterName="rules")
    container = {"name": "plugin", "image": "busybox", "memory": 128}
    client.register_task_definition(family="plugin", containerDefinitions=[container])
    return client


def create(ecs, token: str) -> dict:
    return ecs.create_service(
        cluster="rules", serviceName="plugin", taskDefinition="plugin", desiredCount=1, clientToken=token
    )["service"]


def test_a_taken_service_name_is_refused_until_the_old_service_is_inactive(emulator, ecs):
    # Draining lasts until the settings say otherwise: no test waits on a clock.
    emulator.settings(drain_seconds=3600)
    first = create(ecs, "token-1")
    assert create(ecs, "token-1")["serviceArn"] == first["serviceArn"], "a retried create answers with its service"
    with pytest.raises(ClientError) as active:
        create(ecs, "token-2")
    assert active.value.response["Error"]["Code"] == "InvalidParameterException"
    assert active.value.response["Error"]["Message"] == "Creation of service was not idempotent."

    ecs.delete_service(cluster="rules", service="plugin", force=True)
    assert ecs.describe_services(cluster="rules", services=["plugin"])["services"][0]["status"] == "DRAINING"
    with pytest.raises(ClientError, match="not idempotent"):
        create(ecs, "token-3")
    emulator.settings(drain_seconds=0)
    assert ecs.describe_services(cluster="rules", services=["plugin"])["services"][0]["status"] == "INACTIVE"
    assert create(ecs, "token-4")["status"] == "ACTIVE"


def primary(ecs) -> dict:
    service = ecs.describe_services(cluster="rules", services=["plugin"])["services"][0]
    assert service["deploymentController"] == {"type": "ECS"}
    (found,) = [deployment for deployment in service["deployments"] if deployment["status"] == "PRIMARY"]
    return found


def wait_like_provider_6(ecs, cluster_arn: str, operation_time: datetime.datetime) -> str:
    """statusServiceWaitForStable's deployment path: the service deployment of the PRIMARY deployment, by revision."""
    deployment = primary(ecs)
    assert deployment["createdAt"] > operation_time, "the provider takes only a deployment newer than its call"
    number = deployment["id"].split("/")[1]
    briefs = ecs.list_service_deployments(cluster=cluster_arn, service="plugin", createdAt={"after": operation_time})[
        "serviceDeployments"
    ]
    (arn,) = [brief["serviceDeploymentArn"] for brief in briefs if number in brief["targetServiceRevisionArn"]]
    (described,) = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    return described["status"]


def test_service_deployments_answer_the_wait_of_provider_6_4_and_later(ecs):
    cluster_arn = ecs.describe_clusters(clusters=["rules"])["clusters"][0]["clusterArn"]
    created_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(milliseconds=5)
    create(ecs, "token-1")
    assert wait_like_provider_6(ecs, cluster_arn, created_at) == "SUCCESSFUL"
    first_number = primary(ecs)["id"].split("/")[1]

    time.sleep(0.01)
    updated_at = datetime.datetime.now(datetime.UTC)
    ecs.update_service(cluster="rules", service="plugin", forceNewDeployment=True)
    assert primary(ecs)["id"].split("/")[1] != first_number
    assert wait_like_provider_6(ecs, cluster_arn, updated_at) == "SUCCESSFUL"
    later = ecs.list_service_deployments(cluster="rules", service="plugin", createdAt={"after": updated_at})
    assert all(first_number not in brief["targetServiceRevisionArn"] for brief in later["serviceDeployments"])

    missing = "arn:aws:ecs:us-east-1:123456789012:service-deployment/rules/plugin/none"
    answer = ecs.describe_service_deployments(serviceDeploymentArns=[missing])
    assert answer["serviceDeployments"] == [] and answer["failures"] == [{"arn": missing, "reason": "MISSING"}]
    with pytest.raises(ClientError) as unknown:
        ecs.list_service_deployments(cluster="rules", service="absent")
    assert unknown.value.response["Error"]["Code"] == "ServiceNotFoundException"


def test_only_what_starts_a_deployment_on_aws_starts_one(ecs):
    """A desired count alone keeps the PRIMARY deployment, with its counts; a new task definition starts one."""
    create(ecs, "token-1")
    first = primary(ecs)
    ecs.update_service(cluster="rules", service="plugin", desiredCount=3)
    scaled = primary(ecs)
    assert (scaled["id"], scaled["createdAt"]) == (first["id"], first["createdAt"])
    assert (scaled["desiredCount"], scaled["runningCount"]) == (3, 3)

    container = {"name": "plugin", "image": "busybox:1", "memory": 128}
    revision = ecs.register_task_definition(family="plugin", containerDefinitions=[container])["taskDefinition"]
    ecs.update_service(cluster="rules", service="plugin", taskDefinition=revision["taskDefinitionArn"])
    deployed = primary(ecs)
    assert deployed["id"] != first["id"] and deployed["createdAt"] > first["createdAt"]
    assert (deployed["taskDefinition"], deployed["rolloutState"]) == (revision["taskDefinitionArn"], "COMPLETED")


def test_each_desired_task_is_registered_in_the_cloud_map_service(emulator, ecs):
    """One instance per desired task, with ECS's attributes; deregistered when scaled in or deleted."""
    discovery = emulator.client("servicediscovery")
    vpc_id = emulator.client("ec2").create_vpc(CidrBlock="10.64.0.0/16")["Vpc"]["VpcId"]
    discovery.create_private_dns_namespace(Name="rules.local", Vpc=vpc_id)
    namespace_id = discovery.list_namespaces()["Namespaces"][0]["Id"]
    registry = discovery.create_service(
        Name="plugin", NamespaceId=namespace_id, DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 60}]}
    )["Service"]

    def instances() -> list[dict]:
        return discovery.list_instances(ServiceId=registry["Id"])["Instances"]

    ecs.create_service(
        cluster="rules",
        serviceName="plugin",
        taskDefinition="plugin",
        desiredCount=2,
        serviceRegistries=[{"registryArn": registry["Arn"]}],
    )
    registered = instances()
    assert len(registered) == 2
    assert {key: registered[0]["Attributes"][key] for key in ("ECS_CLUSTER_NAME", "ECS_SERVICE_NAME")} == {
        "ECS_CLUSTER_NAME": "rules",
        "ECS_SERVICE_NAME": "plugin",
    }
    assert registered[0]["Attributes"]["AWS_INSTANCE_IPV4"] != registered[1]["Attributes"]["AWS_INSTANCE_IPV4"]
    ecs.update_service(cluster="rules", service="plugin", desiredCount=3)
    assert len(instances()) == 3
    # What the provider's delete sends: the count to 0, then DeleteService.
    ecs.update_service(cluster="rules", service="plugin", desiredCount=0)
    assert instances() == []
    ecs.delete_service(cluster="rules", service="plugin")
    assert instances() == []


def test_a_strategy_with_two_bases_is_refused(ecs):
    """CapacityProviderStrategyItem: only one capacity provider in a strategy can have a base defined."""
    two_bases = [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 1},
    ]
    with pytest.raises(ClientError) as refused:
        ecs.create_service(
            cluster="rules", serviceName="plugin", taskDefinition="plugin", capacityProviderStrategy=two_bases
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "Only one capacity provider" in refused.value.response["Error"]["Message"]
    create(ecs, "token-1")
    with pytest.raises(ClientError, match="Only one capacity provider"):
        ecs.update_service(cluster="rules", service="plugin", capacityProviderStrategy=two_bases)
    one_base = [{**two_bases[0]}, {**two_bases[1], "base": 0}]
    ecs.update_service(cluster="rules", service="plugin", capacityProviderStrategy=one_base)


@pytest.mark.parametrize("tag", [{"key": "AWS:team", "value": "x"}, {"key": "team", "value": "aws:x"}])
def test_tags_that_start_with_aws_are_refused_in_keys_and_values(ecs, tag):
    with pytest.raises(ClientError) as refused:
        ecs.create_service(cluster="rules", serviceName="plugin", taskDefinition="plugin", tags=[tag])
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    arn = create(ecs, "token-1")["serviceArn"]
    with pytest.raises(ClientError, match="aws: prefix is reserved"):
        ecs.tag_resource(resourceArn=arn, tags=[tag])
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "finops"}])
