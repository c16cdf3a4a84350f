output "endpoints" {
  description = "AWS region => host:port, reachable from inside the VPC."
  value       = module.finfocus.endpoints
}

output "dns_name" {
  description = "Cloud Map name that resolves to every healthy task's IP."
  value       = module.finfocus.dns_name
}

output "alarm_topic_arn" {
  description = "The SNS topic the alarms notify: subscribe your paging or chat tools to it."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_arns" {
  description = "Alarm name => ARN."
  value       = module.finfocus.alarm_arns
}

output "autoscaling_resource_id" {
  description = "Application Auto Scaling resource id of the service."
  value       = module.finfocus.autoscaling_resource_id
}

output "security_group_id" {
  description = "The tasks' security group, for rules of your own."
  value       = module.finfocus.security_group_id
}
