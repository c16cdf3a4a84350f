"""The moto server, with the response fixes this project needs.

Run as `python -m finfocus_ecs.emulator_server --port N`. Each fix makes moto
5.2.5 answer the way AWS does, so that a plan right after apply is empty, as
it is against AWS. None of them changes what the module sends, and the module
carries no `ignore_changes` for the emulator's sake: that would hide real
drift from users. Gaps that cannot be closed here are listed in
docs/emulator.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import signal
from typing import Any

# AWS's ECS CreateService/UpdateService echo these request fields back in
# DescribeServices; moto 5.2.5 drops them, so the provider plans to set them
# again on every run. Request field => moto attribute it is stored under.
ECHOED_SERVICE_FIELDS = {
    # Sent by the provider on every create (its default is DISABLED).
    "availabilityZoneRebalancing": "availability_zone_rebalancing",
    "enableECSManagedTags": "enable_ecs_managed_tags",
    "enableExecuteCommand": "enable_execute_command",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    # Deployment percentages and the circuit breaker.
    "deploymentConfiguration": "deployment_configuration",
    "capacityProviderStrategy": "capacity_provider_strategy",
}


def apply_response_fixes() -> None:
    """Patch moto's ECS responses to echo what AWS echoes."""
    from moto.ecs.responses import EC2ContainerServiceResponse

    def echo_fields(original: Any) -> Any:
        @functools.wraps(original)
        def handler(self: EC2ContainerServiceResponse) -> Any:
            result = original(self)
            service = _service_from(self)
            for field, attribute in ECHOED_SERVICE_FIELDS.items():
                value = self._get_param(field)
                if value is not None:
                    setattr(service, attribute, value)
            # With a capacity-provider strategy, AWS reports no launch type;
            # moto reports EC2, which the provider reads as a change that
            # forces a new service.
            if getattr(service, "capacity_provider_strategy", None):
                service.launch_type = None
            return result

        return handler

    EC2ContainerServiceResponse.create_service = echo_fields(EC2ContainerServiceResponse.create_service)
    EC2ContainerServiceResponse.update_service = echo_fields(EC2ContainerServiceResponse.update_service)


def report_desired_tasks_running() -> None:
    """Report every desired task of a new service RUNNING, as AWS does once a healthy service settles.

    moto runs no containers. A new service reports runningCount 0, or
    MOTO_ECS_SERVICE_RUNNING (one number for every service, whatever its
    desired count), and never changes it, so the module's
    wait_for_steady_state (one deployment, running == desired) would wait
    until its timeout. UpdateService already sets running to a new desired
    count. The module's wait therefore passes at once here: a task that
    cannot start on AWS is not something the emulator can show.
    """
    from moto.ecs.models import Service

    original = Service.__init__

    @functools.wraps(original)
    def init(self: Service, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.running_count = self.desired_count
        self.pending_count = 0
        for deployment in self.deployments:
            deployment.update(
                runningCount=self.desired_count,
                pendingCount=0,
                rolloutState="COMPLETED",
                rolloutStateReason=f"ECS deployment {deployment['id']} completed.",
            )

    Service.__init__ = init


def add_autoscaling_tagging() -> None:
    """Application Auto Scaling's TagResource, UntagResource and ListTagsForResource, on scalable targets.

    moto 5.2.5 implements neither these nor the Tags of RegisterScalableTarget.
    It answers the three with HTTP 500, which the provider retries, so an
    `aws_appautoscaling_target` (it lists its tags after every create and read)
    seemed to hang. As on AWS, tags are taken by RegisterScalableTarget only
    when it creates the target, live on the target, and go with it; an ARN
    that names no scalable target is a ResourceNotFoundException.
    """
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.core.exceptions import JsonRESTError

    def target_by_arn(response: ApplicationAutoScalingResponse, arn: str) -> Any:
        backend = response.applicationautoscaling_backend
        for targets in backend.targets.values():
            for target in targets.values():
                if target.arn == arn:
                    return target
        raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for ARN: {arn}")

    def tags_of(target: Any) -> dict[str, str]:
        if not hasattr(target, "tags"):
            target.tags = {}
        return target.tags

    def tag_resource(self: ApplicationAutoScalingResponse) -> str:
        tags_of(target_by_arn(self, self._get_param("ResourceARN"))).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self: ApplicationAutoScalingResponse) -> str:
        tags = tags_of(target_by_arn(self, self._get_param("ResourceARN")))
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        return json.dumps({})

    def list_tags_for_resource(self: ApplicationAutoScalingResponse) -> str:
        return json.dumps({"Tags": tags_of(target_by_arn(self, self._get_param("ResourceARN")))})

    original_register = ApplicationAutoScalingResponse.register_scalable_target

    @functools.wraps(original_register)
    def register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
        result = original_register(self)
        target = target_by_arn(self, json.loads(result)["ScalableTargetARN"])
        if not hasattr(target, "tags"):  # created by this call: AWS tags a target only when it creates it
            target.tags = dict(self._get_param("Tags") or {})
        return result

    ApplicationAutoScalingResponse.tag_resource = tag_resource
    ApplicationAutoScalingResponse.untag_resource = untag_resource
    ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource
    ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target


def _service_from(response: Any) -> Any:
    cluster = response._get_param("cluster", "default")
    name = response._get_param("serviceName") or response._get_param("service")
    return response.ecs_backend._get_service(cluster, name.split("/")[-1])


def warm_backends(region: str) -> None:
    """Build the backends the quick start uses before serving.

    moto builds a backend on its first request; EC2's takes about a second
    (default VPC, subnets, images). Done here, it overlaps with Terraform's own
    start-up instead of delaying the first DescribeAvailabilityZones.
    """
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    for service in ("ec2", "ecs", "servicediscovery", "logs"):
        get_backend(service)[DEFAULT_ACCOUNT_ID][region]
    get_backend("iam")[DEFAULT_ACCOUNT_ID]["global"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--warm-region", default="us-east-1", help="region whose backends to build before serving")
    args = parser.parse_args()
    # AmazonECSTaskExecutionRolePolicy must exist for the role attachment.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    apply_response_fixes()
    report_desired_tasks_running()
    add_autoscaling_tagging()
    warm_backends(args.warm_region)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    # Nothing to flush: moto keeps its state in memory, so stop at once.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
