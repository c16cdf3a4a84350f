"""Monthly cost of a planned deployment, with the arithmetic shown.

The deployment's size comes from a plan (the user's plan JSON, or the module
planned with the CLI's options); the prices come from data/prices.json, the
one place they live, with their source and the date they were read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from finfocus_ecs.terraform import planned_resources

PRICES_FILE = Path(__file__).with_name("data") / "prices.json"


class CostError(ValueError):
    """The plan or the options cannot be priced."""


def load_prices() -> dict[str, Any]:
    return json.loads(PRICES_FILE.read_text())


@dataclass
class Deployment:
    """What drives the bill, read from planned resources."""

    address: str
    region: str
    cpu_units: int
    memory_mib: int
    architecture: str
    desired_count: int
    strategy: list[dict[str, Any]] = field(default_factory=list)
    creates_namespace: bool = True
    # (min, max) tasks when autoscaling sets the count, else None.
    capacity: tuple[int, int] | None = None
    # A cluster created here with Container Insights on (the module's own cluster has it).
    container_insights: bool = False
    # Metrics the alarms read, which is what an alarm is billed by (a metric-math alarm bills each).
    alarm_metrics: int = 0

    @property
    def vcpu(self) -> float:
        return self.cpu_units / 1024

    @property
    def memory_gb(self) -> float:
        return self.memory_mib / 1024

    def task_split(self) -> tuple[float, float]:
        """(on-demand tasks, Spot tasks): base first, then the rest by weight, as ECS places them."""
        if not self.strategy:
            return float(self.desired_count), 0.0
        remaining = float(self.desired_count)
        split = {"FARGATE": 0.0, "FARGATE_SPOT": 0.0}
        for item in self.strategy:
            base = min(float(item.get("base") or 0), remaining)
            split[item["capacity_provider"]] += base
            remaining -= base
        total_weight = sum(float(item.get("weight") or 0) for item in self.strategy)
        for item in self.strategy:
            split[item["capacity_provider"]] += remaining * float(item.get("weight") or 0) / total_weight
        return split["FARGATE"], split["FARGATE_SPOT"]


def deployments_from_resources(
    resources: Mapping[str, Mapping[str, Any]], address: str = "", provider_region: str | None = None
) -> Deployment:
    """One deployment from the resources of one module instance (address => values).

    The region is the awslogs-region of the container definitions; where those
    are known only after apply (secrets from resources of the same
    configuration), the provider's region as configured, if it is a constant.
    """
    task = next(values for key, values in resources.items() if key.startswith("aws_ecs_task_definition."))
    clusters = [values for key, values in resources.items() if key.startswith("aws_ecs_cluster.")]
    alarms = [values for key, values in resources.items() if key.startswith("aws_cloudwatch_metric_alarm.")]
    service = next((values for key, values in resources.items() if key.startswith("aws_ecs_service.")), {})
    scaling = next((values for key, values in resources.items() if key.startswith("aws_appautoscaling_target.")), None)
    containers = json.loads(task.get("container_definitions", "[]"))
    region = next(
        (
            container["logConfiguration"]["options"]["awslogs-region"]
            for container in containers
            if container.get("logConfiguration", {}).get("options", {}).get("awslogs-region")
        ),
        provider_region,
    )
    if region is None:
        raise CostError(
            f"{address or 'the plan'}: no awslogs-region in the container definitions and no constant provider "
            "region, so no region to price in"
        )
    return Deployment(
        address=address,
        region=region,
        cpu_units=int(task["cpu"]),
        memory_mib=int(task["memory"]),
        architecture=(task.get("runtime_platform") or [{}])[0].get("cpu_architecture") or "X86_64",
        desired_count=int(service.get("desired_count", 1)),
        strategy=list(service.get("capacity_provider_strategy") or []),
        creates_namespace=any(key.startswith("aws_service_discovery_private_dns_namespace.") for key in resources),
        capacity=None if scaling is None else (int(scaling["min_capacity"]), int(scaling["max_capacity"])),
        container_insights=any(
            setting.get("name") == "containerInsights" and setting.get("value") in ("enabled", "enhanced")
            for cluster in clusters
            for setting in cluster.get("setting") or []
        ),
        alarm_metrics=sum(_alarm_metrics(alarm) for alarm in alarms),
    )


def _alarm_metrics(alarm: Mapping[str, Any]) -> int:
    """How many metrics an alarm is billed for: its one metric, or each metric of its metric math."""
    if alarm.get("metric_name"):
        return 1
    return sum(1 for query in alarm.get("metric_query") or [] if query.get("metric"))


def deployments_from_plan(plan: Mapping[str, Any]) -> list[Deployment]:
    """Every task definition in a plan JSON, grouped with its module's service."""
    by_module: dict[str, dict[str, Any]] = {}
    for resource in planned_resources(plan):
        module_address = resource["address"].rsplit(resource["type"], 1)[0]
        local = resource["address"][len(module_address) :]
        by_module.setdefault(module_address, {})[local] = resource.get("values") or {}
    provider = plan.get("configuration", {}).get("provider_config", {}).get("aws", {})
    provider_region = provider.get("expressions", {}).get("region", {}).get("constant_value")
    found = [
        deployments_from_resources(resources, module_address.rstrip("."), provider_region)
        for module_address, resources in by_module.items()
        if any(key.startswith("aws_ecs_task_definition.") for key in resources)
    ]
    if not found:
        raise CostError("the plan has no aws_ecs_task_definition to price")
    return found


