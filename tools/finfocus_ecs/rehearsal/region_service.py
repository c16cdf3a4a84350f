"""What the stand-in region binary answers on finfocus.v1.CostSourceService, as each release answers it.

From ../shared/reference/calling-the-plugin.md, sections 3, 7 (measured on
the built plugin) and 8 (later SDKs), with the plugin's own words in
plugin_api/facts.py and each release's SDK in plugin_api/releases.py:
- Name: `finfocus-plugin-aws-public` on every port;
- GetPluginInfo: name, version, the release's spec version, providers
  ["aws"], metadata {"region": the binary's region, "type":
  "public-pricing-fallback"}, and what later releases add (capabilities,
  metadata keys);
- Supports: fails on the wire up to SDK v0.6.0 (the SDK finds no registered
  plugin); from v0.6.2 the plugin's own answer (supported, or the reason it
  declines: another provider, another region, a type it does not price),
  with the capabilities the SDK adds;
- GetProjectedCost and GetPricingSpec: the plugin's validation in its order
  (resource present; zero-cost types; the SDK's required fields; provider
  "aws"; the binary's own region), each with its text; then $0 and a billing
  detail for an unknown SKU, a service without data or a type it does not
  price, never an error; a priced answer carries the carbon impactMetrics;
- errors: in web mode up to SDK v0.6.0 every error is flattened to UNKNOWN
  with grpc-go's status text; later SDKs, and gRPC mode, keep the real code.

Prices come from region_prices.json, a small table of this stand-in's own
(EC2 t3.micro and m5.large, EBS gp3 and gp2, per region), so tests can
check a price end to end; carbon from the plugin's own formula and grid
factors (energy x the region's grid factor), with one energy figure per
service. EC2: unit_price $/hour,
cost x 730; EBS: $/GB-month x the `size` (else `volume_size`) tag, 8 GB by
default, with the defaults metadata from SDK v0.6.0.

Not reproduced:
- any price outside the table: a known service without a table answers as
  the real one does without data for the region (rds and s3: "not found in
  pricing data"; eks, lambda, natgw, elb: "pricing data not available";
  the rest, whose real answers depend on usage tags, the same way);
- EC2 platform, tenancy and root-volume tags (always Linux, Shared, no root
  volume); carbon per SKU and utilization (every instance uses a t3.micro's
  energy at the default 50 %);
- the ErrorDetail that gRPC mode (web off) attaches to its errors;
- what later releases (SDK v0.6.2 and up, only read) add beyond this: the
  capabilities the SDK sets on Supports answers are inferred
  (CAPABILITIES below), and the keys of cost_breakdown, which are this
  stand-in's own ("compute", "storage");
- every other method (actual costs, recommendations, budgets, dry run,
  ResolveResourceTypes): UNIMPLEMENTED here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from connectrpc.request import RequestContext

from finfocus_ecs.plugin_api import facts, flatten, messages
from finfocus_ecs.plugin_api.releases import Release

PRICES_FILE = Path(__file__).with_name("region_prices.json")
STORAGE_DEFAULT_GB = 8
# What the SDK (from v0.6.2) adds to every Supports answer when the plugin
# sets none: the capabilities it infers from the methods the plugin
# implements (finfocus-spec plugin_info.go inferCapabilities). An inference
# for releases this stand-in cannot run.
CAPABILITIES = (
    "PLUGIN_CAPABILITY_PROJECTED_COSTS",
    "PLUGIN_CAPABILITY_ACTUAL_COSTS",
    "PLUGIN_CAPABILITY_PRICING_SPEC",
    "PLUGIN_CAPABILITY_ESTIMATE_COST",
    "PLUGIN_CAPABILITY_RECOMMENDATIONS",
)


@cache
def price_table() -> dict[str, Any]:
    """service => {"label", "prices": {region: {sku: unit price}}}, and "carbon": grid factors and energy."""
    return {key: value for key, value in json.loads(PRICES_FILE.read_text()).items() if not key.startswith("_")}


class Refusal(Exception):
    """A request the plugin refuses: a gRPC code name and the plugin's message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def legacy_capability(name: str) -> str:
    """The SDK's legacy map key of a capability: PLUGIN_CAPABILITY_PROJECTED_COSTS => supports_projected_costs."""
    return "supports_" + name.removeprefix("PLUGIN_CAPABILITY_").lower()


