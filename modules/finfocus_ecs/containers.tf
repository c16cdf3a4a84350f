# Container definitions, written the way ECS returns them (explicit hostPort
# and cpu, empty lists, environment sorted by name). Anything else differs
# from what the provider reads back and replaces the task definition on every
# plan against real AWS (terraform-provider-aws #3401, #11526).

locals {
  plugin_tmp_volume = "plugin-tmp"

  # "region:port" words in port order: what the start script and the health
  # check loop over.
  region_port_words = [for port in local.regional_ports : "${local.region_by_port[tostring(port)]}:${port}"]

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

  # Both stay true: without /healthz neither the start script nor the health
  # check can tell a running region from a dead one.
  plugin_environment_map = merge(
    var.environment,
    {
      FINFOCUS_PLUGIN_WEB_ENABLED     = "true"
      FINFOCUS_PLUGIN_HEALTH_ENDPOINT = "true"
      FINFOCUS_LOG_LEVEL              = var.log_level
      TERMINATION_GRACE_SECONDS       = tostring(var.termination_grace_seconds)
    },
    length(var.cors_allowed_origins) > 0 ? { FINFOCUS_CORS_ALLOWED_ORIGINS = join(",", var.cors_allowed_origins) } : {},
    var.cors_allow_credentials ? { FINFOCUS_CORS_ALLOW_CREDENTIALS = "true" } : {},
  )

  # keys() returns names in lexical order, which is the order ECS returns.
  plugin_environment = [for name in keys(local.plugin_environment_map) : { name = name, value = local.plugin_environment_map[name] }]
  plugin_secrets     = [for name in keys(var.secrets) : { name = name, valueFrom = var.secrets[name] }]

  # Regions must answer within the health check's start period: after it the
  # task would be replaced anyway. At least a minute, for a start period of 0.
  plugin_startup_seconds = max(var.health_check.start_period, 60)
  # One probe may not use the whole health check timeout, or a hung region
  # would show as a timeout instead of naming itself.
  health_probe_seconds = max(1, var.health_check.timeout - 1)

  # A passing health check leaves this file on the plugin's /tmp volume, so
  # the start script can tell whether ECS has ever seen the plugin HEALTHY.
  health_passed_file = "/tmp/finfocus-health-passed"
  # Once every region answers, ECS's next check should pass. A plugin with no
  # passing check after `retries` more chances never turns HEALTHY: the port
  # bridge waits for HEALTHY, and ECS leaves such a task PENDING rather than
  # replace it (Fargate's startTimeout is at most 120 s, below the start
  # period, and the circuit breaker sees no failure: containers-roadmap#2379).
  # The start script then exits, so the task stops and ECS replaces it.
  plugin_first_pass_seconds = (var.health_check.retries + 1) * (var.health_check.interval + var.health_check.timeout)

  # The image's /entrypoint.sh and /healthcheck.sh are bash scripts in an
  # image without bash (every tag v0.1.1-v0.1.8), so they cannot run. This is
  # their POSIX sh replacement, run by the image's tini as `sh -c SCRIPT`:
  # busybox sh in the image, dash in the rehearsal's checks alike.
  plugin_start_script = join("\n", compact([
    "set -u",
    "log() { echo \"finfocus-start: $*\" >&2; }",
    "regions='${join(" ", local.region_port_words)}'",
    "grace=${var.termination_grace_seconds}",
    "started=''",
    # Every binary first: a tag that lacks a region fails before anything starts.
    "missing=''",
    "for pair in $regions; do [ -x \"/usr/local/bin/finfocus-plugin-aws-public-$${pair%%:*}\" ] || missing=\"$missing $${pair%%:*}\"; done",
    "if [ -n \"$missing\" ]; then log \"this image has no binary for region(s)$missing (/usr/local/bin/finfocus-plugin-aws-public-REGION): region_ports does not match the image's layout\"; exit 1; fi",
    # SIGTERM: forward to every process, give them the grace, then SIGKILL.
    "stop() {",
    "  trap '' TERM INT",
    "  log \"$1: SIGTERM to every region and the metrics aggregator, $${grace}s before SIGKILL\"",
    "  for entry in $started; do kill -TERM \"$${entry##*:}\" 2>/dev/null; done",
    "  ticks=0",
    "  while [ \"$ticks\" -lt $((grace * 5)) ]; do",
    "    alive=''",
    "    for entry in $started; do kill -0 \"$${entry##*:}\" 2>/dev/null && alive=\"$alive $${entry%:*}\"; done",
    "    [ -z \"$alive\" ] && { log 'every process stopped'; exit \"$2\"; }",
    "    sleep 0.2",
    "    ticks=$((ticks + 1))",
    "  done",
    "  log \"still running after $${grace}s, SIGKILL:$alive\"",
    "  for entry in $started; do kill -KILL \"$${entry##*:}\" 2>/dev/null; done",
    "  exit 137",
    "}",
    "trap 'stop \"SIGTERM received\" 0' TERM INT",
    # The port through FINFOCUS_PLUGIN_PORT, which every release reads: releases before v0.1.6 never
    # parse their flags, so `--port N` would leave them on an ephemeral port.
    "for pair in $regions; do",
    "  region=$${pair%%:*}",
    "  port=$${pair##*:}",
    "  REGION=\"$region\" FINFOCUS_PLUGIN_PORT=\"$port\" \"/usr/local/bin/finfocus-plugin-aws-public-$region\" &",
    "  started=\"$started $pair:$!\"",
    "done",
    "deadline=$(($(date +%s) + ${local.plugin_startup_seconds}))",
    "for entry in $started; do",
    "  region=$${entry%%:*}",
    "  pid=$${entry##*:}",
    "  port=$${entry#*:}",
    "  port=$${port%%:*}",
    "  until curl -fsS -m 2 -o /dev/null \"http://127.0.0.1:$port/healthz\" 2>/dev/null; do",
    "    kill -0 \"$pid\" 2>/dev/null || stop \"region $region (port $port) exited during start\" 1",
    "    [ \"$(date +%s)\" -lt \"$deadline\" ] || stop \"region $region did not answer http://127.0.0.1:$port/healthz within ${local.plugin_startup_seconds}s\" 1",
    "    sleep 0.5",
    "  done",
    "done",
    "answered=$(date +%s)",
    "log \"${length(local.regional_ports)} regions answer /healthz on ${join(",", local.regional_ports)}\"",
    var.metrics_port == null ? "" : "/usr/local/bin/metrics-aggregator -listen :${var.metrics_port} -start-port ${try(local.regional_ports[0], 0)} -end-port ${try(local.regional_ports[length(local.regional_ports) - 1], 0)} &",
    var.metrics_port == null ? "" : "started=\"$started metrics-aggregator:${var.metrics_port}:$!\"",
    # Until a health check has passed, a region that dies, or no passing check
    # in time, ends the container: the task would never turn HEALTHY. After
    # that, a process that dies is logged once; the health check fails and ECS
    # replaces the task. wait returns at once when a trapped signal arrives.
    "passed=''",
    "reported=''",
    "while :; do",
    "  sleep 1 &",
    "  wait $!",
    "  [ -n \"$passed\" ] || { [ -e ${local.health_passed_file} ] && passed=yes; }",
    "  for entry in $started; do",
    "    case \" $reported \" in *\" $entry \"*) continue ;; esac",
    "    kill -0 \"$${entry##*:}\" 2>/dev/null && continue",
    "    reported=\"$reported $entry\"",
    "    name=$${entry%%:*}",
    "    port=$${entry#*:}",
    "    [ -n \"$passed\" ] || [ \"$name\" = metrics-aggregator ] || stop \"region $name (port $${port%%:*}) exited before the first passing health check: the plugin can never turn HEALTHY, so the task stops for ECS to replace it\" 1",
    "    log \"$name (port $${port%%:*}) exited: the health check fails until ECS replaces the task\"",
    "  done",
    "  [ -n \"$passed\" ] || [ \"$(date +%s)\" -lt $((answered + ${local.plugin_first_pass_seconds})) ] || stop \"no health check passed within ${local.plugin_first_pass_seconds}s of every region answering: the plugin never turned HEALTHY, so the task stops for ECS to replace it\" 1",
    "done",
  ]))

  # Every regional port in turn; the first that does not answer names itself.
  # A pass leaves health_passed_file for the start script.
  plugin_health_command = "for pair in ${join(" ", local.region_port_words)}; do curl -fsS -m ${local.health_probe_seconds} -o /dev/null \"http://127.0.0.1:$${pair##*:}/healthz\" || { echo \"region $${pair%%:*} (port $${pair##*:}) does not answer /healthz\"; exit 1; }; done; [ -e ${local.health_passed_file} ] || : > ${local.health_passed_file}"

  plugin_container = merge(
    {
      name              = local.plugin_container_name
      image             = var.image
      cpu               = local.plugin_cpu
      memoryReservation = local.plugin_memory_reservation
      essential         = true
      user              = "65532:65532"
      # ECS Exec's agent writes into the container's root filesystem: AWS
      # supports no read-only root with it, so exec makes this one writable.
      readonlyRootFilesystem = !var.enable_execute_command
      stopTimeout            = local.stop_timeout
      portMappings           = concat(var.port_bridge_enabled ? [] : local.regional_port_mappings, local.metrics_port_mappings)
      environment            = local.plugin_environment
      mountPoints            = [{ sourceVolume = local.plugin_tmp_volume, containerPath = "/tmp", readOnly = false }]
      volumesFrom            = []
      systemControls         = []
      dependsOn              = [{ containerName = local.volume_init_container_name, condition = "SUCCESS" }]
      healthCheck = {
        command     = var.use_image_entrypoint ? ["CMD", "/healthcheck.sh"] : ["CMD-SHELL", local.plugin_health_command]
        interval    = var.health_check.interval
        timeout     = var.health_check.timeout
        retries     = var.health_check.retries
        startPeriod = var.health_check.start_period
      }
      logConfiguration = local.log_configurations["plugin"]
    },
    # tini stays PID 1: it reaps the regions and passes SIGTERM to the script.
    var.use_image_entrypoint ? {} : { entryPoint = ["/sbin/tini", "--", "/bin/sh", "-c"], command = [local.plugin_start_script] },
    length(local.plugin_secrets) > 0 ? { secrets = local.plugin_secrets } : {},
  )

  # A task volume is a root-owned 0755 directory on Fargate, and no image
  # here declares a VOLUME that would give it other owners. The plugin runs as
  # 65532 and HAProxy as 99, so this short-lived root container makes each
  # volume writable like /tmp (1777), exits 0, and the others wait for that.
  volume_init_container_name = "volume-init"
  task_volumes               = concat([local.plugin_tmp_volume], var.port_bridge_enabled ? [local.bridge_tmp_volume] : [])
  volume_init_container = {
    name                   = local.volume_init_container_name
    image                  = var.image
    cpu                    = 0
    essential              = false
    user                   = "0:0"
    readonlyRootFilesystem = true
    entryPoint             = ["/bin/sh", "-c"]
    command                = ["chmod 1777 ${join(" ", [for volume in local.task_volumes : "/volumes/${volume}"])}"]
    portMappings           = []
    environment            = []
    mountPoints            = [for volume in local.task_volumes : { sourceVolume = volume, containerPath = "/volumes/${volume}", readOnly = false }]
    volumesFrom            = []
    systemControls         = []
    logConfiguration       = local.log_configurations["volume-init"]
  }

  container_definitions = concat(
    [local.volume_init_container, local.plugin_container],
    [for bridge in [local.bridge_container] : bridge if var.port_bridge_enabled],
  )
}
