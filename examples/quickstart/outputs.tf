output "endpoints" {
  description = "AWS region => host:port, reachable from inside the VPC."
  value       = module.finfocus.endpoints
}

output "dns_name" {
  description = "Cloud Map name that resolves to the task IPs."
  value       = module.finfocus.dns_name
}

output "how_to_reach" {
  description = "How to call the plugin: from a host in the VPC, or from outside it through ECS Exec."
  # try(): with a region_ports the module refuses, its own error is the one to read, not an invalid index here.
  value = "From a host in ${local.vpc_id}: curl http://${try(module.finfocus.endpoints["us-east-1"], values(module.finfocus.endpoints)[0], "${module.finfocus.dns_name}:PORT")}/healthz, or check every region with: finfocus-ecs verify ${module.finfocus.dns_name}. From outside the VPC: port forwarding through ECS Exec (enable_execute_command = true), as docs/ecs-deployment.md section 11 shows."
}

output "image" {
  description = "Plugin image the tasks run: its tag is the release every port reports."
  value       = one([for container in jsondecode(module.finfocus.container_definitions_json) : container.image if container.name == "finfocus-plugin"])
}

output "metrics_endpoint" {
  description = "Prometheus metrics host:port (closed until metrics sources are allowed)."
  value       = module.finfocus.metrics_endpoint
}

output "region" {
  description = "Region deployed to."
  value       = module.finfocus.region
}

output "vpc_id" {
  description = "VPC of the tasks."
  value       = local.vpc_id
}

output "subnet_ids" {
  description = "Subnets of the tasks."
  value       = local.subnet_ids
}

output "cluster_arn" {
  description = "ECS cluster."
  value       = module.finfocus.cluster_arn
}

output "service_name" {
  description = "ECS service (console: ECS > Clusters > the cluster > Services)."
  value       = module.finfocus.service_name
}

output "service_arn" {
  description = "ECS service ARN."
  value       = module.finfocus.service_arn
}

output "task_definition_arn" {
  description = "Task definition ARN, with revision."
  value       = module.finfocus.task_definition_arn
}

output "task_definition_revision" {
  description = "Task definition revision."
  value       = module.finfocus.task_definition_revision
}

output "security_group_id" {
  description = "Security group of the tasks."
  value       = module.finfocus.security_group_id
}

output "security_group_ingress_port_ranges" {
  description = "Port ranges the security group opens to the VPC."
  value       = module.finfocus.security_group_ingress_port_ranges
}

output "namespace_id" {
  description = "Cloud Map namespace (console: Cloud Map > Namespaces)."
  value       = module.finfocus.namespace_id
}

output "cloud_map_service_arn" {
  description = "Cloud Map service the tasks register in."
  value       = module.finfocus.cloud_map_service_arn
}

output "log_group_name" {
  description = "CloudWatch log group (console: CloudWatch > Log groups)."
  value       = module.finfocus.log_group_name
}

output "execution_role_arn" {
  description = "Task execution role."
  value       = module.finfocus.execution_role_arn
}
