# Looked up only when allowed_cidr_blocks is null, to default to the VPC's
# CIDR blocks: the primary one and every secondary one associated since.
data "aws_vpc" "selected" {
  count = var.allowed_cidr_blocks == null ? 1 : 0

  id = var.vpc_id
}

# Those blocks in one customer-managed prefix list, which one ingress rule per
# port range references. A VPC made in the same root has blocks known only
# after apply, and so is their number: rules keyed per block could not be
# planned (for_each keys must be known), while a list's entries may be
# unknown. A block associated later joins the list at the next apply, in place.
# A rule that references a list counts as max_entries rules against the
# group's quota (60 inbound by default), so max_entries is the blocks' number.
# IPv6 blocks are left out: give them in allowed_cidr_blocks.
resource "aws_ec2_managed_prefix_list" "vpc" {
  count = var.allowed_cidr_blocks == null ? 1 : 0

  name           = "${var.name}-vpc-cidrs"
  address_family = "IPv4"
  max_entries    = local.vpc_prefix_list_entries

  dynamic "entry" {
    for_each = local.vpc_ipv4_cidr_blocks
    content {
      cidr        = entry.value
      description = "IPv4 CIDR block of the tasks VPC"
    }
  }

  tags = var.tags
}

# Every name and description here reaches EC2, which allows only letters,
# digits, spaces and ._-:/()#,@[]+=&;{}!$* in a group or rule description (up
# to 255 characters; API_IpRange, API_CreateSecurityGroup) and answers
# "InvalidParameterValue: Invalid rule description" otherwise. The emulator
# does not check: tests/plan/test_aws_strings.py checks every planned string
# against each API's documented rule.
resource "aws_security_group" "this" {
  name        = var.name
  description = "FinFocus pricing plugin tasks: regional ports from allowed sources, HTTPS out"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    # AWS refuses the rule past the quota (RulesPerSecurityGroupLimitExceeded), after the group and
    # the rules before it exist: checked here, before anything is created. A rule that references
    # the VPC's prefix list counts as its max_entries.
    precondition {
      condition     = max(local.inbound_rules.ipv4, local.inbound_rules.ipv6) <= var.security_group_rules_quota
      error_message = "The security group would hold ${local.inbound_rules.ipv4} IPv4 and ${local.inbound_rules.ipv6} IPv6 inbound rules, over security_group_rules_quota = ${var.security_group_rules_quota} (AWS counts each family apart). They come from region_ports, folded into ${length(local.regional_port_ranges)} port range(s), times the sources: ${local.inbound_rules_sources}. Give fewer sources (one CIDR block that covers several, or a security group), make region_ports contiguous, or raise the quota with AWS and set security_group_rules_quota."
    }

    # The quota is the same number for outbound rules, counted apart from the inbound ones.
    precondition {
      condition     = max(local.outbound_rules.ipv4, local.outbound_rules.ipv6) <= var.security_group_rules_quota
      error_message = "The security group would hold ${local.outbound_rules.ipv4} IPv4 and ${local.outbound_rules.ipv6} IPv6 outbound rules, over security_group_rules_quota = ${var.security_group_rules_quota}: one per egress_cidr_blocks entry (${length(var.egress_cidr_blocks)}) and two per dns_egress_cidr_blocks entry (${length(var.dns_egress_cidr_blocks)}, UDP and TCP). Give fewer, wider blocks, or raise the quota with AWS and set security_group_rules_quota."
    }

    # The provider sends its default_tags with every resource: all of them count toward AWS's 50.
    precondition {
      condition     = local.security_group_tag_count <= 50
      error_message = "tags (${length(var.tags)}) and the provider's default_tags (${length(data.aws_default_tags.current.tags)}) make ${local.security_group_tag_count} tags on the security group, with the Name the module adds: AWS takes at most 50 on a resource. Give fewer in tags or in default_tags."
    }
  }
}

data "aws_default_tags" "current" {}

