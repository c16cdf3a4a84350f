resource "aws_service_discovery_private_dns_namespace" "this" {
  count = local.create_namespace ? 1 : 0

  name        = var.namespace_name
  description = "Private DNS for the FinFocus pricing plugin (${var.name})"
  vpc         = var.vpc_id

  tags = var.tags
}

# With a given namespace, its name builds every endpoint, so make sure the
# name the user gave is really that namespace's name.
data "aws_service_discovery_dns_namespace" "existing" {
  count = local.create_namespace ? 0 : 1

  name = var.namespace_name
  type = "DNS_PRIVATE"

  lifecycle {
    postcondition {
      condition     = self.id == var.namespace_id
      error_message = "namespace_name = \"${var.namespace_name}\" is the namespace ${self.id}, not namespace_id = \"${coalesce(var.namespace_id, "null")}\": set namespace_name to the name of the namespace you give."
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

  # AWS always uses 1 and the argument is deprecated, but an empty block is
  # not stored in state and replaces the service on every plan
  # (terraform-provider-aws #44285).
  health_check_custom_config {
    failure_threshold = 1
  }

  # A service with registered instances cannot be deleted otherwise.
  force_destroy = true

  tags = var.tags
}