# Resource type => what it bills by the hour: (prices.json key, the line's name, what one is).
_HOURLY = {
    "aws_nat_gateway": ("nat_gateway_hour", "NAT gateway hours", "gateway(s)"),
    "aws_eip": ("public_ipv4_address_hour", "public IPv4 addresses", "address(es) (the NAT gateway's)"),
}


def network_lines(plan: Mapping[str, Any], prices: Mapping[str, Any] | None = None) -> list[Line]:
    """What else in a plan bills by the hour: NAT gateways and public IPv4 addresses (the quick start's network).

    Every public IPv4 address bills, attached or not, the NAT gateway's own included; a NAT gateway
    also bills each GB it carries (each task start's image pull), which is not counted here.
    """
    prices = prices or load_prices()
    hours = prices["hours_per_month"]
    count = dict.fromkeys(_HOURLY, 0)
    for resource in planned_resources(plan):
        if resource["type"] in count:
            count[resource["type"]] += 1
    lines = []
    for kind, (price, item, unit) in _HOURLY.items():
        if count[kind]:
            rate = prices[price]
            lines.append(Line(item, rate * hours * count[kind], f"${rate} × {hours} h × {count[kind]} {unit}"))
    return lines


def plan_lines(plan: Mapping[str, Any], log_gb_per_month: float = 1.0) -> list[Line]:
    """Every monthly line of a plan: each deployment's (as `cost` prices it), then the network's."""
    lines = []
    deployments = deployments_from_plan(plan)
    for deployment in deployments:
        for line in estimate(deployment, log_gb_per_month).lines:
            named = f"{deployment.address}: {line.item}" if len(deployments) > 1 else line.item
            lines.append(replace(line, item=named))
    return lines + network_lines(plan)


def fargate_regions() -> list[str]:
    """The regions prices.json has Fargate prices for: `cost` prices a deployment in these only."""
    return list(load_prices()["fargate"])


