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
import collections
import contextlib
import datetime
import functools
import io
import itertools
import json
import os
import re
import signal
import threading
import time
import urllib.parse
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


def describe_every_rule_description() -> None:
    """Report a rule's description whatever its source, as AWS does.

    moto 5.2.5 keeps the Description of a CIDR source only: a rule from a
    security group or a prefix list comes back without it, so the provider
    plans to set it again on every run.
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    original = SecurityGroupRule.__init__

    @functools.wraps(original)
    def init(self: SecurityGroupRule, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # (backend, protocol, group, from, to, ip_range, source_group, prefix_list_id)
        prefix_list = kwargs.get("prefix_list_id", args[7] if len(args) > 7 else None)
        self.prefix_list_description = (prefix_list or {}).get("Description")

    SecurityGroupRule.__init__ = init
    SecurityGroupRule.description = property(
        lambda self: (
            self.ip_range.get("Description")
            or self.source_group.get("Description")
            or getattr(self, "prefix_list_description", None)
        )
    )


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


# Settings a test may change while the emulator runs (POST SETTINGS_PATH with a JSON object), each
# defaulting to its environment variable. drain_seconds: how long a deleted service stays DRAINING
# before it turns INACTIVE. On AWS that is until its tasks have stopped: minutes (stopTimeout, up to
# 120 s, after the deregistration). Tests of ordering use a drain longer than any overlap of a delete
# and a create within one apply could last, so that an overlap fails every time; the rest use a
# short one, since the provider's delete waits for INACTIVE.
SETTINGS_PATH = "/finfocus-emulator/settings"
DRAIN_SECONDS_ENV = "FINFOCUS_EMULATOR_DRAIN_SECONDS"
DEFAULT_SETTINGS = {"drain_seconds": float(os.environ.get(DRAIN_SECONDS_ENV, "2"))}
SETTINGS: dict[str, float] = dict(DEFAULT_SETTINGS)


# Every change of a Cloud Map service's instance count, in order: (sequence number, service id, count).
# GET CLOUD_MAP_HISTORY_PATH answers it, DELETE empties it; a test reads exactly what its apply did to a
# name's addresses, with nothing sampled.
CLOUD_MAP_HISTORY_PATH = "/finfocus-emulator/cloud-map-history"
CLOUD_MAP_HISTORY: list[tuple[int, str, int]] = []
_history_lock = threading.Lock()


def serve_settings() -> None:
    """GET SETTINGS_PATH answers the settings; POST merges a JSON object of known settings into them.

    Also CLOUD_MAP_HISTORY_PATH: GET the instance-count history, DELETE to empty it.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__

    @functools.wraps(original)
    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == CLOUD_MAP_HISTORY_PATH:
            with _history_lock:
                if environ.get("REQUEST_METHOD") == "DELETE":
                    CLOUD_MAP_HISTORY.clear()
                answer = json.dumps(CLOUD_MAP_HISTORY).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [answer]
        if environ.get("PATH_INFO") != SETTINGS_PATH:
            return original(self, environ, start_response)
        if environ.get("REQUEST_METHOD") == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            asked = json.loads(environ["wsgi.input"].read(size) or b"{}")
            unknown = sorted(set(asked) - set(SETTINGS))
            if unknown:
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [json.dumps({"unknown settings": unknown, "known": sorted(SETTINGS)}).encode()]
            SETTINGS.update({key: float(value) for key, value in asked.items()})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(SETTINGS).encode()]

    DomainDispatcherApplication.__call__ = call


