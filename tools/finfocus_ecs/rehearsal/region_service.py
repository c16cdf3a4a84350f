"""What the stand-in region binary answers on finfocus.v1.CostSourceService, as v0.1.8 answers it.

From ../shared/reference/calling-the-plugin.md, section 3:
- Name: `finfocus-plugin-aws-public` on every port;
- GetPluginInfo: name, version, spec version, providers ["aws"] and metadata
  {"region": the binary's region, "type": "public-pricing-fallback"};
- Supports: always fails (the SDK finds no registered plugin);
- GetProjectedCost and GetPricingSpec: the plugin's validation in its order
  (resource present; zero-cost types; the SDK's required fields; provider
  "aws"; the binary's own region), each with its text; then $0 and a billing
  detail for an unknown SKU or type, never an error;
- in web mode every error is flattened to UNKNOWN with grpc-go's status text.

Prices come from region_prices.json, a small table of this stand-in's own
(EC2 t3.micro and m5.large, EBS gp3 and gp2, per region), so tests can check
a price end to end. EC2: unit_price $/hour, cost x 730; EBS: $/GB-month x
the `size` (else `volume_size`) tag, 8 GB by default with the plugin's
defaults metadata.

Not reproduced:
- any price outside the table: a known service without a table (rds, s3,
  lambda...) answers as an unknown SKU, with "<SERVICE> sku" as the label;
  the real label of services other than EC2 is not in the fact sheet, nor
  is the EBS one ("EBS volume type" is this stand-in's);
- EC2 platform, tenancy and root-volume tags (always Linux, Shared, no root
  volume), carbon impact metrics, and the zero-cost types' own billing
  detail (the fact sheet does not give it; this stand-in says "no direct cost");
- the ErrorDetail that gRPC mode (web off) attaches to its errors: with web
  mode off, errors carry their real code but no detail;
- GetPricingSpec's descriptions, which are this stand-in's wording.
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

PRICES_FILE = Path(__file__).with_name("region_prices.json")
STORAGE_DEFAULT_GB = 8


@cache
def price_table() -> dict[str, Any]:
    """service => {"label", "prices": {region: {sku: unit price}}}, the stand-in's own prices."""
    return {key: value for key, value in json.loads(PRICES_FILE.read_text()).items() if not key.startswith("_")}


def spec_version(version: str) -> str:
    """The finfocus-spec version a release reports: v0.6.0 from v0.1.6 on, v0.5.1 before (inferred)."""
    parts = tuple(int(part) for part in version.split(".")[:3] if part.isdigit())
    return "v0.6.0" if parts >= (0, 1, 6) else "v0.5.1"


