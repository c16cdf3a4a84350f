resource "aws_service_discovery_private_dns_namespace" "this" {
  count = local.create_namespace ? 1 : 0

  name        = var.namespace_name
  description = "Private DNS for the FinFocus pricing plugin (${var.name})"
  vpc         = var.vpc_id

  tags = var.tags
}

# With a given namespace, namespace_id is the truth: the Cloud Map service is
# created in it. Its name still builds every endpoint, so check that
# namespace_name is that namespace's name, and that it serves this VPC.
# Provider 5.x cannot read a namespace by id: aws_service_discovery_dns_namespace
# searches by name across the account and region, so two VPCs with a
# finfocus.local each make it fail or find the other VPC's namespace. A private
# namespace is a Route 53 private hosted zone of the same name that Cloud Map
# links to itself. Route 53 allows one private zone of a name per VPC
# (ConflictingDomainExists), so name and VPC find at most one zone, and its
# linked service's description is the namespace's ARN, which ends in its id:
#   "LinkedService": {"ServicePrincipal": "servicediscovery.amazonaws.com",
#     "Description": "arn:aws:servicediscovery:REGION:ACCOUNT:namespace/ns-..."}
# No zone of that name in the VPC fails here with the provider's "no matching
# Route 53 Hosted Zone found". Plan needs route53:ListHostedZones,
# GetHostedZone, ListResourceRecordSets and ListTagsForResource.
data "aws_route53_zone" "existing_namespace" {
  count = local.create_namespace ? 0 : 1

  name         = var.namespace_name
  private_zone = true
  vpc_id       = var.vpc_id

  lifecycle {
    postcondition {
      condition     = self.linked_service_principal == "servicediscovery.amazonaws.com" && endswith(coalesce(self.linked_service_description, "none"), "/${coalesce(var.namespace_id, "none")}")
      error_message = "namespace_name = \"${var.namespace_name}\" is not the name of namespace_id = \"${coalesce(var.namespace_id, "null")}\" in vpc_id = \"${var.vpc_id}\": the private zone ${self.name} (${self.zone_id}) in that VPC belongs to ${coalesce(self.linked_service_description, "no Cloud Map namespace")}. Set namespace_name to the name of the namespace you give, and use a namespace of this VPC."
    }
  }
}

# A records, not SRV: one name resolves to the task IP and every regional
# port is reachable on it. SRV records carry one port each.
resource "aws_service_discovery_service" "this" {
  name        = var.service_discovery_name
  description = "FinFocus pricing plugin: one A record per task, every regional port on it"

  dns_config {
    namespace_id   = local.namespace_id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = var.dns_ttl
    }
  }

  # AWS always uses 1, and provider 6.x deprecates the argument (a warning on
  # every plan: "failure_threshold is deprecated ... always set to 1"), but an
  # empty block is not stored in state and replaces the service on every plan
  # (terraform-provider-aws #44285): keep it until the provider drops it.
  health_check_custom_config {
    failure_threshold = 1
  }

  # A service with registered instances cannot be deleted otherwise.
  force_destroy = true

  # The ECS services are create_before_destroy, and so, forced by Terraform,
  # is everything they depend on: this is replaced new-first, and Cloud Map
  # refuses a second service of the same name in a namespace. The provider
  # replaces it only for a new name, namespace or DNS routing, each a new
  # name or place, or for the empty health_check_custom_config diff above.

  tags = var.tags

  # Register nothing in a namespace whose name was not checked, even when the
  # check cannot run until apply (a vpc_id created in the same run).
  depends_on = [data.aws_route53_zone.existing_namespace]
}
