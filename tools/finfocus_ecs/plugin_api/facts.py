"""What the real plugin (finfocus-plugin-aws-public v0.1.8) answers, as clients must read it.

One home for the plugin's own words and rules, from
../shared/reference/calling-the-plugin.md: its name, the metadata that says
which region a port serves, the texts of its region error and of its $0
answers, how it reads a resource type, and the units of its prices. The
clients read answers with these; the stand-in region binary answers with them.
"""

from __future__ import annotations

import json

# Name returns this on every port: it cannot tell regions apart (fact sheet 3.1).
PLUGIN_NAME = "finfocus-plugin-aws-public"
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
# The ends of the two billing details that come with a $0 answer instead of an error.
NOT_IN_PRICING_DATA = "not found in pricing data"
NOT_SUPPORTED = "not supported for cost estimation"

# Services by the short resource types the plugin accepts (case-insensitive).
SHORT_TYPES = {
    **{name: name for name in ("ec2", "ebs", "rds", "s3", "lambda", "dynamodb", "eks", "cloudwatch", "elasticache")},
    **dict.fromkeys(("elb", "alb", "nlb"), "elb"),
    **dict.fromkeys(("natgw", "nat_gateway", "nat-gateway", "natgateway"), "natgw"),
    **dict.fromkeys(("vpc", "securitygroup", "subnet", "iam", "launchtemplate", "launchconfiguration"), "zero-cost"),
}
# aws:ec2/... types that are not instances, by the start of their lower-cased resource part.
EC2_SUBTYPES = {
    "volume": "ebs",
    "natgateway": "natgw",
    "vpc:": "zero-cost",
    "securitygroup": "zero-cost",
    "subnet:": "zero-cost",
    "launchtemplate": "zero-cost",
    "launchconfiguration": "zero-cost",
}
# The unit of unit_price: on-demand hours for instances, GB-months for storage.
UNITS = {
    **dict.fromkeys(("ec2", "rds", "eks", "natgw", "elb", "elasticache"), "hour"),
    **dict.fromkeys(("ebs", "s3"), "GB-month"),
}


def service_of(resource_type: str) -> str | None:
    """The plugin's service for a resource type (short or Pulumi form), or None when it does not know it.

    After normalizeResourceType/detectService: case-insensitive; any aws:ec2/
    type not listed in EC2_SUBTYPES is an instance.
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
        return "zero-cost"
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


def not_supported(resource_type: str) -> str:
    """The billing detail of a type the plugin does not price, with the type as sent."""
    return f"Resource type {go_quote(resource_type)} {NOT_SUPPORTED}"
