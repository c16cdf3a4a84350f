"""The emulator's ECS as the provider meets it on AWS (emulator_server.enforce_service_names, add_service_deployments).

moto 5.2.5 replaces a service created under a taken name and answers the
service-deployment calls with HTTP 500. AWS refuses the name while a service
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

from finfocus_ecs.emulator_server import DRAINING_SECONDS

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


def test_a_taken_service_name_is_refused_until_the_old_service_is_inactive(ecs):
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
    time.sleep(DRAINING_SECONDS + 0.2)
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
