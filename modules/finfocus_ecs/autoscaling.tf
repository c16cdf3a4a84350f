# Target tracking on the service's task count, only when var.autoscaling is
# set. Application Auto Scaling changes the service's desired count; the
# service (aws_ecs_service.autoscaled) ignores desired_count after it is
# created, so no apply resets what autoscaling chose. min_capacity and
# max_capacity are taken as given: the module never raises one to fit another
# input (terraform-aws-modules/ecs #372, #394); desired_count outside them is
# refused at plan instead.

locals {
  autoscaling_enabled = var.autoscaling != null
  free_task_addresses = sum(concat([0], data.aws_subnet.tasks[*].available_ip_address_count))
  cluster_name        = element(split("/", local.cluster_arn), length(split("/", local.cluster_arn)) - 1)

  # One target-tracking policy per metric that has a target.
  autoscaling_policies = local.autoscaling_enabled ? {
    for name, policy in {
      cpu    = { target = var.autoscaling.cpu_target, metric = "ECSServiceAverageCPUUtilization" }
      memory = { target = var.autoscaling.memory_target, metric = "ECSServiceAverageMemoryUtilization" }
    } : name => policy if policy.target != null
  } : {}
}

# Every task has its own network interface, so the subnets need a free
# address for each task autoscaling may still start. That changes as the
# service runs (its tasks take addresses), so it is a check, a warning at
# plan, never a precondition: one would fail every plan of the whole root
# after a scale-out, blocking unrelated changes.
data "aws_subnet" "tasks" {
  count = local.autoscaling_enabled ? length(var.subnet_ids) : 0

  id = var.subnet_ids[count.index]
}

check "room_for_autoscaled_tasks" {
  assert {
    condition     = !local.autoscaling_enabled || local.free_task_addresses + try(aws_ecs_service.autoscaled[0].desired_count, var.desired_count) >= try(var.autoscaling.max_capacity, 0)
    error_message = "autoscaling.max_capacity = ${try(var.autoscaling.max_capacity, 0)} tasks need a network interface each, and subnet_ids have ${local.free_task_addresses} free addresses beside the tasks running now: autoscaling cannot reach its maximum. Lower max_capacity, or give larger subnets."
  }
}

resource "aws_appautoscaling_target" "this" {
  count = local.autoscaling_enabled ? 1 : 0

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${local.cluster_name}/${aws_ecs_service.autoscaled[0].name}"
  min_capacity       = var.autoscaling.min_capacity
  max_capacity       = var.autoscaling.max_capacity

  tags = var.tags
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