def read_plan_file(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except OSError as error:
        raise CostError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise CostError(f"{path} is not a plan JSON (terraform show -json PLAN): {error}") from None


def scaled(deployment: Deployment, log_gb_per_month: float = 1.0, nlcu_per_hour: float = 1.0) -> dict[str, Any] | None:
    """With autoscaling, the monthly total at its fewest and at its most tasks; None without."""
    if deployment.capacity is None:
        return None
    low, high = deployment.capacity

    def total(tasks: int) -> float:
        return round(estimate(replace(deployment, desired_count=tasks), log_gb_per_month, nlcu_per_hour).total, 2)

    return {"min_capacity": low, "max_capacity": high, "total_at_min": total(low), "total_at_max": total(high)}


@dataclass
class Line:
    item: str
    monthly: float
    arithmetic: str


@dataclass
class Estimate:
    deployment: Deployment
    lines: list[Line]
    alternative: list[Line]
    assumptions: list[str]

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    @property
    def alternative_total(self) -> float:
        return sum(line.monthly for line in self.alternative)


def estimate(
    deployment: Deployment,
    log_gb_per_month: float = 1.0,
    nlcu_per_hour: float = 1.0,
    prices: Mapping[str, Any] | None = None,
) -> Estimate:
    prices = prices or load_prices()
    hours = prices["hours_per_month"]
    regional = prices["fargate"].get(deployment.region)
    if regional is None or deployment.architecture not in regional:
        known = ", ".join(f"{region} ({'/'.join(sorted(archs))})" for region, archs in prices["fargate"].items())
        raise CostError(
            f"no Fargate price for {deployment.region} {deployment.architecture} in {PRICES_FILE.name}; known: {known}"
        )
    rate = regional[deployment.architecture]
    task_hour = deployment.vcpu * rate["vcpu_hour"] + deployment.memory_gb * rate["gb_hour"]
    rate_text = (
        f"({deployment.vcpu:g} vCPU × ${rate['vcpu_hour']} + {deployment.memory_gb:g} GB × ${rate['gb_hour']})"
        f" = ${task_hour:.5f}/task-hour"
    )
    on_demand, spot = deployment.task_split()
    discount = prices["fargate_spot_discount"]
    lines = [
        Line(
            f"Fargate on demand ({deployment.region}, {deployment.architecture})",
            task_hour * hours * on_demand,
            f"{rate_text} × {hours} h × {on_demand:g} task(s)",
        )
    ]
    if spot:
        lines.append(
            Line(
                "Fargate Spot",
                task_hour * (1 - discount) * hours * spot,
                f"{rate_text} × (1 − {discount:g}) × {hours} h × {spot:g} task(s)",
            )
        )
    cloud_map = prices["cloud_map_instance_month"] * deployment.desired_count
    lines.append(
        Line(
            "Cloud Map instances",
            cloud_map,
            f"${prices['cloud_map_instance_month']} × {deployment.desired_count} registered task(s)",
        )
    )
    if deployment.creates_namespace:
        lines.append(
            Line(
                "Route 53 private hosted zone (the namespace)",
                prices["route53_private_zone_month"],
                f"${prices['route53_private_zone_month']} × 1 zone",
            )
        )
    if deployment.container_insights:
        metrics = prices["container_insights_metrics_per_service"]
        lines.append(
            Line(
                "Container Insights (on for the cluster the module creates)",
                metrics * prices["cloudwatch_metric_month"],
                f"{metrics} metrics for the cluster, the service and the task family × "
                f"${prices['cloudwatch_metric_month']} a metric",
            )
        )
    if deployment.alarm_metrics:
        lines.append(
            Line(
                "CloudWatch alarms",
                deployment.alarm_metrics * prices["cloudwatch_alarm_metric_month"],
                f"{deployment.alarm_metrics} alarm metrics × ${prices['cloudwatch_alarm_metric_month']}",
            )
        )
    logs = log_gb_per_month * (prices["cloudwatch_logs_ingest_gb"] + prices["cloudwatch_logs_storage_gb_month"])
    lines.append(
        Line(
            "CloudWatch Logs",
            logs,
            f"{log_gb_per_month:g} GB × (${prices['cloudwatch_logs_ingest_gb']} ingest"
            f" + ${prices['cloudwatch_logs_storage_gb_month']} stored a month)",
        )
    )
    # The rejected design: an NLB (one listener and target group per port) instead of Cloud Map.
    alternative = [line for line in lines if not line.item.startswith(("Cloud Map", "Route 53"))]
    alternative += [
        Line("NLB hours", prices["nlb_hour"] * hours, f"${prices['nlb_hour']} × {hours} h"),
        Line(
            "NLB capacity units",
            prices["nlb_nlcu_hour"] * nlcu_per_hour * hours,
            f"${prices['nlb_nlcu_hour']} × {nlcu_per_hour:g} NLCU × {hours} h",
        ),
    ]
    assumptions = [
        f"{hours} hours a month; prices from {PRICES_FILE.name} (read {prices['_read_on']}): {prices['_source']}",
        f"Fargate Spot at {discount:.0%} off on demand (AWS says up to 70%; it varies)",
        f"{log_gb_per_month:g} GB of logs a month (--log-gb); NLB at {nlcu_per_hour:g} NLCU an hour (--nlcu)",
        "Container Insights and alarms at us-east-1 prices, before the free tier (10 metrics, 10 alarm metrics)",
        "not included, the same for both designs: the network (a NAT gateway or other route to ghcr.io, its public "
        "IPv4 address, data transfer), Container Insights' performance log events (CloudWatch Logs ingestion), "
        "Cloud Map API calls and Route 53 queries",
    ]
    return Estimate(deployment, lines, alternative, assumptions)