def enforce_service_names() -> None:
    """ECS's rule on service names: a service cannot be created while one of its name is ACTIVE or DRAINING.

    AWS answers InvalidParameterException "Creation of service was not
    idempotent." and the provider does not retry it; moto 5.2.5 replaces the
    service instead, and marks a deleted one INACTIVE at once. Here
    DeleteService leaves the service DRAINING for SETTINGS["drain_seconds"],
    as its tasks stop, then INACTIVE, and a service may take the name of an
    INACTIVE one only. As on AWS, a CreateService repeated with the first
    one's clientToken (the provider sets one; the SDK keeps it when it retries
    a request whose answer was lost) answers with the service it created.
    """
    from moto.core.responses import ActionResult
    from moto.ecs.exceptions import InvalidParameterException
    from moto.ecs.models import Service
    from moto.ecs.responses import EC2ContainerServiceResponse

    original_create = EC2ContainerServiceResponse.create_service

    def status(self: Service) -> str:
        if self._status == "DRAINING" and time.monotonic() - self.drained_from >= SETTINGS["drain_seconds"]:
            self._status = "INACTIVE"
        return self._status

    def set_status(self: Service, value: str) -> None:
        self._status = value
        if value == "INACTIVE":  # what moto's DeleteService sets: the service drains first
            self._status, self.drained_from = "DRAINING", time.monotonic()

    Service.status = property(status, set_status)

    @functools.wraps(original_create)
    def create_service(self: EC2ContainerServiceResponse) -> Any:
        cluster = self.ecs_backend._get_cluster(self._get_param("cluster", "default"))
        token = self._get_param("clientToken")
        existing = self.ecs_backend.services.get(f"{cluster.name}:{self._get_param('serviceName')}")
        if existing is not None and existing.status in ("ACTIVE", "DRAINING"):
            if token and existing.status == "ACTIVE" and getattr(existing, "client_token", None) == token:
                return ActionResult({"service": existing})
            raise InvalidParameterException("Creation of service was not idempotent.")
        result = original_create(self)
        self.ecs_backend.services[f"{cluster.name}:{self._get_param('serviceName')}"].client_token = token
        return result

    EC2ContainerServiceResponse.create_service = create_service


def add_service_deployments() -> None:
    """ECS's ListServiceDeployments and DescribeServiceDeployments, which moto 5.2.5 answers with HTTP 500.

    AWS provider 6.4 and later wait on them for wait_for_steady_state
    (statusServiceWaitForStable): the PRIMARY deployment's service
    deployment, found by its revision ARN holding the deployment's number,
    must turn SUCCESSFUL. Every deployment moto makes (CreateService, and
    UpdateService with a new deployment) is recorded as a service deployment
    of one revision, SUCCESSFUL at once, as the emulator reports every
    desired task running (report_desired_tasks_running). ListServiceDeployments
    honours cluster, service, status and createdAt; no paging is needed at
    these sizes.
    """
    from moto.ecs.responses import EC2ContainerServiceResponse

    def seconds(moment: Any, default: float) -> float:
        """Epoch seconds of a request's timestamp (moto parses them into naive UTC datetimes)."""
        if moment is None:
            return default
        if isinstance(moment, datetime.datetime):
            return (moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)).timestamp()
        return float(moment)

    def deployments(response: EC2ContainerServiceResponse, service: Any) -> list[dict[str, Any]]:
        cluster_arn = response.ecs_backend._get_cluster(service.cluster_name).arn
        partition_region_account = service.arn.split(":service/")[0]
        found = []
        for deployment in service.deployments:
            number = deployment["id"].split("/")[-1]
            stamp = deployment["createdAt"].replace(tzinfo=datetime.UTC).timestamp()
            found.append(
                {
                    "serviceDeploymentArn": f"{partition_region_account}:service-deployment/{service.cluster_name}/"
                    f"{service.name}/{number}",
                    "serviceArn": service.arn,
                    "clusterArn": cluster_arn,
                    "createdAt": stamp,
                    "startedAt": stamp,
                    "finishedAt": stamp,
                    "targetServiceRevisionArn": f"{partition_region_account}:service-revision/{service.cluster_name}/"
                    f"{service.name}/{number}",
                    "status": "SUCCESSFUL",
                }
            )
        return found

    def all_deployments(response: EC2ContainerServiceResponse) -> list[dict[str, Any]]:
        return [found for service in response.ecs_backend.services.values() for found in deployments(response, service)]

    def list_service_deployments(self: EC2ContainerServiceResponse) -> str:
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("service"))
        created = self._get_param("createdAt") or {}
        after, before = seconds(created.get("after"), 0.0), seconds(created.get("before"), float("inf"))
        statuses = self._get_param("status") or []
        found = [
            brief
            for brief in deployments(self, service)
            if (not statuses or brief["status"] in statuses) and after <= brief["createdAt"] <= before
        ]
        return json.dumps({"serviceDeployments": found})

    def describe_service_deployments(self: EC2ContainerServiceResponse) -> str:
        wanted = self._get_param("serviceDeploymentArns") or []
        known = {brief["serviceDeploymentArn"]: brief for brief in all_deployments(self)}
        described = [
            {
                **{key: value for key, value in known[arn].items() if key != "targetServiceRevisionArn"},
                "targetServiceRevision": {"arn": known[arn]["targetServiceRevisionArn"]},
            }
            for arn in wanted
            if arn in known
        ]
        failures = [{"arn": arn, "reason": "MISSING"} for arn in wanted if arn not in known]
        return json.dumps({"serviceDeployments": described, "failures": failures})

    EC2ContainerServiceResponse.list_service_deployments = list_service_deployments
    EC2ContainerServiceResponse.describe_service_deployments = describe_service_deployments


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


