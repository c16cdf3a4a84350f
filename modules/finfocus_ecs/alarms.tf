# CloudWatch alarms, only when var.alarm_actions names where to send them.
# Each alarm's name says what broke ("NAME-tasks-not-running") and its
# description what to do; docs/ecs-deployment.md, Operating it, has more.
#
# Metrics (Amazon ECS Developer Guide, "Amazon ECS CloudWatch metrics" and
# "Amazon ECS Container Insights metrics"):
# - AWS/ECS CPUUtilization and MemoryUtilization, per ClusterName and
#   ServiceName: published for every service, percent of the task size;
# - ECS/ContainerInsights DesiredTaskCount, RunningTaskCount and
#   PendingTaskCount, per ClusterName and ServiceName: published only when
#   the cluster has Container Insights on. A cluster the module creates has
#   it; for a cluster_arn of yours, turn it on, or the two alarms that use
#   these stay INSUFFICIENT_DATA and never fire.
# No metric counts task replacements: a healthy steady service has no
# PENDING task, so pending tasks again and again, outside deployments, are
# tasks replaced again and again.

locals {
  alarms_enabled   = length(var.alarm_actions) > 0
  alarm_dimensions = { ClusterName = local.cluster_name, ServiceName = var.name }

  # CPU and memory alarm alike: an average above 80% of the task for 10 minutes.
  utilization_alarm = {
    namespace  = "AWS/ECS"
    statistic  = "Average"
    comparison = "GreaterThanThreshold"
    threshold  = 80
    period     = 60
    periods    = 10
    datapoints = 10
    missing    = "missing"
  }

  single_metric_alarms = local.alarms_enabled ? {
    cpu-high = merge(local.utilization_alarm, {
      metric      = "CPUUtilization"
      description = "FinFocus pricing plugin ${var.name}: average CPU above 80% for 10 minutes. Pricing calls slow down. Raise cpu, or the tasks (desired_count, or autoscaling.max_capacity if it is at its maximum)."
    })
    memory-high = merge(local.utilization_alarm, {
      metric      = "MemoryUtilization"
      description = "FinFocus pricing plugin ${var.name}: average memory above 80% of the task for 10 minutes. A region process that runs out of memory dies and the task is replaced. Raise memory."
    })
    tasks-replaced-repeatedly = {
      namespace   = "ECS/ContainerInsights"
      metric      = "PendingTaskCount"
      statistic   = "Maximum"
      comparison  = "GreaterThanOrEqualToThreshold"
      threshold   = 1
      period      = 300
      periods     = 6
      datapoints  = 3
      missing     = "notBreaching"
      description = "FinFocus pricing plugin ${var.name}: tasks were starting in 3 of the last 6 five-minute periods, so ECS keeps replacing tasks (a region that dies, a failing health check). Read the stopped tasks' reasons (aws ecs list-tasks --desired-status STOPPED) and the plugin log stream."
    }
  } : {}
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.single_metric_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = local.alarm_dimensions
  statistic           = each.value.statistic
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  period              = each.value.period
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.datapoints
  treat_missing_data  = each.value.missing
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags
}

# Fewer tasks RUNNING than desired, minute after minute: tasks cannot start
# (no route to ghcr.io, a role ECS cannot assume) or keep failing their
# health check. Five minutes is longer than a task takes to be replaced.
resource "aws_cloudwatch_metric_alarm" "tasks_not_running" {
  count = local.alarms_enabled ? 1 : 0

  alarm_name          = "${var.name}-tasks-not-running"
  alarm_description   = "FinFocus pricing plugin ${var.name}: fewer tasks running than desired for 5 minutes, so some or all regions do not answer. Read the service's events (aws ecs describe-services) and the stopped tasks' reasons."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "missing_tasks"
    expression  = "desired - running"
    label       = "Tasks desired but not running"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { desired = "DesiredTaskCount", running = "RunningTaskCount" }
    content {
      id = metric_query.key

      metric {
        namespace   = "ECS/ContainerInsights"
        metric_name = metric_query.value
        dimensions  = local.alarm_dimensions
        stat        = "Average"
        period      = 60
      }
    }
  }

  tags = var.tags
}
