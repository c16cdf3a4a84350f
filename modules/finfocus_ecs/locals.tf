locals {
  # What to create must be known at plan, since it sets counts. An ARN or id
  # from a resource of the same root is known only after apply, and so is
  # whether it is null ("Invalid count argument"): the create_* inputs then
  # say it, and only when they are null is it read from the ARN or id.
  create_cluster        = var.create_cluster != null ? var.create_cluster : var.cluster_arn == null
  create_namespace      = var.create_namespace != null ? var.create_namespace : var.namespace_id == null
  create_execution_role = var.create_execution_role != null ? var.create_execution_role : var.execution_role_arn == null
  create_exec_task_role = var.create_task_role != null ? var.create_task_role : var.task_role_arn == null && var.enable_execute_command
  # Never empty: the service always uses a strategy (ecs.tf says why).
  capacity_provider_strategy = length(var.capacity_provider_strategy) > 0 ? var.capacity_provider_strategy : [{ capacity_provider = "FARGATE", weight = 1, base = 0 }]

  cluster_arn        = local.create_cluster ? aws_ecs_cluster.this[0].arn : var.cluster_arn
  namespace_id       = local.create_namespace ? aws_service_discovery_private_dns_namespace.this[0].id : var.namespace_id
  execution_role_arn = local.create_execution_role ? aws_iam_role.execution[0].arn : var.execution_role_arn
  task_role_arn      = local.create_exec_task_role ? aws_iam_role.task[0].arn : var.task_role_arn

  dns_name = "${var.service_discovery_name}.${var.namespace_name}"

  # Fargate's task sizes on Linux: CPU units => memory (MiB) it accepts. AWS
  # writes "GB" for GiB here: 1 GB = 1024 MiB.
  # 256-16384: the ECS API reference, RegisterTaskDefinition `memory`
  # (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html,
  # botocore 1.44.8's ECS model), and the Developer Guide's "Task CPU and
  # memory" (fargate-tasks-services.html#fargate-tasks-size): "Between 16 GB
  # and 60 GB in 4 GB increments - Available cpu values: 8192 (8 vCPU) This
  # option requires Linux platform 1.4.0 or later", "Between 32GB and 120 GB
  # in 8 GB increments - ... 16384 (16 vCPU)".
  # 32768: added to Fargate in June 2026, after the API reference text above
  # was written. Linux only, exactly three memory values, 60, 120 and 244 GB
  # (61440, 122880, 249856 MiB), per the Developer Guide's task size table as
  # quoted by cfn-lint PR #4668 (rule E3047) and pulumi-awsx PR #2053. Not
  # confirmed against an AWS page from here; kept because both tools ship it
  # and a refused valid size is worse than ECS refusing a wrong one at apply.
  fargate_memory_by_cpu = {
    "256"   = [512, 1024, 2048]
    "512"   = range(1024, 4097, 1024)
    "1024"  = range(2048, 8193, 1024)
    "2048"  = range(4096, 16385, 1024)
    "4096"  = range(8192, 30721, 1024)
    "8192"  = range(16384, 61441, 4096)
    "16384" = range(32768, 122881, 8192)
    "32768" = [61440, 122880, 249856]
  }
  fargate_memory_allowed = lookup(local.fargate_memory_by_cpu, tostring(var.cpu), [])

  # Regional ports in numeric order. sort() orders strings, so pad them first.
  regional_ports = [for padded in sort([for port in values(local.region_ports) : format("%05d", port)]) : tonumber(padded)]
  region_by_port = { for region, port in local.region_ports : tostring(port) => region }

  # Contiguous ports folded into ranges: the fewest ingress rules that cover them.
  port_range_starts = [for port in local.regional_ports : port if !contains(local.regional_ports, port - 1)]
  port_range_ends   = [for port in local.regional_ports : port if !contains(local.regional_ports, port + 1)]
  regional_port_ranges = [
    for index, start in local.port_range_starts : { from_port = start, to_port = local.port_range_ends[index] }
  ]

  # Who may reach which ports. Each source is keyed by the input and its
  # position there, never by its value: a security group or CIDR block created
  # in the same root is known only after apply, and for_each keys must be known
  # at plan ("Invalid for_each argument ... known only after apply"). The
  # descriptions name the key too, so that they are known at plan as well
  # (checkov's CKV_AWS_23 reads them from the plan); the rule itself shows the
  # value. null allowed_cidr_blocks means "every IPv4 CIDR block of the VPC",
  # through a prefix list (network.tf).
  vpc_ipv4_cidr_blocks = var.allowed_cidr_blocks == null ? [for association in data.aws_vpc.selected[0].cidr_block_associations : association.cidr_block if association.state == "associated"] : []
  regional_sources = merge(
    var.allowed_cidr_blocks == null ? { "the VPC CIDR blocks" = { kind = "prefix_list", value = aws_ec2_managed_prefix_list.vpc[0].id } } : {},
    { for index, cidr in coalesce(var.allowed_cidr_blocks, []) : "allowed_cidr_blocks[${index}]" => { kind = "cidr", value = cidr } },
    { for index, group_id in var.allowed_security_group_ids : "allowed_security_group_ids[${index}]" => { kind = "group", value = group_id } },
  )
  metrics_sources = var.metrics_port == null ? {} : merge(
    { for index, cidr in var.metrics_allowed_cidr_blocks : "metrics_allowed_cidr_blocks[${index}]" => { kind = "cidr", value = cidr } },
    { for index, group_id in var.metrics_allowed_security_group_ids : "metrics_allowed_security_group_ids[${index}]" => { kind = "group", value = group_id } },
  )

  ingress_rules = merge(
    {
      for pair in setproduct(local.regional_port_ranges, keys(local.regional_sources)) :
      "${pair[0].from_port}-${pair[0].to_port}/${pair[1]}" => {
        from_port   = pair[0].from_port
        to_port     = pair[0].to_port
        source      = local.regional_sources[pair[1]]
        description = "FinFocus regional ports ${pair[0].from_port}-${pair[0].to_port} from ${pair[1]}"
      }
    },
    {
      for key, source in local.metrics_sources : "metrics/${key}" => {
        from_port   = var.metrics_port
        to_port     = var.metrics_port
        source      = source
        description = "FinFocus metrics port ${var.metrics_port} from ${key}"
      }
    },
  )

  # Egress destinations, keyed by position for the same reason.
  https_egress = { for index, cidr in var.egress_cidr_blocks : "egress_cidr_blocks[${index}]" => cidr }
  dns_egress   = { for index, cidr in var.dns_egress_cidr_blocks : "dns_egress_cidr_blocks[${index}]" => cidr }

  endpoints = { for region, port in local.region_ports : region => "${local.dns_name}:${port}" }

  plugin_container_name = "finfocus-plugin"
  bridge_container_name = "port-bridge"

  # The plugin gets the whole task except the bridge's share.
  plugin_cpu                = var.cpu - (var.port_bridge_enabled ? var.port_bridge_cpu : 0)
  plugin_memory_reservation = var.memory - (var.port_bridge_enabled ? var.port_bridge_memory : 0)

  # ECS kills the plugin this long after SIGTERM; the entrypoint needs its
  # grace plus time to reap its processes. The port bridge's stopTimeout adds
  # its linger after the stop signal (bridge.tf), which keeps it within
  # Fargate's 120 s as well.
  stop_timeout = var.termination_grace_seconds + 15
}
