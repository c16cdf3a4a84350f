# Container definitions, written the way ECS returns them (explicit hostPort
# and cpu, empty lists, environment sorted by name). Anything else differs
# from what the provider reads back and replaces the task definition on every
# plan against real AWS (terraform-provider-aws #3401, #11526).

locals {
  plugin_tmp_volume = "plugin-tmp"

  regional_port_mappings = [
    for port in local.regional_ports : {
      name          = local.region_by_port[tostring(port)]
      containerPort = port
      hostPort      = port
      protocol      = "tcp"
    }
  ]

  metrics_port_mappings = var.metrics_port == null ? [] : [{
    name          = "metrics"
    containerPort = var.metrics_port
    hostPort      = var.metrics_port
    protocol      = "tcp"
  }]

  plugin_environment_map = merge(
    var.environment,
    {
      FINFOCUS_PLUGIN_WEB_ENABLED     = tostring(var.web_enabled)
      FINFOCUS_PLUGIN_HEALTH_ENDPOINT = tostring(var.health_endpoint_enabled)
      FINFOCUS_LOG_LEVEL              = var.log_level
      TERMINATION_GRACE_SECONDS       = tostring(var.termination_grace_seconds)
    },
    length(var.cors_allowed_origins) > 0 ? { FINFOCUS_CORS_ALLOWED_ORIGINS = join(",", var.cors_allowed_origins) } : {},
    var.cors_allow_credentials ? { FINFOCUS_CORS_ALLOW_CREDENTIALS = "true" } : {},
  )

  # keys() returns names in lexical order, which is the order ECS returns.
  plugin_environment = [for name in keys(local.plugin_environment_map) : { name = name, value = local.plugin_environment_map[name] }]
  plugin_secrets     = [for name in keys(var.secrets) : { name = name, valueFrom = var.secrets[name] }]

  plugin_container = merge(
    {
      name                   = local.plugin_container_name
      image                  = var.image
      cpu                    = local.plugin_cpu
      memoryReservation      = local.plugin_memory_reservation
      essential              = true
      user                   = "65532:65532"
      readonlyRootFilesystem = true
      stopTimeout            = local.stop_timeout
      portMappings           = concat(var.port_bridge_enabled ? [] : local.regional_port_mappings, local.metrics_port_mappings)
      environment            = local.plugin_environment
      mountPoints            = [{ sourceVolume = local.plugin_tmp_volume, containerPath = "/tmp", readOnly = false }]
      volumesFrom            = []
      systemControls         = []
      healthCheck = {
        command     = ["CMD", "/healthcheck.sh"]
        interval    = var.health_check.interval
        timeout     = var.health_check.timeout
        retries     = var.health_check.retries
        startPeriod = var.health_check.start_period
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = data.aws_region.current.name
          awslogs-stream-prefix = "plugin"
        }
      }
    },
    length(local.plugin_secrets) > 0 ? { secrets = local.plugin_secrets } : {},
  )

  container_definitions = concat([local.plugin_container], [for bridge in [local.bridge_container] : bridge if var.port_bridge_enabled])
}
