resource "aws_ecs_cluster" "this" {
  count = local.create_cluster ? 1 : 0

  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

# The service always names a capacity provider strategy (see below), and a
# strategy may name only providers associated with the cluster.
resource "aws_ecs_cluster_capacity_providers" "this" {
  count = local.create_cluster ? 1 : 0

  cluster_name       = aws_ecs_cluster.this[0].name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
}

resource "aws_ecs_task_definition" "this" {
  #checkov:skip=CKV_AWS_336:Every container has a read-only root, except the plugin's when enable_execute_command = true: the ECS Exec agent writes to the root filesystem and AWS does not support ECS Exec with a read-only root. Off by default; tests/plan asserts read-only roots otherwise.
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

  # Writable /tmp for read-only roots (the image's own entrypoint writes FIFOs
  # there, the bridge its config); volume-init makes them writable.
  dynamic "volume" {
    for_each = local.task_volumes
    content {
      name = volume.value
    }
  }

  # Register the new revision before deregistering the old one (lifecycle
  # below), and with skip_destroy never deregister it: ECS keeps it ACTIVE.
  skip_destroy = var.skip_destroy

  tags = var.tags

  # IAM is eventually consistent: a role exists before its policies do. A task
  # started before the execution role may write logs or read the secrets stops
  # with ResourceInitializationError, and a new service has no deployment to
  # roll back to, so apply waits out its timeout. The task definition (and so
  # the service, which names it) waits for every policy of the module's roles,
  # as terraform-aws-modules/ecs modules/service does.
  depends_on = [
    aws_iam_role_policy_attachment.execution,
    aws_iam_role_policy.secrets,
    aws_iam_role_policy.execute_command,
  ]

  # A change registers the new revision first, and deregisters the old one
  # only once the service has moved to the new one (with wait_for_steady_state,
  # once its deployment is steady). The default, destroy first, would
  # deregister the revision the tasks run, and the one the circuit breaker
  # rolls back to, before the new one existed (terraform-aws-modules/ecs
  # modules/service does the same).
  lifecycle {
    create_before_destroy = true

    # The create_* switches only say at plan what the ARNs and ids say at
    # apply; these catch a switch that contradicts its input (unknown inputs
    # are checked at apply, once known).
    precondition {
      condition     = local.create_cluster == (var.cluster_arn == null)
      error_message = "create_cluster = ${local.create_cluster} and cluster_arn = ${var.cluster_arn == null ? "null" : "\"${var.cluster_arn}\""} disagree: the module creates a cluster exactly when no cluster_arn is given. Give cluster_arn with create_cluster = false, or neither."
    }

    precondition {
      condition     = local.create_namespace == (var.namespace_id == null)
      error_message = "create_namespace = ${local.create_namespace} and namespace_id = ${var.namespace_id == null ? "null" : "\"${var.namespace_id}\""} disagree: the module creates a namespace exactly when no namespace_id is given. Give namespace_id with create_namespace = false, or neither."
    }

    precondition {
      condition     = local.create_execution_role == (var.execution_role_arn == null)
      error_message = "create_execution_role = ${local.create_execution_role} and execution_role_arn = ${var.execution_role_arn == null ? "null" : "\"${var.execution_role_arn}\""} disagree: the module creates an execution role exactly when no execution_role_arn is given. Give execution_role_arn with create_execution_role = false, or neither."
    }

    precondition {
      condition     = local.create_exec_task_role == (var.task_role_arn == null && var.enable_execute_command)
      error_message = "create_task_role = ${local.create_exec_task_role} does not fit task_role_arn = ${var.task_role_arn == null ? "null" : "\"${var.task_role_arn}\""} and enable_execute_command = ${var.enable_execute_command}: the module creates a task role only for ECS Exec, when enable_execute_command is on and no task_role_arn is given."
    }

    precondition {
      condition     = length(local.region_ports) > 0
      error_message = "region_ports is null and image = \"${var.image}\" is not a release this module knows (${join(", ", local.known_tags)} of ghcr.io/rshade/finfocus-plugin-aws-public): set region_ports to the region => port layout that image serves. Releases after ${local.newest_layout.tags[length(local.newest_layout.tags) - 1]} are expected to keep the newest known layout (${join(", ", local.newest_layout.tags)}), which reads, ready to paste: region_ports = ${local.newest_layout_hcl}. Once deployed, check every port's region live from inside the VPC: finfocus-ecs verify HOST --image ${var.image} --region-ports ${local.newest_layout_arguments}"
    }

    precondition {
      condition     = length(local.layout_missing) + length(local.layout_unserved) == 0
      error_message = "region_ports does not match the layout of image tag ${coalesce(local.image_tag, "none")} (image = \"${var.image}\"): that tag serves ${local.image_layout_text}. Missing or on another port: ${local.layout_missing_text}. Not served by the tag: ${local.layout_unserved_text}. Set region_ports = null to use the tag's layout."
    }

    precondition {
      condition     = !var.port_bridge_enabled || !contains(values(local.region_ports), var.port_bridge_health_port) && var.port_bridge_health_port != coalesce(var.metrics_port, 0)
      error_message = "port_bridge_health_port = ${var.port_bridge_health_port} is also a regional or the metrics port: give HAProxy's health check a port nothing else in the task uses."
    }

    precondition {
      condition     = contains(local.fargate_memory_allowed, var.memory)
      error_message = "memory = ${var.memory} is not offered by Fargate with cpu = ${var.cpu}: allowed memory for that cpu is ${join(", ", local.fargate_memory_allowed)} MiB."
    }

    precondition {
      condition     = var.metrics_port == null || !contains(values(local.region_ports), coalesce(var.metrics_port, 0))
      error_message = "metrics_port = ${coalesce(var.metrics_port, 0)} is also in region_ports (${try(local.region_by_port[tostring(var.metrics_port)], "")}): give the metrics aggregator a port no region uses."
    }

    precondition {
      condition     = local.plugin_cpu >= 128 && local.plugin_memory_reservation >= 512
      error_message = "port_bridge_cpu = ${var.port_bridge_cpu} and port_bridge_memory = ${var.port_bridge_memory} leave the plugin ${local.plugin_cpu} CPU units and ${local.plugin_memory_reservation} MiB of cpu = ${var.cpu} and memory = ${var.memory}: it needs at least 128 and 512."
    }
  }
}