# What starts a new deployment on AWS (ECS API reference, UpdateService): a new task definition,
# network configuration, capacity provider strategy, platform version, service registries or
# forceNewDeployment. Any other update (the desired count above all) keeps the PRIMARY deployment.
DEPLOYMENT_FIELDS = (
    "taskDefinition",
    "networkConfiguration",
    "capacityProviderStrategy",
    "platformVersion",
    "serviceRegistries",
)


def deploy_as_ecs_does() -> None:
    """Start a new deployment when ECS does, and keep the PRIMARY one otherwise, with its counts current.

    moto 5.2.5 starts one only for forceNewDeployment: a new task definition
    alone kept the old deployment's id and task definition. A desired-count
    change kept the deployment, as on AWS, but left its desiredCount and
    runningCount at the old count; AWS updates the PRIMARY deployment's counts.
    AWS provider 6.4+ tells an update's deployment by it (a new one created
    after the update began, else the PRIMARY one), so each branch of its wait
    meets what AWS would give it. The new deployment is COMPLETED at once, as
    every desired task is reported running (report_desired_tasks_running).
    """
    from moto.ecs.responses import EC2ContainerServiceResponse
    from moto.moto_api._internal import mock_random

    original = EC2ContainerServiceResponse.update_service

    @functools.wraps(original)
    def update_service(self: EC2ContainerServiceResponse) -> Any:
        result = original(self)
        service = _service_from(self)
        if not service.deployments:
            return result
        primary = service.deployments[0]
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        redeploys = self._get_param("forceNewDeployment") or any(
            self._get_param(field) is not None for field in DEPLOYMENT_FIELDS
        )
        if redeploys and not self._get_param("forceNewDeployment"):  # moto made one for the force only
            primary.update(id=f"ecs-svc/{mock_random.randint(0, 32**12)}", createdAt=now)
        if redeploys:
            primary.update(
                taskDefinition=service.task_definition,
                rolloutState="COMPLETED",
                rolloutStateReason=f"ECS deployment {primary['id']} completed.",
            )
        primary.update(
            desiredCount=service.desired_count,
            runningCount=service.desired_count,
            pendingCount=0,
            updatedAt=now,
        )
        return result

    EC2ContainerServiceResponse.update_service = update_service


