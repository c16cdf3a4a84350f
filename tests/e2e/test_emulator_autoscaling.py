"""The emulator's Application Auto Scaling tagging (emulator_server.add_autoscaling_tagging).

moto 5.2.5 answers TagResource, UntagResource and ListTagsForResource with
HTTP 500; the provider retried them, and an `aws_appautoscaling_target`
seemed to hang. These show the three operations on a registered scalable
target through boto3, then the provider creating a tagged target against
the emulator (it lists the tags after creating; one apply, as each starts
the provider, about 5 s of CPU).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from finfocus_ecs.terraform import Terraform

pytestmark = pytest.mark.e2e

RESOURCE_ID = "service/scaling/plugin"


@pytest.fixture
def ecs_service(emulator):
    """A fresh emulator with an ECS service to scale (moto checks that the service exists)."""
    emulator.reset()
    ecs = emulator.client("ecs")
    ecs.create_cluster(clusterName="scaling")
    container = {"name": "plugin", "image": "busybox", "memory": 128}
    ecs.register_task_definition(family="plugin", containerDefinitions=[container])
    ecs.create_service(cluster="scaling", serviceName="plugin", taskDefinition="plugin", desiredCount=1)
    return emulator


def test_tag_untag_and_list_on_a_scalable_target(ecs_service):
    scaling = ecs_service.client("application-autoscaling")
    arn = scaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=RESOURCE_ID,
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1,
        MaxCapacity=4,
        Tags={"team": "finops"},
    )["ScalableTargetARN"]
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "finops"}
    scaling.tag_resource(ResourceARN=arn, Tags={"env": "test", "team": "pricing"})
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "pricing", "env": "test"}
    scaling.untag_resource(ResourceARN=arn, TagKeys=["team", "absent"])
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "test"}
    # Registering again updates the target; as on AWS, its Tags apply only to a new target.
    scaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=RESOURCE_ID,
        ScalableDimension="ecs:service:DesiredCount",
        MaxCapacity=6,
        Tags={"ignored": "yes"},
    )
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "test"}
    scaling.deregister_scalable_target(
        ServiceNamespace="ecs", ResourceId=RESOURCE_ID, ScalableDimension="ecs:service:DesiredCount"
    )
    with pytest.raises(ClientError) as raised:
        scaling.list_tags_for_resource(ResourceARN=arn)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_provider_creates_a_tagged_target(ecs_service, tmp_path):
    def write(tags: dict[str, str]) -> None:
        document = {
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}},
            "provider": {"aws": {"region": "us-east-1"}},
            "resource": {
                "aws_appautoscaling_target": {
                    "plugin": {
                        "service_namespace": "ecs",
                        "resource_id": RESOURCE_ID,
                        "scalable_dimension": "ecs:service:DesiredCount",
                        "min_capacity": 1,
                        "max_capacity": 4,
                        "tags": tags,
                    }
                }
            },
        }
        (tmp_path / "main.tf.json").write_text(json.dumps(document))

    write({"team": "finops"})
    terraform = Terraform(tmp_path, env=ecs_service.aws_env())
    terraform.init()
    terraform.apply()
    scaling = ecs_service.client("application-autoscaling")
    [registered] = scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert scaling.list_tags_for_resource(ResourceARN=registered["ScalableTargetARN"])["Tags"] == {"team": "finops"}