locals {
  # Spelled out here: checkov's HCL parser fails on braces inside an error message.
  security_group_tag_count = length(merge(data.aws_default_tags.current.tags, var.tags, { Name = var.name }))

  # Inbound rules against the quota, per IP family (VPC quotas): a group reference counts in both,
  # a CIDR block in its own, a prefix list as its max_entries in its address family (the VPC's list
  # is IPv4; AWS's pages do not say that it counts in the other family too).
  inbound_rule_weights = [
    for rule in values(local.ingress_rules) : {
      ipv4 = rule.source.kind == "prefix_list" ? local.vpc_prefix_list_entries : rule.source.kind == "group" ? 1 : can(cidrnetmask(rule.source.value)) ? 1 : 0
      ipv6 = rule.source.kind == "group" ? 1 : rule.source.kind == "cidr" ? (can(cidrnetmask(rule.source.value)) ? 0 : 1) : 0
    }
  ]
  inbound_rules = {
    ipv4 = sum(concat([0], local.inbound_rule_weights[*].ipv4))
    ipv6 = sum(concat([0], local.inbound_rule_weights[*].ipv6))
  }
  outbound_destinations = concat(values(local.https_egress), values(local.dns_egress), values(local.dns_egress))
  outbound_rules = {
    ipv4 = length([for cidr in local.outbound_destinations : cidr if can(cidrnetmask(cidr))])
    ipv6 = length([for cidr in local.outbound_destinations : cidr if !can(cidrnetmask(cidr))])
  }
  inbound_rules_sources = join(", ", compact([
    var.allowed_cidr_blocks == null ? "the VPC's ${local.vpc_prefix_list_entries} IPv4 CIDR block(s) (allowed_cidr_blocks = null: a prefix list, counted at its max_entries)" : "",
    "allowed_cidr_blocks (${length(coalesce(var.allowed_cidr_blocks, []))})",
    "allowed_security_group_ids (${length(var.allowed_security_group_ids)})",
    var.metrics_port == null ? "" : "and on the metrics port, metrics_allowed_cidr_blocks (${length(var.metrics_allowed_cidr_blocks)}) and metrics_allowed_security_group_ids (${length(var.metrics_allowed_security_group_ids)})",
  ]))
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress_rules

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  referenced_security_group_id = each.value.source.kind == "group" ? each.value.source.value : null
  prefix_list_id               = each.value.source.kind == "prefix_list" ? each.value.source.value : null
  # cidrnetmask() accepts IPv4 blocks only, which tells the two families apart.
  cidr_ipv4 = each.value.source.kind == "cidr" && can(cidrnetmask(each.value.source.value)) ? each.value.source.value : null
  cidr_ipv6 = each.value.source.kind == "cidr" && !can(cidrnetmask(each.value.source.value)) ? each.value.source.value : null

  tags = var.tags

  # Replaced only with the group (a new security_group_id): the new group's
  # rules first, so the old tasks stay reachable until the service has moved.
  lifecycle {
    create_before_destroy = true
  }
}

# HTTPS only: the image pull from ghcr.io, CloudWatch Logs, and Secrets
# Manager or SSM. DNS goes to the VPC resolver, which security groups do not
# filter; DNS servers of your own are the dns rules below.
resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = local.https_egress

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to ${each.key}: image pull, CloudWatch Logs, secrets"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = can(cidrnetmask(each.value)) ? each.value : null
  cidr_ipv6         = can(cidrnetmask(each.value)) ? null : each.value

  tags = var.tags
}

# DNS to resolvers of your own, for VPCs whose DHCP options name them instead
# of the VPC resolver (AmazonProvidedDNS): without these rules the tasks
# resolve nothing, not even ghcr.io. TCP too, for answers too long for UDP.
# CKV_FINFOCUS_4 allows port 53 to named networks, never to the world; a
# literal protocol per resource lets it read the rule from the source.
resource "aws_vpc_security_group_egress_rule" "dns_udp" {
  for_each = local.dns_egress

  security_group_id = aws_security_group.this.id
  description       = "DNS (UDP 53) to ${each.key}: a DNS server of the VPC DHCP options"
  ip_protocol       = "udp"
  from_port         = 53
  to_port           = 53
  cidr_ipv4         = can(cidrnetmask(each.value)) ? each.value : null
  cidr_ipv6         = can(cidrnetmask(each.value)) ? null : each.value

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "dns_tcp" {
  for_each = local.dns_egress

  security_group_id = aws_security_group.this.id
  description       = "DNS (TCP 53) to ${each.key}: a DNS server of the VPC DHCP options"
  ip_protocol       = "tcp"
  from_port         = 53
  to_port           = 53
  cidr_ipv4         = can(cidrnetmask(each.value)) ? each.value : null
  cidr_ipv6         = can(cidrnetmask(each.value)) ? null : each.value

  tags = var.tags
}

# Releases before the rules were keyed by input and position keyed them by
# value. This carries the default HTTPS egress over, so that upgrading a
# deployment that kept it does not delete and re-create it. Rules for sources
# you gave are re-created under their new keys.
moved {
  from = aws_vpc_security_group_egress_rule.https["0.0.0.0/0"]
  to   = aws_vpc_security_group_egress_rule.https["egress_cidr_blocks[0]"]
}

# Releases before 0.3.0 keyed the VPC default "PORTS/the VPC CIDR" and gave it the VPC's CIDR. It
# has no moved block to its new key: the rule now references a prefix list, and moved onto it, the
# provider planned an update and then, once the list existed, a replacement ("Provider produced
# inconsistent final plan"), failing the upgrade's apply. It is deleted and the new one created.