def register_service_tasks() -> None:
    """Register each desired task of a service in its Cloud Map service, as ECS does; deregister them as they stop.

    moto 5.2.5 runs no tasks and registers nothing, so the name a deployment
    publishes never had an address here, and no test could see it go dark.
    Here a service with serviceRegistries has one Cloud Map instance per
    desired task (ECS names the instance after the task id; here an
    emulator-made id) and the attributes ECS sets, its address from
    10.255.0.0/16 whatever the subnets: registered when the service is created or scaled
    out, deregistered when it is scaled in or deleted (AWS deregisters a
    task when it begins to stop). Not like AWS: an instance is registered
    at once and HEALTHY, where ECS registers a task once it is RUNNING and
    reports its health from the container health checks; a new deployment
    keeps the instances, where ECS would replace the tasks one by one.
    """
    from moto.backends import get_backend
    from moto.ecs.responses import EC2ContainerServiceResponse
    from moto.moto_api._internal import mock_random
    from moto.servicediscovery.models import ServiceDiscoveryBackend

    addresses = itertools.count(10)
    sequence = itertools.count()

    def recorded(original: Any) -> Any:
        """Each register and deregister, whoever calls it, appends the service's new count to the history."""

        @functools.wraps(original)
        def change(self: ServiceDiscoveryBackend, service_id: str, *args: Any, **kwargs: Any) -> Any:
            result = original(self, service_id, *args, **kwargs)
            with _history_lock:
                count = len(self.get_service(service_id).instances)
                CLOUD_MAP_HISTORY.append((next(sequence), service_id, count))
            return result

        return change

    ServiceDiscoveryBackend.register_instance = recorded(ServiceDiscoveryBackend.register_instance)
    ServiceDiscoveryBackend.deregister_instance = recorded(ServiceDiscoveryBackend.deregister_instance)

    def reconcile(response: EC2ContainerServiceResponse, service: Any) -> None:
        registries = getattr(service, "service_registries", None) or []
        if not registries:
            return
        arn = registries[0]["registryArn"]
        account, region, service_id = arn.split(":")[4], arn.split(":")[3], arn.rsplit("/", 1)[-1]
        discovery = get_backend("servicediscovery")[account][region]
        registered: list[str] = service.__dict__.setdefault("cloud_map_instances", [])
        wanted = service.desired_count if service.status == "ACTIVE" else 0
        while len(registered) < wanted:
            task_id = mock_random.get_random_hex(32)
            address = next(addresses)
            discovery.register_instance(
                service_id,
                task_id,
                creator_request_id=task_id,
                attributes={
                    "AWS_INSTANCE_IPV4": f"10.255.{address // 250}.{address % 250 + 2}",
                    "AVAILABILITY_ZONE": f"{region}a",
                    "REGION": region,
                    "ECS_CLUSTER_NAME": service.cluster_name,
                    "ECS_SERVICE_NAME": service.name,
                    "ECS_TASK_DEFINITION_FAMILY": service.task_definition.rsplit("/", 1)[-1].split(":")[0],
                },
            )
            registered.append(task_id)
        while len(registered) > wanted:
            with contextlib.suppress(Exception):  # the Cloud Map service may be gone already
                discovery.deregister_instance(service_id, registered[-1])
            registered.pop()

    def after(original: Any) -> Any:
        @functools.wraps(original)
        def handler(self: EC2ContainerServiceResponse) -> Any:
            result = original(self)
            reconcile(self, _service_from(self))
            return result

        return handler

    EC2ContainerServiceResponse.create_service = after(EC2ContainerServiceResponse.create_service)
    EC2ContainerServiceResponse.update_service = after(EC2ContainerServiceResponse.update_service)
    EC2ContainerServiceResponse.delete_service = after(EC2ContainerServiceResponse.delete_service)


def enforce_strategy_bases() -> None:
    """ECS's rule that only one capacity provider of a strategy may have a base above 0.

    CapacityProviderStrategyItem (ECS API reference): "Only one capacity
    provider in a capacity provider strategy can have a base defined."
    moto 5.2.5 and the provider's schema (0-100000 per item) take two. The
    message is ours, not AWS's verbatim text; the exception is AWS's.
    """
    from moto.ecs.exceptions import InvalidParameterException
    from moto.ecs.responses import EC2ContainerServiceResponse

    def checked(original: Any) -> Any:
        @functools.wraps(original)
        def handler(self: EC2ContainerServiceResponse) -> Any:
            strategy = self._get_param("capacityProviderStrategy") or []
            based = [item["capacityProvider"] for item in strategy if int(item.get("base") or 0) > 0]
            if len(based) > 1:
                raise InvalidParameterException(
                    f"Only one capacity provider in a capacity provider strategy can have a base defined: {based}."
                )
            return original(self)

        return handler

    EC2ContainerServiceResponse.create_service = checked(EC2ContainerServiceResponse.create_service)
    EC2ContainerServiceResponse.update_service = checked(EC2ContainerServiceResponse.update_service)


# The ECS operations that take `tags`.
ECS_TAGGED_OPERATIONS = (
    "create_cluster",
    "create_service",
    "register_task_definition",
    "tag_resource",
    "create_capacity_provider",
)


def enforce_reserved_tag_prefix() -> None:
    """ECS's rule that `aws:`, in any case, starts neither a tag key nor a tag value.

    ECS API reference, Tag: "Do not use aws:, AWS:, or any upper or
    lowercase combination of such as a prefix for either keys or values as
    it is reserved for Amazon Web Services use." moto 5.2.5 takes either.
    The message is ours; the exception is AWS's.
    """
    from moto.ecs.exceptions import InvalidParameterException
    from moto.ecs.responses import EC2ContainerServiceResponse

    def checked(original: Any) -> Any:
        @functools.wraps(original)
        def handler(self: EC2ContainerServiceResponse) -> Any:
            for tag in self._get_param("tags") or []:
                key, value = tag.get("key") or "", tag.get("value") or ""
                if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
                    raise InvalidParameterException(
                        f"The aws: prefix is reserved for tag keys and values: {key}={value}."
                    )
            return original(self)

        return handler

    for operation in ECS_TAGGED_OPERATIONS:
        setattr(EC2ContainerServiceResponse, operation, checked(getattr(EC2ContainerServiceResponse, operation)))


