output "endpoints" {
  description = "AWS region => `host:port` where its pricing process answers inside the VPC, e.g. `aws-public.finfocus.local:8001`."
  value       = local.endpoints
}

output "region_ports" {
  description = "AWS region => port, as deployed."
  value       = local.region_ports
}

output "dns_name" {
  description = "Cloud Map DNS name that resolves to the task IPs (A records)."
  value       = local.dns_name
}

output "metrics_endpoint" {
  description = "`host:port` of the Prometheus metrics aggregator, or null when `metrics_port` is null."
  value       = var.metrics_port == null ? null : "${local.dns_name}:${var.metrics_port}"
}

output "security_group_ingress_port_ranges" {
  description = "Regional port ranges the security group opens, contiguous ports folded into one rule each."
  value       = local.regional_port_ranges
}

output "service_name" {
  description = "Name of the ECS service: `name`, or `NAME-autoscaled` with `autoscaling`."
  value       = local.service_name
}

output "service_arn" {
  description = "ARN of the ECS service."
  value       = terraform_data.service.output.arn
}

output "cluster_arn" {
  description = "ARN of the ECS cluster, created or given."
  value       = local.cluster_arn
}

output "task_definition_arn" {
  description = "ARN of the task definition, with its revision."
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_revision" {
  description = "Revision of the task definition."
  value       = aws_ecs_task_definition.this.revision
}

# As the module renders it, known at plan: the task definition's attribute is the provider's
# normalized copy, which a user's resource reading it saw change between plan and apply whenever the
# task definition was replaced ("Provider produced inconsistent final plan").
output "container_definitions_json" {
  description = "The container definitions JSON registered with ECS."
  value       = jsonencode(local.container_definitions)
}

output "port_bridge_script" {
  description = "The POSIX sh script the port bridge runs (`/bin/sh -c SCRIPT`), rendered from `region_ports`; null when the bridge is off."
  value       = var.port_bridge_enabled ? local.port_bridge_script : null
}

output "security_group_id" {
  description = "ID of the tasks' security group. Reference it from your clients' rules."
  value       = aws_security_group.this.id
}

output "namespace_id" {
  description = "ID of the Cloud Map namespace, created or given."
  value       = local.namespace_id
}

output "cloud_map_service_arn" {
  description = "ARN of the Cloud Map service the ECS service registers its tasks in."
  value       = aws_service_discovery_service.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of every container (stream prefixes `plugin`, `port-bridge` and `volume-init`)."
  value       = aws_cloudwatch_log_group.this.name
}

output "execution_role_arn" {
  description = "ARN of the task execution role, created or given."
  value       = local.execution_role_arn
}

output "task_role_arn" {
  description = "ARN of the task role, or null when the tasks have none."
  value       = local.task_role_arn
}

output "alarm_arns" {
  description = "Alarm name => ARN of the CloudWatch alarms, empty when `alarm_actions` is empty."
  value = {
    for alarm in concat(
      values(aws_cloudwatch_metric_alarm.this),
      aws_cloudwatch_metric_alarm.tasks_not_running,
      aws_cloudwatch_metric_alarm.tasks_replaced_repeatedly,
    ) : alarm.alarm_name => alarm.arn
  }
}

output "autoscaling_resource_id" {
  description = "Application Auto Scaling's id of the service (`service/CLUSTER/SERVICE`), or null without `autoscaling`."
  value       = one(aws_appautoscaling_target.this[*].resource_id)
}

output "region" {
  description = "AWS region of the deployment: the provider's."
  value       = local.region
}