class RegionService:
    """finfocus.v1.CostSourceService of one region binary (the connectrpc service of costsource_connect.py)."""

    def __init__(self, region: str, release: Release, web_mode: bool = True) -> None:
        self.region = region
        self.release = release
        self.web_mode = web_mode

    def error(self, refusal: Refusal) -> ConnectError:
        """Web mode up to SDK v0.6.0 passes the status error to connect-go unchanged, which reports it as unknown."""
        if self.web_mode and not self.release.errors_keep_their_code:
            return ConnectError(Code.UNKNOWN, flatten(refusal.code, refusal.message))
        return ConnectError(Code[refusal.code], refusal.message)

    async def name(self, request: messages.NameRequest, ctx: RequestContext) -> messages.NameResponse:
        return messages.NameResponse(name=facts.PLUGIN_NAME)

    async def get_plugin_info(
        self, request: messages.GetPluginInfoRequest, ctx: RequestContext
    ) -> messages.GetPluginInfoResponse:
        return messages.GetPluginInfoResponse(
            name=facts.PLUGIN_NAME,
            version=self.release.version,
            spec_version=self.release.spec_version,
            providers=[facts.PROVIDER],
            metadata={facts.REGION_KEY: self.region, "type": facts.REGIONAL_TYPE, **self.release.metadata},
            capabilities=[messages.PluginCapability.Value(name) for name in self.release.capabilities],
        )

    async def supports(self, request: messages.SupportsRequest, ctx: RequestContext) -> messages.SupportsResponse:
        if not request.HasField("resource"):
            raise self.error(Refusal("INVALID_ARGUMENT", "resource descriptor is required"))
        resource = request.resource
        if not self.release.supports_reaches_plugin:
            # The SDK asks its plugin registry first; the plugin gives it none, so every call ends here.
            raise self.error(
                Refusal(
                    "INVALID_ARGUMENT",
                    f"no plugin registered for provider {facts.go_quote(resource.provider)} "
                    f"and region {facts.go_quote(resource.region)}",
                )
            )
        answer = messages.SupportsResponse(
            capabilities={legacy_capability(name): True for name in CAPABILITIES},
            capabilities_enum=[messages.PluginCapability.Value(name) for name in CAPABILITIES],
        )
        service = facts.service_of(resource.resource_type)
        own_region = service in facts.ZERO_COST or service in ("s3", "iam")
        if resource.provider != facts.PROVIDER:
            answer.reason = facts.provider_not_supported(resource.provider)
        elif resource.region != self.region and not (own_region and not resource.region):
            answer.reason = facts.region_not_served(self.region, resource.region)
        elif service is None:
            answer.reason = facts.type_not_supported(resource.resource_type)
        else:
            answer.supported = True
            if service in facts.CARBON_REPORTED:
                answer.supported_metrics.append(messages.METRIC_KIND_CARBON_FOOTPRINT)
        return answer

    async def get_projected_cost(
        self, request: messages.GetProjectedCostRequest, ctx: RequestContext
    ) -> messages.GetProjectedCostResponse:
        try:
            service = self._validate(request, request.utilization_percentage)
        except Refusal as refusal:
            raise self.error(refusal) from None
        resource = request.resource
        if service is None:
            return messages.GetProjectedCostResponse(
                currency=facts.CURRENCY, billing_detail=facts.not_supported(resource.resource_type)
            )
        if service in facts.ZERO_COST:
            return messages.GetProjectedCostResponse(currency=facts.CURRENCY, billing_detail=facts.ZERO_COST[service])
        rate = self._rate(service, resource.sku)
        if rate is None:
            return messages.GetProjectedCostResponse(
                currency=facts.CURRENCY, billing_detail=self._no_price(service, resource.sku)
            )
        if service == "ebs":
            answer = self._storage_cost(resource, rate)
        else:
            answer = messages.GetProjectedCostResponse(
                unit_price=rate,
                currency=facts.CURRENCY,
                cost_per_month=rate * facts.HOURS_PER_MONTH,
                billing_detail=f"On-demand Linux, Shared tenancy, {facts.HOURS_PER_MONTH} hrs/month",
                growth_type=messages.GROWTH_TYPE_NONE,
            )
        carbon = self._carbon(service, answer)
        answer.impact_metrics.append(
            messages.ImpactMetric(kind=messages.METRIC_KIND_CARBON_FOOTPRINT, value=carbon, unit=facts.CARBON_UNIT)
        )
        if self.release.cost_breakdown:
            answer.cost_breakdown["storage" if service == "ebs" else "compute"] = answer.cost_per_month
        return answer

    async def get_pricing_spec(
        self, request: messages.GetPricingSpecRequest, ctx: RequestContext
    ) -> messages.GetPricingSpecResponse:
        try:
            service = self._validate(request, 0.0)
        except Refusal as refusal:
            raise self.error(refusal) from None
        resource = request.resource
        spec = messages.PricingSpec(
            provider=resource.provider,
            resource_type=resource.resource_type,
            sku=resource.sku,
            region=resource.region or self.region,
            currency=facts.CURRENCY,
            source="aws-public",
        )
        if service is None:
            spec.billing_mode = "unknown"
            spec.description = facts.not_supported_for_spec(resource.resource_type)
        elif service in facts.ZERO_COST:
            spec.billing_mode = "zero_cost"
            spec.description = facts.ZERO_COST[service]
            spec.assumptions.extend(facts.ZERO_COST_ASSUMPTIONS)
        else:
            unit = facts.UNITS.get(service, "")
            spec.billing_mode = f"per_{unit.replace('-', '_').lower()}" if unit else "unknown"
            spec.unit = unit
            rate = self._rate(service, resource.sku)
            if rate is None:
                spec.description = self._no_price(service, resource.sku)
                if service == "ec2":
                    spec.assumptions.extend(facts.EC2_SPEC_NOT_FOUND_ASSUMPTIONS)
            else:
                spec.rate_per_unit = rate
                if service == "ec2":
                    spec.description = facts.EC2_SPEC_DESCRIPTION
                    spec.assumptions.extend(facts.EC2_SPEC_ASSUMPTIONS)
                else:
                    spec.description = f"EBS {resource.sku} storage"
                    spec.assumptions.extend(facts.EBS_SPEC_ASSUMPTIONS)
        return messages.GetPricingSpecResponse(spec=spec)

    def _validate(self, request: Any, utilization: float) -> str | None:
        """The plugin's checks in its order; the resource's service (None: a type it does not price)."""
        if not request.HasField("resource"):
            raise Refusal("INVALID_ARGUMENT", "request and resource are required")
        resource = request.resource
        service = facts.service_of(resource.resource_type)
        if service in facts.ZERO_COST:
            # No SKU needed; an empty region is taken as the binary's own.
            self._check_provider(resource.provider, required="provider is required")
            self._check_region(resource.region or self.region)
            return service
        for value, field in ((resource.provider, "provider"), (resource.resource_type, "resource_type")):
            if not value:
                raise Refusal("INVALID_ARGUMENT", f"resource.{field} is required")
        for value, field in ((resource.sku, "sku"), (resource.region, "region")):
            if not value:
                raise Refusal("INVALID_ARGUMENT", f"resource.{field} is required (use mapping helpers)")
        if not 0.0 <= utilization <= 1.0:
            raise Refusal("INVALID_ARGUMENT", "utilization_percentage must be between 0.0 and 1.0")
        self._check_provider(resource.provider)
        self._check_region(resource.region)
        return service

    @staticmethod
    def _check_provider(provider: str, required: str | None = None) -> None:
        if not provider and required:
            raise Refusal("INVALID_ARGUMENT", required)
        if provider != facts.PROVIDER:
            raise Refusal("INVALID_ARGUMENT", f"only {facts.go_quote(facts.PROVIDER)} provider is supported")

    def _check_region(self, region: str) -> None:
        if region != self.region:
            raise Refusal("FAILED_PRECONDITION", facts.REGION_MISMATCH)

    def _rate(self, service: str, sku: str) -> float | None:
        return price_table().get(service, {}).get("prices", {}).get(self.region, {}).get(sku)

    def _no_price(self, service: str, sku: str) -> str:
        """The billing detail of a known service with no price here, in the plugin's words for that service."""
        if service in facts.SKU_LABELS:
            return facts.not_in_pricing_data(facts.SKU_LABELS[service], sku)
        return facts.pricing_unavailable(facts.UNAVAILABLE_LABELS.get(service, service.upper()), self.region)

    def _carbon(self, service: str, answer: messages.GetProjectedCostResponse) -> float:
        """gCO2e a month, as the plugin computes it: energy x the region's grid factor (per instance, per GB of EBS)."""
        carbon = price_table()["carbon"]
        factor = carbon["grid_factors"].get(self.region, carbon["default_grid_factor"])
        per_unit = carbon["energy_kwh"][service] * factor * 1_000_000
        return per_unit * (answer.cost_per_month / answer.unit_price if service == "ebs" else 1)

    def _storage_cost(self, resource: messages.ResourceDescriptor, rate: float) -> messages.GetProjectedCostResponse:
        """An EBS volume: rate x size in GB, 8 GB when no size tag says otherwise."""
        size_text = resource.tags.get("size") or resource.tags.get("volume_size")
        try:
            size = int(size_text) if size_text else None
        except ValueError:
            size = None
        defaulted = size is None
        size = STORAGE_DEFAULT_GB if size is None else size
        gigabytes = f"{size} GB (defaulted)" if defaulted else f"{size} GB"
        answer = messages.GetProjectedCostResponse(
            unit_price=rate,
            currency=facts.CURRENCY,
            cost_per_month=rate * size,
            billing_detail=f"{resource.sku} volume, {gigabytes}, ${rate:.4f}/GB-month",
            growth_type=messages.GROWTH_TYPE_NONE,
        )
        if defaulted and self.release.projected_metadata:
            answer.metadata.update({"defaults_applied": f"size={STORAGE_DEFAULT_GB}", "estimate_quality": "medium"})
        return answer