# EC2 quota "Inbound or outbound rules per security group" (VPC User Guide, Amazon VPC quotas): 60 by
# default, counted apart for IPv4 and IPv6; a rule that references a managed prefix list counts as the
# list's max_entries.
RULES_PER_SECURITY_GROUP = 60


def count_prefix_list_rules() -> None:
    """EC2's inbound rule quota, with a prefix list counted at its max_entries, each address family apart.

    moto 5.2.5 counts one per CIDR or group and nothing for a prefix list,
    so a group could take rules that AWS refuses (RulesPerSecurityGroupLimitExceeded)
    halfway through an apply. A group reference counts in both families.
    """
    from moto.ec2.exceptions import RulesPerSecurityGroupLimitExceededError
    from moto.ec2.models.security_groups import SecurityGroupBackend

    original = SecurityGroupBackend.authorize_security_group_ingress

    def weights(backend: Any, cidrs: list[Any], groups: list[Any], prefix_lists: list[str]) -> tuple[int, int]:
        ipv4 = ipv6 = len(groups)
        for cidr in cidrs:
            ipv6_cidr = cidr.get("CidrIpv6") if isinstance(cidr, dict) else (cidr if ":" in str(cidr) else None)
            ipv6, ipv4 = (ipv6 + 1, ipv4) if ipv6_cidr else (ipv6, ipv4 + 1)
        for prefix_list_id in prefix_lists:
            found = backend.managed_prefix_lists.get(prefix_list_id)
            entries = int((found.max_entries if found else None) or 1)
            family = getattr(found, "address_family", "IPv4") or "IPv4"
            ipv6, ipv4 = (ipv6 + entries, ipv4) if family == "IPv6" else (ipv6, ipv4 + entries)
        return ipv4, ipv6

    @functools.wraps(original)
    def authorize_security_group_ingress(
        self: SecurityGroupBackend, group_name_or_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        group = self.get_security_group_by_name_or_id(group_name_or_id, kwargs.get("vpc_id"))
        if group is not None:
            existing = [
                weights(
                    self,
                    [rule.ip_range] if rule.ip_range else [],
                    [rule.source_group] if rule.source_group else [],
                    [rule.prefix_list_id] if rule.prefix_list_id else [],
                )
                for rule in group.ingress_rules
            ]
            cidrs = kwargs.get("ip_ranges") or []
            groups = kwargs.get("source_groups") or []
            prefix_lists = [item["PrefixListId"] for item in kwargs.get("prefix_list_ids") or []]
            new = weights(self, cidrs if isinstance(cidrs, list) else [cidrs], groups, prefix_lists)
            ipv4 = sum(weight[0] for weight in existing) + new[0]
            ipv6 = sum(weight[1] for weight in existing) + new[1]
            if max(ipv4, ipv6) > RULES_PER_SECURITY_GROUP:
                raise RulesPerSecurityGroupLimitExceededError
        return original(self, group_name_or_id, *args, **kwargs)

    SecurityGroupBackend.authorize_security_group_ingress = authorize_security_group_ingress


def refuse_reserved_log_group_names() -> None:
    """CloudWatch Logs' rule that a log group name does not start with `aws/`.

    CreateLogGroup (CloudWatch Logs API reference): "Log group names can't
    start with the string aws/". moto 5.2.5 checks only the length.
    """
    from moto.logs.exceptions import InvalidParameterException
    from moto.logs.models import LogsBackend

    original = LogsBackend.create_log_group

    @functools.wraps(original)
    def create_log_group(self: LogsBackend, log_group_name: str, *args: Any, **kwargs: Any) -> Any:
        if log_group_name.startswith("aws/"):
            raise InvalidParameterException(
                constraint="Log group names can't start with the string aws/",
                parameter="logGroupName",
                value=log_group_name,
            )
        return original(self, log_group_name, *args, **kwargs)

    LogsBackend.create_log_group = create_log_group


# Set to a file name, the emulator appends one line per AWS request it serves:
# "SERVICE:Operation CLIENT", and for IAM's role calls " role/NAME", where SERVICE is the request's signing name (the
# IAM prefix of every service used here but CloudWatch, which signs as
# "monitoring") and CLIENT is terraform, boto3 or
# other, from the User-Agent. tests/e2e/test_quickstart.py and test_autoscaling.py
# check the guide's IAM prerequisites against what their applies and destroys call.
CALL_LOG_ENV = "FINFOCUS_EMULATOR_CALL_LOG"
_SIGNING_NAME = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


def record_calls(path: str) -> None:
    """Append every request's service and operation to `path`."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    lock = threading.Lock()
    original = DomainDispatcherApplication.__call__

    @functools.wraps(original)
    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
        line = _describe_request(environ)
        if line:
            with lock, open(path, "a", encoding="utf-8") as log:
                log.write(line + "\n")
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = call


def _describe_request(environ: dict[str, Any]) -> str | None:
    signing = _SIGNING_NAME.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not signing:
        return None  # moto's own API, or an unsigned request
    service = signing.group(1)
    agent = environ.get("HTTP_USER_AGENT", "")
    client = "terraform" if "Terraform/" in agent else "boto3" if "Boto3/" in agent else "other"
    form = _form(environ)
    line = f"{service}:{_operation(service, environ, form)} {client}"
    # IAM's role calls name their role: a deployer policy scoped to roles is checked role by role.
    role = form.get("RoleName") if service == "iam" else None
    return f"{line} role/{role[0]}" if role else line


def _form(environ: dict[str, Any]) -> dict[str, list[str]]:
    """A query-protocol request's parameters, leaving its body readable for moto."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return {}
    size = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(size)
    environ["wsgi.input"] = io.BytesIO(body)
    return urllib.parse.parse_qs(body.decode("utf-8"))


def _operation(service: str, environ: dict[str, Any], form: dict[str, list[str]]) -> str:
    """The operation name, by protocol: JSON target header, query Action, or the REST method and path."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if form.get("Action"):
        return form["Action"][0]
    return _rest_operation(service, environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))


@functools.cache
def _rest_routes(service: str) -> list[tuple[int, str, re.Pattern[str], str]]:
    """(literal length, method, path pattern, operation) of a REST service's operations, most specific first."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?", 1)[0]
        literal = re.sub(r"\{[^}]+\}", "", uri)
        pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.escape(uri))
        pattern = re.sub(r"\\\{[^}]+?\\\}", "[^/]+", pattern)
        routes.append((len(literal), http["method"], re.compile(pattern + "/?$"), name))
    return sorted(routes, key=lambda route: route[0], reverse=True)


