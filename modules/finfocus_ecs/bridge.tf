# The port bridge. Every published plugin image listens on 127.0.0.1 only
# (pluginsdk.Serve -> listenOnLoopback), so in awsvpc mode no other host can
# reach the regional ports. This HAProxy container shares the task's network
# namespace, listens on the task's own IP (0.0.0.0 would collide with the
# plugin's loopback bind) and forwards each port to 127.0.0.1 on the same
# port, in TCP mode so gRPC and HTTP pass through untouched.

locals {
  bridge_tmp_volume = "port-bridge-tmp"

  # One HAProxy listener per regional port, named after its region.
  port_bridge_listeners = flatten([
    for port in local.regional_ports : [
      "listen ${local.region_by_port[tostring(port)]}",
      "  bind $task_ip:${port}",
      "  server plugin 127.0.0.1:${port}",
    ]
  ])

  # retries 0: a region never restarts in place (its death fails the health
  # check and ECS replaces the task), so HAProxy's default 3 retries, a second
  # apart, could only hold a client for 3 s before failing it anyway. With none,
  # a call to a dead region is closed at once, and the client fails over to
  # another task's address (Cloud Map answers with every healthy task).
  # POSIX sh: it runs unchanged under busybox in the HAProxy Alpine image and
  # under Debian's dash in the tests. Exit code 78 (EX_CONFIG) when the task
  # IP cannot be found, so ECS stops the task and the circuit breaker acts.
  # How long the bridge keeps listening after ECS's stop signal: the A
  # record's TTL. ECS deregisters a stopping task from Cloud Map and signals
  # its containers at once, so a client that resolved the name just before
  # keeps this address for up to dns_ttl. ECS stops the bridge before the
  # plugin and signals the plugin only once the bridge has exited (the API's
  # ContainerDependency: "for container shutdown it is reversed"; the agent's
  # verifyShutdownOrder waits for every dependent to stop), so every region
  # still answers through this window. Then HAProxy stops listening and gives
  # open connections termination_grace_seconds (hard-stop-after). Both fit in
  # the bridge's stopTimeout, which Fargate caps at 120 s: a longer TTL is cut
  # to what is left (75 s with the default grace).
  port_bridge_linger_seconds = min(var.dns_ttl, 120 - local.stop_timeout)

  port_bridge_script = <<-EOT
    set -eu
    log() { echo "port-bridge: $*" >&2; }
    # As PID 1 the shell would ignore ECS's stop signal (the image's SIGUSR1)
    # and wait out stopTimeout; HAProxy, once exec'd, handles its own.
    trap 'log "stopped before HAProxy started"; exit 0' TERM INT USR1
    if [ -z "$${ECS_CONTAINER_METADATA_URI_V4:-}" ]; then
      log "ECS_CONTAINER_METADATA_URI_V4 is not set: cannot find the task IP, refusing to guess an address"
      exit 78
    fi
    url="$${ECS_CONTAINER_METADATA_URI_V4}/task"
    attempts="$${PORT_BRIDGE_METADATA_ATTEMPTS:-5}"
    attempt=0
    task_json=""
    while [ "$attempt" -lt "$attempts" ]; do
      attempt=$((attempt + 1))
      # timeout(1), not wget -T: Debian's busybox 1.35 wget crashes on -T.
      if command -v wget >/dev/null 2>&1; then
        task_json=$(timeout 3 wget -q -O - "$url" 2>/dev/null) || task_json=""
      else
        task_json=$(timeout 3 curl -fsS "$url" 2>/dev/null) || task_json=""
      fi
      [ -n "$task_json" ] && break
      sleep 1
    done
    if [ -z "$task_json" ]; then
      log "no answer from the task metadata endpoint $url after $attempts attempts: cannot find the task IP"
      exit 78
    fi
    task_ip=$(printf '%s' "$task_json" | tr -d ' \t\r\n' | sed -n 's/.*"IPv4Addresses":\["\([0-9][0-9.]*\)".*/\1/p')
    if [ -z "$task_ip" ]; then
      log "the task metadata at $url has no Containers[].Networks[].IPv4Addresses: cannot find the task IP"
      exit 78
    fi
    run_dir="$${TMPDIR:-/tmp}"
    if ! cat > "$run_dir/port-bridge.cfg" 2>/dev/null <<CFG
    global
      maxconn 4096
      grace ${local.port_bridge_linger_seconds}s
      hard-stop-after ${var.termination_grace_seconds}s
    defaults
      mode tcp
      retries 0
      timeout connect 5s
      timeout client 1h
      timeout server 1h
    frontend port-bridge-health
      mode http
      bind 127.0.0.1:${var.port_bridge_health_port}
      monitor-uri /healthz
    ${join("\n", local.port_bridge_listeners)}
    CFG
    then
      log "cannot write $run_dir/port-bridge.cfg as uid $(id -u): the directory is not writable (is the volume-init container missing?)"
      exit 73
    fi
    log "forwarding ${length(local.regional_ports)} regional ports (${join(",", local.regional_ports)}) from $task_ip to 127.0.0.1"
    exec haproxy -W -db -f "$run_dir/port-bridge.cfg"
  EOT

  bridge_container = {
    name                   = local.bridge_container_name
    image                  = var.port_bridge_image
    cpu                    = var.port_bridge_cpu
    memory                 = var.port_bridge_memory
    essential              = true
    readonlyRootFilesystem = true
    entryPoint             = ["/bin/sh", "-c"]
    command                = [local.port_bridge_script]
    portMappings           = local.regional_port_mappings
    environment            = []
    mountPoints            = [{ sourceVolume = local.bridge_tmp_volume, containerPath = "/tmp", readOnly = false }]
    volumesFrom            = []
    systemControls         = []
    # Start once every region answers: clients are never accepted for a region
    # still loading, and a plugin that fails at start stops the task before
    # the bridge runs (a stop signal that reached the bridge's shell before its
    # first line, as PID 1, would be dropped and the stop would wait out the
    # stopTimeout; the rehearsal showed it).
    dependsOn = [
      { containerName = local.volume_init_container_name, condition = "SUCCESS" },
      { containerName = local.plugin_container_name, condition = "HEALTHY" },
    ]
    # HAProxy itself must answer: a process check would pass for a hung
    # HAProxy, and `kill -0 ""` passes under busybox even with no process.
    # ECS's shortest interval: the task is reported healthy about 5 s after
    # the bridge starts, and a hung HAProxy unhealthy within 3 x (5 + 2) s.
    healthCheck = {
      command     = ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:${var.port_bridge_health_port}/healthz"]
      interval    = 5
      timeout     = 2
      retries     = 3
      startPeriod = 5
    }
    # The image stops with SIGUSR1 (soft stop): HAProxy keeps listening for
    # the linger (grace), then hard-stop-after ends open connections within
    # the plugin's grace, before ECS's SIGKILL.
    stopTimeout      = local.stop_timeout + local.port_bridge_linger_seconds
    logConfiguration = local.log_configurations["port-bridge"]
  }
}
