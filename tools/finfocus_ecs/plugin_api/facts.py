"""What the real plugin (finfocus-plugin-aws-public) answers, as clients must read it.

One home for the plugin's own words and rules, from
../shared/reference/calling-the-plugin.md (sections 3 and 7, the latter
measured on the built plugin) and its source at v0.1.8
(internal/plugin/constants.go, projected.go, pricingspec.go, supports.go):
its name, the metadata that says which region a port serves, the texts of
its region error, of its $0 answers and of its pricing specs, how it reads
a resource type, and the units of its prices. The clients read answers with
these; the stand-in region binary answers with them.
"""

from __future__ import annotations

import json

# Name returns this on every port: it cannot tell regions apart (fact sheet 3.1).
PLUGIN_NAME = "finfocus-plugin-aws-public"
# The name its logger writes in every JSON line's plugin_name (main.go: NewPluginLogger("aws-public", ...)).
LOGGER_NAME = "aws-public"
PROVIDER = "aws"
CURRENCY = "USD"
# GetPluginInfo's metadata: "region" is the binary's compiled-in region, the
# only answer that proves which region a port serves.
REGION_KEY = "region"
REGIONAL_TYPE = "public-pricing-fallback"
# Hourly prices are turned into a month with 730 hours (carbon.HoursPerMonth).
HOURS_PER_MONTH = 730

# The region check, step 5 of GetProjectedCost's and GetPricingSpec's validation.
REGION_MISMATCH = "region mismatch"
# The ends of the billing details that come with a $0 answer instead of an error (constants.go).
NOT_IN_PRICING_DATA = "not found in pricing data"
PRICING_UNAVAILABLE = "pricing data not available for region"
NOT_SUPPORTED = "not supported for cost estimation"

# The six types that cost nothing, and what the plugin says of each (projected.go zeroCostResourceDescriptions).
ZERO_COST = {
    "vpc": "VPC has no direct hourly or monthly charge. Costs may apply for associated resources (NAT Gateway, VPN, "
    "etc.)",
    "securitygroup": "Security Groups have no direct charge. They are a free networking feature.",
    "subnet": "Subnets have no direct charge. Costs may apply for data transfer between AZs.",
    "iam": "IAM resources (users, roles, policies) have no direct charge. They are a free AWS feature.",
    "launchtemplate": "Launch Templates are configuration-only resources with no direct charge. Costs apply to "
    "instances launched from them.",
    "launchconfiguration": "Launch Configurations are configuration-only resources with no direct charge. Costs "
    "apply to instances launched from them.",
}
ZERO_COST_ASSUMPTIONS = ("No direct AWS charges for this resource type",)

# Services by the short resource types the plugin accepts (case-insensitive).
SHORT_TYPES = {
    **{name: name for name in ("ec2", "ebs", "rds", "s3", "lambda", "dynamodb", "eks", "cloudwatch", "elasticache")},
    **dict.fromkeys(("elb", "alb", "nlb"), "elb"),
    **dict.fromkeys(("natgw", "nat_gateway", "nat-gateway", "natgateway"), "natgw"),
    **{name: name for name in ZERO_COST},
}
# aws:ec2/... types that are not instances, by the start of their lower-cased resource part.
EC2_SUBTYPES = {
    "volume": "ebs",
    "natgateway": "natgw",
    "vpc:": "vpc",
    "securitygroup": "securitygroup",
    "subnet:": "subnet",
    "launchtemplate": "launchtemplate",
    "launchconfiguration": "launchconfiguration",
}
# The unit of unit_price: on-demand hours for instances, GB-months for storage.
UNITS = {
    **dict.fromkeys(("ec2", "rds", "eks", "natgw", "elb", "elasticache"), "hour"),
    **dict.fromkeys(("ebs", "s3"), "GB-month"),
}
# What an unknown SKU is called in GetProjectedCost's "%s %q not found in pricing data".
SKU_LABELS = {
    "ec2": "EC2 instance type",
    "ebs": "EBS volume type",
    "s3": "S3 storage class",
    "rds": "RDS instance type",
}
# The services whose missing data reads "%s pricing data not available for region %s" instead.
UNAVAILABLE_LABELS = {"eks": "EKS", "lambda": "Lambda", "natgw": "NAT Gateway", "elb": "ALB"}