def _rest_operation(service: str, method: str, path: str) -> str:
    import botocore.exceptions

    try:
        routes = _rest_routes(service)
    except botocore.exceptions.UnknownServiceError:
        return f"{method} {path}"
    return next((name for _, verb, pattern, name in routes if verb == method and pattern.match(path)), path)


def _service_from(response: Any) -> Any:
    cluster = response._get_param("cluster", "default")
    name = response._get_param("serviceName") or response._get_param("service")
    return response.ecs_backend._get_service(cluster, name.split("/")[-1])


def parse_managed_policies_once() -> None:
    """Parse AWS's managed policies once per process, not for every IAM backend moto builds.

    moto builds one IAM backend per partition when the server starts and again at every reset,
    and each parsed and re-serialised the 1,582 policies from JSON: 0.075 s each, a fifth of
    the emulator's CPU in the tests. Every backend still gets policy objects of its own, since
    their attachment counts belong to one account.
    """
    from moto.iam import models

    @functools.cache
    def fields() -> tuple[tuple[str, dict[str, Any]], ...]:
        policies = json.loads(models.aws_managed_policies_data)
        return tuple(
            (
                name,
                {
                    "default_version_id": data.get("DefaultVersionId"),
                    "path": data.get("Path"),
                    "document": json.dumps(data.get("Document")),
                    "create_date": datetime.datetime.fromisoformat(data["CreateDate"]),
                    "update_date": datetime.datetime.fromisoformat(data["UpdateDate"]),
                },
            )
            for name, data in policies.items()
        )

    def init_aws_policies(self: models.IAMBackend) -> list[models.ManagedPolicy]:
        if not models.load_iam_aws_managed_policies():
            return []
        return [
            models.AWSManagedPolicy(name, account_id=self.account_id, region=self.region_name, **values)
            for name, values in fields()
        ]

    models.IAMBackend._init_aws_policies = init_aws_policies


