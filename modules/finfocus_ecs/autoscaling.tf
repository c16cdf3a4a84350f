# Target tracking on the service's task count, only when var.autoscaling is
# set. Application Auto Scaling changes the service's desired count; the
# service (aws_ecs_service.autoscaled) ignores desired_count after it is
# created, so no apply resets what autoscaling chose. min_capacity and
# max_capacity are taken as given: the module never raises one to fit another
# input (terraform-aws-modules/ecs #372, #394); desired_count outside them is
# refused at plan instead.

locals {
  autoscaling_enabled = var.autoscaling != null
  cluster_name        = element(split("/", local.cluster_arn), length(split("/", local.cluster_arn)) - 1)

  # One target-tracking policy per metric that has a target.
  autoscaling_policies = local.autoscaling_enabled ? {
    for name, policy in {
      cpu    = { target = var.autoscaling.cpu_target, metric = "ECSServiceAverageCPUUtilization" }
      memory = { target = var.autoscaling.memory_target, metric = "ECSServiceAverageMemoryUtilization" }
    } : name => policy if policy.target != null
  } : {}
}

# Every task has its own network interface, so the subnets must have a free
# address for each task autoscaling may start. Read when the subnet ids are
# known at plan; for subnets created in the same run, at apply.
data "aws_subnet" "tasks" {
  count = local.autoscaling_enabled ? length(var.subnet_ids) : 0

  id = var.subnet_ids[count.index]
}

resource "aws_appautoscaling_target" "this" {
  count = local.autoscaling_enabled ? 1 : 0

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${local.cluster_name}/${aws_ecs_service.autoscaled[0].name}"
  min_capacity       = var.autoscaling.min_capacity
  max_capacity       = var.autoscaling.max_capacity

  tags = var.tags

  lifecycle {
    precondition {
      condition     = sum(concat([0], data.aws_subnet.tasks[*].available_ip_address_count)) >= var.autoscaling.max_capacity
      error_message = "autoscaling.max_capacity = ${var.autoscaling.max_capacity} needs a free address for each task (one network interface each), and subnet_ids have ${sum(concat([0], data.aws_subnet.tasks[*].available_ip_address_count))} free: lower max_capacity, or give larger subnets."
    }
  }
}

resource "aws_appautoscaling_policy" "this" {
  for_each = local.autoscaling_policies

  name               = "${var.name}-${each.key}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown
    scale_out_cooldown = var.autoscaling.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}
