output "endpoints" {
  description = "AWS region => host:port in your namespace, reachable from inside the VPC."
  value       = module.finfocus.endpoints
}

output "dns_name" {
  description = "The name in your namespace that resolves to the task IPs."
  value       = module.finfocus.dns_name
}

output "security_group_id" {
  description = "The tasks' security group, for rules of your own."
  value       = module.finfocus.security_group_id
}

output "cloud_map_service_arn" {
  description = "The Cloud Map service the module created in your namespace."
  value       = module.finfocus.cloud_map_service_arn
}
