resource "aws_ecs_cluster" "this" {
  count = local.create_cluster ? 1 : 0

  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

# A created cluster needs the Fargate providers before a strategy can use them.
resource "aws_ecs_cluster_capacity_providers" "this" {
  count = local.create_cluster && local.use_capacity_providers ? 1 : 0

  cluster_name       = aws_ecs_cluster.this[0].name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = local.execution_role_arn
  task_role_arn            = local.task_role_arn
  container_definitions    = jsonencode(local.container_definitions)

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The entrypoint writes FIFOs and PID files under /tmp, and the root
  # filesystem is read-only: a task volume gives it a writable /tmp.
  volume {
    name = local.plugin_tmp_volume
  }

  dynamic "volume" {
    for_each = var.port_bridge_enabled ? [local.bridge_tmp_volume] : []
    content {
      name = volume.value
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = contains(local.fargate_memory_allowed, var.memory)
      error_message = "memory = ${var.memory} is not offered by Fargate with cpu = ${var.cpu}: allowed memory for that cpu is ${join(", ", local.fargate_memory_allowed)} MiB."
    }

    precondition {
      condition     = var.metrics_port == null || !contains(values(var.region_ports), coalesce(var.metrics_port, 0))
      error_message = "metrics_port = ${coalesce(var.metrics_port, 0)} is also in region_ports (${try(local.region_by_port[tostring(var.metrics_port)], "")}): give the metrics aggregator a port no region uses."
    }

    precondition {
      condition     = local.plugin_cpu >= 128 && local.plugin_memory_reservation >= 512
      error_message = "port_bridge_cpu = ${var.port_bridge_cpu} and port_bridge_memory = ${var.port_bridge_memory} leave the plugin ${local.plugin_cpu} CPU units and ${local.plugin_memory_reservation} MiB of cpu = ${var.cpu} and memory = ${var.memory}: it needs at least 128 and 512."
    }
  }
}

resource "aws_ecs_service" "this" {
  name             = var.name
  cluster          = local.cluster_arn
  task_definition  = aws_ecs_task_definition.this.arn
  desired_count    = var.desired_count
  launch_type      = local.use_capacity_providers ? null : "FARGATE"
  platform_version = var.platform_version

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy
    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = var.assign_public_ip
  }

  # A records need neither container name nor port: the task IP serves all.
  service_registries {
    registry_arn = aws_service_discovery_service.this.arn
  }

  # A task that never turns healthy (a region that will not start, a bridge
  # that finds no task IP) rolls the service back instead of looping.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  tags = var.tags

  depends_on = [aws_ecs_cluster_capacity_providers.this]
}