def warm_backends(region: str) -> None:
    """Build the backends the quick start uses before serving.

    moto builds a backend on its first request; EC2's takes about a second
    (default VPC, subnets, images), IAM's half a second. Done here, it overlaps with Terraform's own
    start-up instead of delaying the first DescribeAvailabilityZones.
    """
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.utilities.utils import PARTITION_NAMES

    for service in ("ec2", "ecs", "servicediscovery", "logs"):
        get_backend(service)[DEFAULT_ACCOUNT_ID][region]
    # Every request looks its access key up in the IAM backend of each partition, and each loads
    # AWS's managed policies when first built: 0.5 s that would fall on the first call.
    iam = get_backend("iam")[DEFAULT_ACCOUNT_ID]
    for partition in PARTITION_NAMES:
        iam[partition]


def honour_client_tokens() -> None:
    """Answer a repeated EC2 call with the same ClientToken as AWS does: with the first call's answer.

    On AWS, EC2's create calls are idempotent by ClientToken, which the SDK
    fills in once and keeps across its retries; moto 5.2.5 ignores the token
    and creates again. A retried create whose answer was lost (the SDK
    retries a request on a keep-alive connection the server had just closed)
    then left a duplicate Terraform never knew of, such as a second route
    table, and destroying the VPC failed with DependencyViolation, retried
    for minutes.
    """
    from moto.ec2.responses import EC2Response

    original = EC2Response.call_action
    answered: dict[tuple[str, str, str, str], Any] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def call_action(self: EC2Response) -> Any:
        token = self._get_param("ClientToken")
        if not token:
            return original(self)
        key = (self.current_account, self.region, self._get_action(), token)
        with lock:
            if key not in answered:
                result = original(self)
                if int(result[0]) >= 300:
                    return result
                answered[key] = result
            return answered[key]

    EC2Response.call_action = call_action


def answer_sdk_retries_once() -> None:
    """Answer an SDK's retry of a call moto already answered with that answer, as if it had arrived.

    The AWS SDKs mark every attempt of one call with the same
    amz-sdk-invocation-id and count them in amz-sdk-request ("attempt=2;
    max=2"). A retry of a call that succeeded means its answer was lost: moto's
    server closes kept-alive connections under load, which AWS does not do
    under the SDK's feet. Run again, a create fails (EntityAlreadyExists,
    InvalidPermission.Duplicate) and the apply stops, as the suite saw under
    load. Only successful answers are kept (a throttled or failed first
    attempt is tried again, as on AWS), the last 4096 of them.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__
    answered: collections.OrderedDict[str, tuple[str, list[tuple[str, str]], bytes]] = collections.OrderedDict()
    lock = threading.Lock()

    @functools.wraps(original)
    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation:
            return original(self, environ, start_response)
        if not environ.get("HTTP_AMZ_SDK_REQUEST", "attempt=1;").startswith("attempt=1;"):
            with lock:
                kept = answered.get(invocation)
            if kept is not None:
                start_response(kept[0], kept[1])
                return [kept[2]]
        seen: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = b"".join(original(self, environ, keep))
        if int(seen.get("status", "500").split()[0]) < 300:
            with lock:
                answered[invocation] = (seen["status"], seen["headers"], body)
                while len(answered) > 4096:
                    answered.popitem(last=False)
        return [body]

    DomainDispatcherApplication.__call__ = call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--warm-region", default="us-east-1", help="region whose backends to build before serving")
    args = parser.parse_args()
    # AmazonECSTaskExecutionRolePolicy must exist for the role attachment.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    if os.environ.get(CALL_LOG_ENV):
        record_calls(os.environ[CALL_LOG_ENV])
    serve_settings()
    apply_response_fixes()
    describe_every_rule_description()
    report_desired_tasks_running()
    enforce_service_names()
    deploy_as_ecs_does()
    register_service_tasks()
    enforce_strategy_bases()
    enforce_reserved_tag_prefix()
    count_prefix_list_rules()
    refuse_reserved_log_group_names()
    add_service_deployments()
    add_autoscaling_tagging()
    honour_client_tokens()
    answer_sdk_retries_once()
    parse_managed_policies_once()
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
