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
# PENDING task outside its deployments and scale-outs, so pending tasks again
# and again, with one deployment and a steady desired count, are tasks
# replaced again and again.

locals {
  alarms_enabled   = length(var.alarm_actions) > 0
  alarm_dimensions = { ClusterName = local.cluster_name, ServiceName = local.service_name }

  # CPU and memory alike: an average above 80% of the task for 10 minutes.
  utilization_alarms = local.alarms_enabled ? {
    cpu-high = {
      metric      = "CPUUtilization"
      description = "FinFocus pricing plugin ${var.name}: average CPU above 80% for 10 minutes. Pricing calls slow down. Raise cpu, or the tasks (desired_count, or autoscaling.max_capacity if it is at its maximum)."
    }
    memory-high = {
      metric      = "MemoryUtilization"
      description = "FinFocus pricing plugin ${var.name}: average memory above 80% of the task for 10 minutes. A region process that runs out of memory dies and the task is replaced. Raise memory."
    }
  } : {}
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.utilization_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/ECS"
  metric_name         = each.value.metric
  dimensions          = local.alarm_dimensions
  statistic           = "Average"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags
}

# Fewer tasks RUNNING than desired, minute after minute: tasks cannot start
# (no route to ghcr.io, a role ECS cannot assume) or keep failing their
# health check. Five minutes is longer than a task takes to be replaced.
# DesiredTaskCount and RunningTaskCount are counts of the service, not
# telemetry of its tasks (ECS Developer Guide, Container Insights metrics),
# so the desired count comes with no task running, and a missing running
# count is 0 here: a total outage gives desired - 0 > 0 and alarms. Missing
# data is not breaching: breaching, a new alarm paged at once, before
# Container Insights had published a point for the new service, and a
# service scaled to desired_count = 0 could stay in alarm on no data. A cluster without Container
# Insights publishes neither count, so this alarm never fires there: the
# guide and the description say to turn it on.
resource "aws_cloudwatch_metric_alarm" "tasks_not_running" {
  count = local.alarms_enabled ? 1 : 0

  alarm_name          = "${var.name}-tasks-not-running"
  alarm_description   = "FinFocus pricing plugin ${var.name}: fewer tasks running than desired for 5 minutes, so some or all regions do not answer. Read the service's events (aws ecs describe-services) and the stopped tasks' reasons. It needs Container Insights on the cluster (the module's own cluster has it)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "missing_tasks"
    expression  = "desired - FILL(running, 0)"
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

# PENDING tasks in 3 of the last 6 five-minute periods, counted only in
# periods with one deployment and a steady desired count: a rollout (two
# deployments) or a scale-out (the desired count moved) starts tasks too,
# and is not a replacement.
resource "aws_cloudwatch_metric_alarm" "tasks_replaced_repeatedly" {
  count = local.alarms_enabled ? 1 : 0

  alarm_name          = "${var.name}-tasks-replaced-repeatedly"
  alarm_description   = "FinFocus pricing plugin ${var.name}: tasks were starting in 3 of the last 6 five-minute periods without a deployment or a scale-out, so ECS keeps replacing tasks (a region that dies, a failing health check). Read the stopped tasks' reasons (aws ecs list-tasks --desired-status STOPPED) and the plugin log stream."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 6
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "replaced"
    expression  = "IF(deployments > 1 OR desired_most > desired_least, 0, pending)"
    label       = "Tasks starting outside deployments and scaling"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = {
      pending       = { metric = "PendingTaskCount", stat = "Maximum" }
      deployments   = { metric = "DeploymentCount", stat = "Maximum" }
      desired_most  = { metric = "DesiredTaskCount", stat = "Maximum" }
      desired_least = { metric = "DesiredTaskCount", stat = "Minimum" }
    }
    content {
      id = metric_query.key

      metric {
        namespace   = "ECS/ContainerInsights"
        metric_name = metric_query.value.metric
        dimensions  = local.alarm_dimensions
        stat        = metric_query.value.stat
        period      = 300
      }
    }
  }

  tags = var.tags
}

# Releases before the alarm above counted every pending task, in a single metric.
moved {
  from = aws_cloudwatch_metric_alarm.this["tasks-replaced-repeatedly"]
  to   = aws_cloudwatch_metric_alarm.tasks_replaced_repeatedly[0]
}