# GetPricingSpec's words (pricingspec.go): EC2 is always Linux, Shared tenancy.
EC2_SPEC_DESCRIPTION = "On-demand Linux EC2 instance with Shared tenancy"
EC2_SPEC_ASSUMPTIONS = (
    "Operating System: Linux",
    "Tenancy: Shared",
    "Pre-installed software: None",
    "Capacity Status: Used",
)
EBS_SPEC_ASSUMPTIONS = ("Storage only (IOPS/throughput not included)", "Standard provisioned capacity")
EC2_SPEC_NOT_FOUND_ASSUMPTIONS = ("Instance type not found in embedded pricing data",)

# The carbon estimate that comes with every price the plugin knows (impactMetrics), and the services whose
# Supports answer names it (supportedMetrics).
CARBON_UNIT = "gCO2e"
CARBON_REPORTED = ("ec2", "rds", "lambda", "s3", "ebs", "eks", "dynamodb", "elasticache")


def service_of(resource_type: str) -> str | None:
    """The plugin's service for a resource type (short or Pulumi form), or None when it does not know it.

    After normalizeResourceType/detectService: case-insensitive; any aws:ec2/
    type not listed in EC2_SUBTYPES is an instance. A type that costs
    nothing gives its own name (a key of ZERO_COST).
    """
    lowered = resource_type.strip().lower()
    if lowered in SHORT_TYPES:
        return SHORT_TYPES[lowered]
    if not lowered.startswith("aws:"):
        return None
    module, _, rest = lowered[len("aws:") :].partition("/")
    if module == "ec2":
        return next((service for start, service in EC2_SUBTYPES.items() if rest.startswith(start)), "ec2")
    if module in ("lb", "alb", "nlb") or "elb/loadbalancer" in lowered:
        return "elb"
    if module == "iam":
        return "iam"
    return module if SHORT_TYPES.get(module) == module else None


def unit_of(resource_type: str) -> str | None:
    """What unit_price is per for this type ("hour", "GB-month"), None when the plugin does not say."""
    return UNITS.get(service_of(resource_type) or "")


def go_quote(text: str) -> str:
    """Go's %q for the printable text a SKU or type is: double quotes, backslash escapes."""
    return json.dumps(text, ensure_ascii=False)


def not_in_pricing_data(label: str, sku: str) -> str:
    """The billing detail of an unknown SKU: `%s %q not found in pricing data` (constants.go)."""
    return f"{label} {go_quote(sku)} {NOT_IN_PRICING_DATA}"


def pricing_unavailable(label: str, region: str) -> str:
    """The billing detail of a service without data in the region: `%s pricing data not available for region %s`."""
    return f"{label} {PRICING_UNAVAILABLE} {region}"


def not_supported(resource_type: str) -> str:
    """The billing detail of a type the plugin does not price, with the type as sent."""
    return f"Resource type {go_quote(resource_type)} {NOT_SUPPORTED}"


def not_supported_for_spec(resource_type: str) -> str:
    """GetPricingSpec's description of a type the plugin does not price (its words differ from the billing detail)."""
    return f"Resource type {go_quote(resource_type)} not supported for pricing specification"


def region_not_served(plugin_region: str, resource_region: str) -> str:
    """Supports' reason for another region (supports.go), which reaches callers from SDK v0.6.2."""
    return f"Region not supported by this binary (plugin region: {plugin_region}, resource region: {resource_region})"


def provider_not_supported(provider: str) -> str:
    """Supports' reason for a provider other than aws (checked before the region)."""
    return f"Provider {go_quote(provider)} not supported (only {go_quote(PROVIDER)} is supported)"


def type_not_supported(resource_type: str) -> str:
    """Supports' reason for a resource type the plugin does not price."""
    return f"Resource type {go_quote(resource_type)} not supported"