class Refusal(Exception):
    """A request the plugin refuses: a gRPC code name and the plugin's message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class RegionService:
    """finfocus.v1.CostSourceService of one region binary (the connectrpc service of costsource_connect.py)."""

    def __init__(self, region: str, version: str, web_mode: bool = True) -> None:
        self.region = region
        self.version = version
        self.web_mode = web_mode

    def _error(self, refusal: Refusal) -> ConnectError:
        """Web mode passes the status error to connect-go unchanged, which reports it as unknown."""
        if self.web_mode:
            return ConnectError(Code.UNKNOWN, flatten(refusal.code, refusal.message))
        return ConnectError(Code[refusal.code], refusal.message)

    async def name(self, request: messages.NameRequest, ctx: RequestContext) -> messages.NameResponse:
        return messages.NameResponse(name=facts.PLUGIN_NAME)

    async def get_plugin_info(
        self, request: messages.GetPluginInfoRequest, ctx: RequestContext
    ) -> messages.GetPluginInfoResponse:
        return messages.GetPluginInfoResponse(
            name=facts.PLUGIN_NAME,
            version=self.version,
            spec_version=spec_version(self.version),
            providers=[facts.PROVIDER],
            metadata={facts.REGION_KEY: self.region, "type": facts.REGIONAL_TYPE},
        )

    async def supports(self, request: messages.SupportsRequest, ctx: RequestContext) -> messages.SupportsResponse:
        # The SDK asks its plugin registry first; the plugin gives it none, so every call ends here.
        if not request.HasField("resource"):
            raise self._error(Refusal("INVALID_ARGUMENT", "resource descriptor is required"))
        resource = request.resource
        raise self._error(
            Refusal(
                "INVALID_ARGUMENT",
                f"no plugin registered for provider {facts.go_quote(resource.provider)} "
                f"and region {facts.go_quote(resource.region)}",
            )
        )

    async def get_projected_cost(
        self, request: messages.GetProjectedCostRequest, ctx: RequestContext
    ) -> messages.GetProjectedCostResponse:
        try:
            service = self._validate(request, request.utilization_percentage)
        except Refusal as refusal:
            raise self._error(refusal) from None
        resource = request.resource
        if service is None:
            return messages.GetProjectedCostResponse(
                currency=facts.CURRENCY, billing_detail=facts.not_supported(resource.resource_type)
            )
        if service == "zero-cost":
            return messages.GetProjectedCostResponse(
                currency=facts.CURRENCY,
                billing_detail=f"{resource.resource_type} has no direct cost",
                growth_type=messages.GROWTH_TYPE_NONE,
            )
        rate = self._rate(service, resource.sku)
        if rate is None:
            return messages.GetProjectedCostResponse(
                currency=facts.CURRENCY, billing_detail=facts.not_in_pricing_data(self._label(service), resource.sku)
            )
        if service == "ebs":
            return _storage_cost(resource, rate)
        return messages.GetProjectedCostResponse(
            unit_price=rate,
            currency=facts.CURRENCY,
            cost_per_month=rate * facts.HOURS_PER_MONTH,
            billing_detail=f"On-demand Linux, Shared tenancy, {facts.HOURS_PER_MONTH} hrs/month",
            growth_type=messages.GROWTH_TYPE_NONE,
        )

    async def get_pricing_spec(
        self, request: messages.GetPricingSpecRequest, ctx: RequestContext
    ) -> messages.GetPricingSpecResponse:
        try:
            service = self._validate(request, 0.0)
        except Refusal as refusal:
            raise self._error(refusal) from None
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
            spec.description = facts.not_supported(resource.resource_type)
        elif service == "zero-cost":
            spec.billing_mode = "zero_cost"
        else:
            unit = facts.UNITS.get(service, "")
            spec.billing_mode = f"per_{unit.replace('-', '_').lower()}" if unit else "unknown"
            spec.unit = unit
            rate = self._rate(service, resource.sku)
            if rate is None:
                spec.description = facts.not_in_pricing_data(self._label(service), resource.sku)
            else:
                spec.rate_per_unit = rate
                spec.description = f"{self._label(service)} {resource.sku} on demand in {self.region}"
        return messages.GetPricingSpecResponse(spec=spec)

    def _validate(self, request: Any, utilization: float) -> str | None:
        """The plugin's checks in its order; the resource's service (None: a type it does not price)."""
        if not request.HasField("resource"):
            raise Refusal("INVALID_ARGUMENT", "request and resource are required")
        resource = request.resource
        service = facts.service_of(resource.resource_type)
        if service == "zero-cost":
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

    @staticmethod
    def _label(service: str) -> str:
        return price_table().get(service, {}).get("label", f"{service.upper()} sku")


def _storage_cost(resource: messages.ResourceDescriptor, rate: float) -> messages.GetProjectedCostResponse:
    """An EBS volume: rate x size in GB, 8 GB when no size tag says otherwise."""
    size_text = resource.tags.get("size") or resource.tags.get("volume_size")
    try:
        size = int(size_text) if size_text else None
    except ValueError:
        size = None
    metadata = {}
    if size is None:
        size = STORAGE_DEFAULT_GB
        metadata = {"defaults_applied": f"size={STORAGE_DEFAULT_GB}", "estimate_quality": "medium"}
    defaulted = " (defaulted)" if metadata else ""
    return messages.GetProjectedCostResponse(
        unit_price=rate,
        currency=facts.CURRENCY,
        cost_per_month=rate * size,
        billing_detail=f"{resource.sku} volume, {size} GB{defaulted}, ${rate:.4f}/GB-month",
        growth_type=messages.GROWTH_TYPE_NONE,
        metadata=metadata,
    )
