################################################################################
# Naming and tags
################################################################################

variable "name" {
  description = "Prefix for the task family, service, cluster, security group, log group and IAM roles. Letters, digits and `-`, starting with a letter, at most 40 characters (the IAM role names add `-execution-` and the region, and stop at 64)."
  type        = string
  default     = "finfocus-plugin-aws-public"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,39}$", var.name))
    error_message = "name = \"${var.name}\" is not allowed: use 1-40 letters, digits or '-', starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource the module creates, and propagated from the service to its tasks. Keys of 1-127 characters, values of up to 256, both of letters, digits, spaces and `_ . : / = + - @` only, and neither starting with `aws:`."
  type        = map(string)
  default     = {}
  nullable    = false

  # The rule every service the module tags accepts: ECS, IAM and CloudWatch
  # Logs allow only [\p{L}\p{Z}\p{N}_.:/=+\-@] (API_Tag of each), keys up to
  # 128 and values up to 256 characters; EC2 stops keys at 127 (EC2 API_Tag);
  # all reserve the aws: prefix of keys, and ECS that of values too ("Do not
  # use aws:, AWS:, or any upper or lowercase combination of such as a prefix
  # for either keys or values", ECS API_Tag). A tag one of them refuses fails that
  # resource halfway through an apply. Lengths are counted apart from the
  # character class: RE2 expands `[\p{L}...]{0,256}` into 256 copies of the
  # Unicode tables, and regex() compiles its pattern on every call (18 ms of
  # CPU a value; 49 tags cost a plan 5 s). AWS counts code points, as
  # regexall("(?s).") does; length() counts grapheme clusters.
  validation {
    condition     = alltrue([for key, value in var.tags : can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+$", key)) && length(regexall("(?s).", key)) <= 127 && !startswith(lower(key), "aws:")])
    error_message = "tags has keys AWS refuses: ${join(", ", [for key, value in var.tags : "\"${key}\"" if !(can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+$", key)) && length(regexall("(?s).", key)) <= 127 && !startswith(lower(key), "aws:"))])}. A key is 1-127 letters, digits, spaces or _ . : / = + - @, and does not start with aws:."
  }

  validation {
    condition     = alltrue([for key, value in var.tags : can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", value)) && length(regexall("(?s).", value)) <= 256 && !startswith(lower(value), "aws:")])
    error_message = "tags has values AWS refuses: ${join(", ", [for key, value in var.tags : "${key} = \"${value}\"" if !(can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", value)) && length(regexall("(?s).", value)) <= 256 && !startswith(lower(value), "aws:"))])}. A value is up to 256 letters, digits, spaces or _ . : / = + - @, and does not start with aws: (ECS reserves it in values too)."
  }

  # 50 tags a resource (ECS, IAM and CloudWatch Logs models; EC2's documentation), and the module adds
  # Name to the security group. The provider's default_tags count too (network.tf).
  validation {
    condition     = length(var.tags) <= 49
    error_message = "tags has ${length(var.tags)} tags: AWS takes at most 50 on a resource, and the module adds Name to the security group, so give at most 49."
  }
}

################################################################################
# Plugin container
################################################################################

variable "image" {
  description = "Plugin image, pinned to a release tag (`vX.Y.Z`) or a digest. With a release tag the module knows (image_layouts.json: v0.1.1 to v0.1.8), `region_ports` follows that tag's layout. `latest` and untagged references are refused: the tag moves, and a new release can serve other regions on other ports than the ones the deployment advertises."
  type        = string
  default     = "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8"
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s]+$", var.image)) && length(var.image) > 0
    error_message = "image = \"${var.image}\" is not an image reference: it must be non-empty and contain no spaces."
  }

  validation {
    condition     = strcontains(var.image, "@") ? can(regex("^[^@]+@sha256:[0-9a-f]{64}$", var.image)) : can(regex(":[^:/]+$", var.image)) && !endswith(var.image, ":latest")
    error_message = "image = \"${var.image}\" is not pinned: `latest` (or no tag) moves to each new release, and releases have changed which regions they serve on which ports (12, then 9, then 10). Pin a release tag such as ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8, or a full digest (@sha256: and 64 hex digits) with an explicit region_ports."
  }
}

variable "region_ports" {
  description = "The one source of truth for the plugin's layout: AWS region => TCP port its pricing process serves. `null` (the default) takes the layout of the `image` tag (v0.1.8: 10 regions on 8001-8010; the 12- and 9-region layouts of older tags are in docs/ecs-deployment.md). Set it for a custom build or a release newer than the module; for a known tag it must equal that tag's layout. Port mappings, security group rules, the port bridge, the start script, the health check and the `endpoints` output all derive from it."
  type        = map(number)
  default     = null

  # merge(null) is an empty map: null-safe, unlike a `{}` literal, which
  # checkov's HCL parser cannot read inside an error message.
  validation {
    condition     = var.region_ports == null || length(merge(var.region_ports)) > 0
    error_message = "region_ports is empty: give at least one AWS region => port pair, or null for the layout of the image's tag."
  }

  validation {
    condition     = alltrue([for region, port in merge(var.region_ports) : can(regex("^(us|eu|ap|sa|ca|me|af|il|mx|cn)-(gov-)?(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9]$", region))])
    error_message = "region_ports has keys that are not AWS region names: ${join(", ", [for region, port in merge(var.region_ports) : region if !can(regex("^(us|eu|ap|sa|ca|me|af|il|mx|cn)-(gov-)?(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9]$", region))])}. Use names like us-east-1 or us-gov-west-1."
  }

  validation {
    condition     = alltrue([for port in values(merge(var.region_ports)) : port >= 1024 && port <= 65535 && floor(port) == port])
    error_message = "region_ports has ports outside 1024-65535 or not whole numbers: ${join(", ", [for region, port in merge(var.region_ports) : "${region} = ${port}" if !(port >= 1024 && port <= 65535 && floor(port) == port)])}. The plugin runs as a non-root user (65532), which cannot bind ports below 1024."
  }

  validation {
    condition     = length(distinct(values(merge(var.region_ports)))) == length(merge(var.region_ports))
    error_message = "region_ports gives the same port to more than one region: ${join(", ", distinct([for port in values(merge(var.region_ports)) : tostring(port) if length([for other in values(merge(var.region_ports)) : other if other == port]) > 1]))}. Each region needs its own port."
  }
}

variable "metrics_port" {
  description = "Port of the image's Prometheus metrics aggregator, which listens on all interfaces. `null` publishes no metrics port."
  type        = number
  default     = 9090

  validation {
    condition     = var.metrics_port == null || try(var.metrics_port >= 1024 && var.metrics_port <= 65535 && floor(var.metrics_port) == var.metrics_port, false)
    error_message = "metrics_port = ${coalesce(var.metrics_port, 0)} is outside 1024-65535 (the plugin runs as a non-root user, which cannot bind ports below 1024): give a port in that range, or null for none."
  }
}

variable "cpu" {
  description = "Task CPU units, one of the sizes Fargate offers on Linux: 256, 512, 1024, 2048, 4096, 8192, 16384 or 32768 (0.25 to 32 vCPU). `memory` must be one Fargate pairs with the chosen size (the table is in locals.tf, `fargate_memory_by_cpu`). The default, 2 vCPU, is what upstream's research note for the ECS deployment recommends."
  type        = number
  default     = 2048
  nullable    = false

  # The keys of local.fargate_memory_by_cpu; a validation may not read locals
  # on Terraform < 1.9, so the list is repeated here.
  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384, 32768], var.cpu)
    error_message = "cpu = ${var.cpu} is not a Fargate task size: use 256, 512, 1024, 2048, 4096, 8192, 16384 or 32768 CPU units (0.25 to 32 vCPU)."
  }
}

variable "memory" {
  description = "Task memory in MiB. It must be one Fargate offers for `cpu`: for 2048, 4096-16384 in steps of 1024; for 32768 only 61440, 122880 or 249856 (the whole table is in locals.tf, `fargate_memory_by_cpu`). The default, 4096, leaves about 100% headroom over the largest layout's pricing data (12 regions, ~1.8 GB; v0.1.8's 10 regions, ~1.5 GB)."
  type        = number
  default     = 4096
  nullable    = false

  # Only the bounds here (512 MiB at 256 CPU, 244 GiB at 32768): which values
  # a cpu takes is a precondition on the task definition, which can read both.
  validation {
    condition     = var.memory >= 512 && var.memory <= 249856 && floor(var.memory) == var.memory
    error_message = "memory = ${var.memory} is not a Fargate memory size: use a whole number of MiB from 512 to 249856 that Fargate offers for cpu."
  }
}

variable "cpu_architecture" {
  description = "Runtime CPU architecture: `X86_64` or `ARM64`. Published plugin images are linux/amd64 only, so ARM64 needs an image built for arm64."
  type        = string
  default     = "X86_64"
  nullable    = false

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture = \"${var.cpu_architecture}\" is not allowed: use X86_64 or ARM64."
  }
}

variable "log_level" {
  description = "Plugin log level (`FINFOCUS_LOG_LEVEL`): `debug`, `info`, `warn` or `error`."
  type        = string
  default     = "info"
  nullable    = false

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level = \"${var.log_level}\" is not allowed: use debug, info, warn or error."
  }
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the plugin (`FINFOCUS_CORS_ALLOWED_ORIGINS`), e.g. `[\"https://app.example.com\"]`. Empty leaves CORS off. `*` is accepted but the plugin logs a warning for it."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for origin in var.cors_allowed_origins : origin == "*" || can(regex("^https?://[^\\s,/]+$", origin))])
    error_message = "cors_allowed_origins has values that are not origins: ${join(", ", [for origin in var.cors_allowed_origins : "\"${origin}\"" if !(origin == "*" || can(regex("^https?://[^\\s,/]+$", origin)))])}. Use scheme://host[:port] with no path, or *."
  }
}

variable "cors_allow_credentials" {
  description = "Allow credentials on CORS requests (`FINFOCUS_CORS_ALLOW_CREDENTIALS=true`)."
  type        = bool
  default     = false
  nullable    = false
}

variable "termination_grace_seconds" {
  description = "Seconds the plugin's start script (or the image's entrypoint, `TERMINATION_GRACE_SECONDS`) gives its regional processes after forwarding SIGTERM, before SIGKILL, and the port bridge gives open connections once it stops listening. The plugin's ECS `stopTimeout` is 15 s longer and the bridge's adds its DNS-TTL linger, so at most 105."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.termination_grace_seconds >= 1 && var.termination_grace_seconds <= 105 && floor(var.termination_grace_seconds) == var.termination_grace_seconds
    error_message = "termination_grace_seconds = ${var.termination_grace_seconds} is not allowed: use a whole number from 1 to 105, so that stopTimeout (grace + 15) stays within Fargate's 120 s."
  }
}

variable "use_image_entrypoint" {
  description = "Start the plugin with the image's own `/entrypoint.sh` and check it with its `/healthcheck.sh`. Every published tag (v0.1.1 to v0.1.8) has bash scripts but no bash, so they cannot run: keep `false`, and the module gives the container a POSIX sh start script and health check rendered from `region_ports`. Set `true` only for an image whose scripts run."
  type        = bool
  default     = false
  nullable    = false
}

variable "environment" {
  description = "Extra environment variables for the plugin container. Refused: `FINFOCUS_PLUGIN_PORT` and `PORT` (every region would try that one port), `FINFOCUS_PLUGIN_WEB_ENABLED` or `FINFOCUS_PLUGIN_HEALTH_ENDPOINT` other than `true` (no `/healthz`, so the start and the health check fail), and the names the module sets from its inputs (`FINFOCUS_LOG_LEVEL`, `FINFOCUS_CORS_*`, `TERMINATION_GRACE_SECONDS`): use the input instead."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for key in keys(var.environment) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", key))])
    error_message = "environment has names that are not environment variable names: ${join(", ", [for key in keys(var.environment) : "\"${key}\"" if !can(regex("^[A-Za-z_][A-Za-z0-9_]*$", key))])}."
  }

  validation {
    condition     = length(setintersection(keys(var.environment), ["FINFOCUS_PLUGIN_PORT", "PORT"])) == 0
    error_message = "environment sets ${join(" and ", setintersection(keys(var.environment), ["FINFOCUS_PLUGIN_PORT", "PORT"]))}: set for the whole container, every region would try to listen on that one port and all but one would fail. Each region's port comes from region_ports."
  }

  validation {
    condition     = alltrue([for key in ["FINFOCUS_PLUGIN_WEB_ENABLED", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT"] : lower(lookup(var.environment, key, "true")) == "true"])
    error_message = "environment sets ${join(" and ", [for key in ["FINFOCUS_PLUGIN_WEB_ENABLED", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT"] : "${key} = \"${lookup(var.environment, key, "true")}\"" if lower(lookup(var.environment, key, "true")) != "true"])}: without it no region serves /healthz, which the start script and the health check probe, so the task never turns healthy. Remove it: the module sets it to true."
  }

  validation {
    condition     = length(setintersection(keys(var.environment), ["FINFOCUS_LOG_LEVEL", "FINFOCUS_CORS_ALLOWED_ORIGINS", "FINFOCUS_CORS_ALLOW_CREDENTIALS", "TERMINATION_GRACE_SECONDS"])) == 0
    error_message = "environment sets ${join(", ", setintersection(keys(var.environment), ["FINFOCUS_LOG_LEVEL", "FINFOCUS_CORS_ALLOWED_ORIGINS", "FINFOCUS_CORS_ALLOW_CREDENTIALS", "TERMINATION_GRACE_SECONDS"]))}, which the module sets from its own inputs: use log_level, cors_allowed_origins, cors_allow_credentials or termination_grace_seconds."
  }
}

variable "secrets" {
  description = "Secret environment variables for the plugin container: name => ARN of an SSM parameter or a Secrets Manager secret, full or without its 6-character suffix (optionally with `:json-key::` suffixes). The execution role may read exactly these parameters and secrets."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setintersection(keys(var.secrets), ["FINFOCUS_PLUGIN_PORT", "PORT", "FINFOCUS_PLUGIN_WEB_ENABLED", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT", "FINFOCUS_LOG_LEVEL", "FINFOCUS_CORS_ALLOWED_ORIGINS", "FINFOCUS_CORS_ALLOW_CREDENTIALS", "TERMINATION_GRACE_SECONDS"])) == 0
    error_message = "secrets sets ${join(", ", setintersection(keys(var.secrets), ["FINFOCUS_PLUGIN_PORT", "PORT", "FINFOCUS_PLUGIN_WEB_ENABLED", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT", "FINFOCUS_LOG_LEVEL", "FINFOCUS_CORS_ALLOWED_ORIGINS", "FINFOCUS_CORS_ALLOW_CREDENTIALS", "TERMINATION_GRACE_SECONDS"]))}: a port for the whole container, a switch /healthz needs, or a name the module sets from its inputs. None of them is secret: see the environment input's rules."
  }

  validation {
    condition     = alltrue([for arn in values(var.secrets) : can(regex("^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+)$", arn))])
    error_message = "secrets has values that are not SSM parameter or Secrets Manager ARNs: ${join(", ", [for name, arn in var.secrets : "${name} = \"${arn}\"" if !can(regex("^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+)$", arn))])}."
  }
}

variable "secrets_kms_key_arns" {
  description = "Customer-managed KMS keys that encrypt the `secrets`. The execution role may decrypt with exactly these keys."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.secrets_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "secrets_kms_key_arns has values that are not KMS key ARNs: ${join(", ", [for arn in var.secrets_kms_key_arns : "\"${arn}\"" if !can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])}."
  }
}

variable "health_check" {
  description = "The plugin container's health check, in seconds. It probes `/healthz` on every regional port in turn (not the image's `/healthcheck.sh`, unless `use_image_entrypoint`); the first port that does not answer fails the check and is named in the container's health output. ECS limits (API_HealthCheck): interval 5-300, timeout 2-60, retries 1-10, start period 0-300, all whole seconds. The defaults report a task healthy within about 10 s of its regions answering (this check, then the port bridge's, 5 s apart) and a dead region within about 15 s (27 s for a hung one); the regions start one after another (up to 21 s each when one is slow), so the start period is 240 s. A plugin with no passing check within (retries + 1) x (interval + timeout) s of every region answering, or whose region dies before its first pass, stops its task so that ECS replaces it."
  type = object({
    interval     = optional(number, 5)
    timeout      = optional(number, 4)
    retries      = optional(number, 3)
    start_period = optional(number, 240)
  })
  default  = {}
  nullable = false

  # Ranges from the ECS API reference, HealthCheck data type
  # (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html,
  # also the ECS service model in botocore 1.44.8): "interval ... You may
  # specify between 5 and 300 seconds", "timeout ... between 2 and 60
  # seconds", "retries ... between 1 and 10 retries", "startPeriod ... between
  # 0 and 300 seconds". All four are Integer. ECS sets no rule between timeout
  # and interval (that rule is the load balancers'), so neither does this.
  validation {
    condition     = var.health_check.interval >= 5 && var.health_check.interval <= 300 && floor(var.health_check.interval) == var.health_check.interval
    error_message = "health_check.interval = ${var.health_check.interval} is not allowed: ECS takes a whole number of seconds from 5 to 300."
  }

  validation {
    condition     = var.health_check.timeout >= 2 && var.health_check.timeout <= 60 && floor(var.health_check.timeout) == var.health_check.timeout
    error_message = "health_check.timeout = ${var.health_check.timeout} is not allowed: ECS takes a whole number of seconds from 2 to 60."
  }

  validation {
    condition     = var.health_check.retries >= 1 && var.health_check.retries <= 10 && floor(var.health_check.retries) == var.health_check.retries
    error_message = "health_check.retries = ${var.health_check.retries} is not allowed: ECS takes a whole number from 1 to 10."
  }

  validation {
    condition     = var.health_check.start_period >= 0 && var.health_check.start_period <= 300 && floor(var.health_check.start_period) == var.health_check.start_period
    error_message = "health_check.start_period = ${var.health_check.start_period} is not allowed: ECS takes a whole number of seconds from 0 to 300."
  }
}

################################################################################
# Port bridge (the plugin listens on 127.0.0.1 only; see docs/port-bridge.md)
################################################################################

variable "port_bridge_enabled" {
  description = "Run the port bridge: an HAProxy container in the same task that listens on the task's IP and forwards each regional port to 127.0.0.1, where every published image of the plugin listens. Turn it off only for an image that binds all interfaces."
  type        = bool
  default     = true
  nullable    = false
}

variable "port_bridge_image" {
  description = "HAProxy image for the port bridge, with a pinned tag. Its shell must be POSIX sh with `wget` or `curl` (the Alpine images have busybox)."
  type        = string
  default     = "public.ecr.aws/docker/library/haproxy:3.2.4-alpine"
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s]+:[^\\s:/]+$", var.port_bridge_image)) && !endswith(var.port_bridge_image, ":latest")
    error_message = "port_bridge_image = \"${var.port_bridge_image}\" needs a pinned tag (not latest): e.g. public.ecr.aws/docker/library/haproxy:3.2.4-alpine."
  }
}

variable "port_bridge_health_port" {
  description = "Port, on 127.0.0.1 inside the task, where HAProxy answers its own health check (`monitor-uri /healthz`). It is published nowhere; it must differ from every regional port and the metrics port."
  type        = number
  default     = 8999
  nullable    = false

  validation {
    condition     = var.port_bridge_health_port >= 1024 && var.port_bridge_health_port <= 65535 && floor(var.port_bridge_health_port) == var.port_bridge_health_port
    error_message = "port_bridge_health_port = ${var.port_bridge_health_port} is outside 1024-65535 (HAProxy runs as uid 99, which cannot bind ports below 1024)."
  }
}

variable "port_bridge_cpu" {
  description = "CPU units reserved for the port bridge inside the task; the plugin gets the rest of `cpu`."
  type        = number
  default     = 128
  nullable    = false

  validation {
    condition     = var.port_bridge_cpu >= 32 && var.port_bridge_cpu <= 1024 && floor(var.port_bridge_cpu) == var.port_bridge_cpu
    error_message = "port_bridge_cpu = ${var.port_bridge_cpu} is outside 32-1024 CPU units."
  }
}

variable "port_bridge_memory" {
  description = "Hard memory limit of the port bridge in MiB, inside the task's `memory`; the plugin reserves the rest. HAProxy needs about 10 MiB here (see docs/port-bridge.md)."
  type        = number
  default     = 128
  nullable    = false

  validation {
    condition     = var.port_bridge_memory >= 32 && var.port_bridge_memory <= 1024 && floor(var.port_bridge_memory) == var.port_bridge_memory
    error_message = "port_bridge_memory = ${var.port_bridge_memory} is outside 32-1024 MiB."
  }
}

################################################################################
# Cluster and service
################################################################################

variable "cluster_arn" {
  description = "ARN of an existing ECS cluster. `null` creates one, with Container Insights and the FARGATE and FARGATE_SPOT capacity providers. An existing cluster must have the providers `capacity_provider_strategy` names associated (FARGATE by default): `aws ecs describe-clusters --clusters NAME --query 'clusters[0].capacityProviders'`."
  type        = string
  default     = null

  validation {
    condition     = var.cluster_arn == null || can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/.+$", var.cluster_arn))
    error_message = "cluster_arn = \"${coalesce(var.cluster_arn, "null")}\" is not an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME); use null to create a cluster."
  }
}

variable "create_cluster" {
  description = "Whether the module creates the ECS cluster. `null` (the default) decides from `cluster_arn`: it creates one when `cluster_arn` is null. Set `false` when `cluster_arn` comes from a resource of the same configuration: such a value is known only after apply, and Terraform must know at plan what to create (otherwise: \"Invalid count argument\")."
  type        = bool
  default     = null
}

variable "desired_count" {
  description = "Number of tasks; with `autoscaling`, the number it starts with. Each registers its IP under the Cloud Map name (MULTIVALUE answers with up to 8)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count = ${var.desired_count} is not allowed: use a whole number, 0 or more."
  }
}

variable "skip_destroy" {
  description = "Keep every task definition revision ACTIVE in ECS: when a change registers a new revision, and when the module is destroyed (as terraform-aws-modules/ecs's `skip_destroy`). `false` deregisters the old revision once the service runs the new one; either way the new one is registered first. Keep old revisions for a rollback by hand or for tasks started outside the service; they cost nothing, but ECS lists them until you deregister them."
  type        = bool
  default     = false
  nullable    = false
}

variable "capacity_provider_strategy" {
  description = "Fargate capacity providers and weights, e.g. `[{ capacity_provider = \"FARGATE_SPOT\", weight = 3 }, { capacity_provider = \"FARGATE\", weight = 1, base = 1 }]`. Empty means FARGATE alone (`[{ capacity_provider = \"FARGATE\", weight = 1 }]`, on-demand Fargate). The service always uses a strategy, never a launch type, so that a change updates it in place (with a new deployment) on AWS provider 5.x and 6.x alike. With an existing `cluster_arn`, the cluster must have these providers, FARGATE for the default."
  type = list(object({
    capacity_provider = string
    weight            = optional(number, 1)
    base              = optional(number, 0)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for item in var.capacity_provider_strategy : contains(["FARGATE", "FARGATE_SPOT"], item.capacity_provider)])
    error_message = "capacity_provider_strategy names ${join(", ", [for item in var.capacity_provider_strategy : "\"${item.capacity_provider}\"" if !contains(["FARGATE", "FARGATE_SPOT"], item.capacity_provider)])}: use FARGATE or FARGATE_SPOT."
  }

  validation {
    condition     = alltrue([for item in var.capacity_provider_strategy : item.weight >= 0 && item.weight <= 1000 && item.base >= 0 && item.base <= 100000])
    error_message = "capacity_provider_strategy weights must be 0-1000 and bases 0-100000."
  }

  validation {
    condition     = length(var.capacity_provider_strategy) == 0 || anytrue([for item in var.capacity_provider_strategy : item.weight > 0])
    error_message = "capacity_provider_strategy weights are all zero (${join(", ", [for item in var.capacity_provider_strategy : "${item.capacity_provider} = ${item.weight}"])}): at least one provider needs a weight above 0."
  }

  validation {
    condition     = length(distinct([for item in var.capacity_provider_strategy : item.capacity_provider])) == length(var.capacity_provider_strategy)
    error_message = "capacity_provider_strategy names a provider more than once."
  }

  # CapacityProviderStrategyItem (ECS API reference): "Only one capacity provider in a capacity
  # provider strategy can have a base defined." The provider checks each base's range only.
  validation {
    condition     = length([for item in var.capacity_provider_strategy : item if item.base > 0]) <= 1
    error_message = "capacity_provider_strategy gives a base to ${join(" and ", [for item in var.capacity_provider_strategy : "${item.capacity_provider} (base = ${item.base})" if item.base > 0])}: ECS allows a base above 0 on one capacity provider of a strategy only. Keep the base on the provider that must always run tasks (usually FARGATE) and set the others' to 0."
  }
}

variable "platform_version" {
  description = "Fargate platform version: `LATEST` (AWS's current one) or 1.4.0 and later. Older versions are refused: the port bridge finds the task IP through task metadata endpoint v4, and ECS Exec runs, only from 1.4.0 (so do 8192 CPU and above)."
  type        = string
  default     = "LATEST"
  nullable    = false

  validation {
    condition     = can(regex("^(LATEST|[0-9]+\\.[0-9]+\\.[0-9]+)$", var.platform_version))
    error_message = "platform_version = \"${var.platform_version}\" is not allowed: use LATEST or a version such as 1.4.0."
  }

  # Fargate injects ECS_CONTAINER_METADATA_URI_V4, which the bridge reads the
  # task IP from, from platform 1.4.0 (Developer Guide, task metadata endpoint
  # v4 for Fargate); on 1.3.0 the bridge exits 78 and the task never turns
  # healthy. ECS Exec and the 8192 and 16384 CPU sizes need 1.4.0 too.
  validation {
    condition     = var.platform_version == "LATEST" || try(tonumber(split(".", var.platform_version)[0]) > 1 || tonumber(split(".", var.platform_version)[0]) == 1 && tonumber(split(".", var.platform_version)[1]) >= 4, true)
    error_message = "platform_version = \"${var.platform_version}\" is older than 1.4.0: the port bridge reads the task IP from task metadata endpoint v4 (ECS_CONTAINER_METADATA_URI_V4), which Fargate provides from 1.4.0, and ECS Exec needs 1.4.0 as well. Use LATEST or 1.4.0 or later."
  }
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the tasks, e.g. to run `netstat -ltn` (BusyBox's; the image has no `ss`) as docs/port-bridge.md shows. When `task_role_arn` is null, the module then creates a task role with only the four `ssmmessages` actions ECS Exec needs."
  type        = bool
  default     = false
  nullable    = false
}

variable "wait_for_steady_state" {
  description = "Make apply wait (up to 15 minutes) until ECS reports every desired task RUNNING in a single deployment. On by default so that an apply whose tasks cannot start (no NAT route to ghcr.io, an execution role ECS cannot assume, a wrong subnet) fails instead of printing endpoints that do not answer; it adds the task start time, 1-3 minutes on Fargate, to every apply that changes the service. With AWS provider 5.x RUNNING is not healthy: a task that starts and then fails its health check can pass the wait; the circuit breaker then rolls the deployment back, which apply reports when the rollback is done before the wait ends, and the next plan shows otherwise. Provider 6.4 and later wait for the deployment itself, and fail the apply with its reason when the circuit breaker rolls it back. `false` returns as soon as ECS accepts the service."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC for the tasks and the Cloud Map namespace. It needs DNS support and DNS hostnames on."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id = \"${var.vpc_id}\" is not a VPC id (vpc- followed by 8 or 17 hex digits)."
  }
}

variable "subnet_ids" {
  description = "Subnets for the tasks: private subnets with a route to the internet (NAT) so that Fargate can pull the image from ghcr.io. Use two or more availability zones."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids is empty: give at least one subnet id (two in different availability zones are better)."
  }

  validation {
    condition     = alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "subnet_ids has values that are not subnet ids: ${join(", ", [for id in var.subnet_ids : "\"${id}\"" if !can(regex("^subnet-[0-9a-f]{8,17}$", id))])}."
  }

  # ECS API reference, AwsVpcConfiguration: "There's a limit of 16 subnets that can be specified."
  validation {
    condition     = length(var.subnet_ids) <= 16
    error_message = "subnet_ids has ${length(var.subnet_ids)} subnets: an ECS service takes at most 16."
  }
}

variable "assign_public_ip" {
  description = "Give each task a public IP. Only for public subnets without NAT: the ports stay closed to the internet by the security group, but the task is then addressable from it."
  type        = bool
  default     = false
  nullable    = false
}

variable "allowed_cidr_blocks" {
  description = "CIDR blocks allowed to reach the regional ports. `null` allows every IPv4 CIDR block of the VPC, the primary and the secondary ones (through a prefix list the module keeps in step with the VPC; IPv6 blocks need listing here). `0.0.0.0/0` and `::/0` are refused."
  type        = list(string)
  default     = null

  validation {
    condition     = var.allowed_cidr_blocks == null || alltrue([for cidr in coalesce(var.allowed_cidr_blocks, []) : can(cidrhost(cidr, 0))])
    error_message = "allowed_cidr_blocks has values that are not CIDR blocks: ${join(", ", [for cidr in coalesce(var.allowed_cidr_blocks, []) : "\"${cidr}\"" if !can(cidrhost(cidr, 0))])}."
  }

  validation {
    condition     = var.allowed_cidr_blocks == null || alltrue([for cidr in coalesce(var.allowed_cidr_blocks, []) : !can(cidrhost(cidr, 0)) || !endswith(cidr, "/0")])
    error_message = "allowed_cidr_blocks contains ${join(", ", [for cidr in coalesce(var.allowed_cidr_blocks, []) : "\"${cidr}\"" if can(cidrhost(cidr, 0)) && endswith(cidr, "/0")])}, which opens the regional ports to every address: give the networks of your clients instead."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may reach the regional ports."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "allowed_security_group_ids has values that are not security group ids: ${join(", ", [for id in var.allowed_security_group_ids : "\"${id}\"" if !can(regex("^sg-[0-9a-f]{8,17}$", id))])}."
  }
}

variable "metrics_allowed_cidr_blocks" {
  description = "CIDR blocks allowed to scrape the metrics port. Empty (with no security groups either) opens no metrics rule. `0.0.0.0/0` and `::/0` are refused."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.metrics_allowed_cidr_blocks : can(cidrhost(cidr, 0))])
    error_message = "metrics_allowed_cidr_blocks has values that are not CIDR blocks: ${join(", ", [for cidr in var.metrics_allowed_cidr_blocks : "\"${cidr}\"" if !can(cidrhost(cidr, 0))])}."
  }

  validation {
    condition     = alltrue([for cidr in var.metrics_allowed_cidr_blocks : !can(cidrhost(cidr, 0)) || !endswith(cidr, "/0")])
    error_message = "metrics_allowed_cidr_blocks contains ${join(", ", [for cidr in var.metrics_allowed_cidr_blocks : "\"${cidr}\"" if can(cidrhost(cidr, 0)) && endswith(cidr, "/0")])}, which opens the metrics port to every address: give your Prometheus network instead."
  }
}

variable "metrics_allowed_security_group_ids" {
  description = "Security groups whose members may scrape the metrics port (e.g. your Prometheus)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.metrics_allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "metrics_allowed_security_group_ids has values that are not security group ids: ${join(", ", [for id in var.metrics_allowed_security_group_ids : "\"${id}\"" if !can(regex("^sg-[0-9a-f]{8,17}$", id))])}."
  }
}

variable "security_group_rules_quota" {
  description = "Inbound rules a security group may hold in this account and region, each IP family apart: AWS's quota \"Inbound or outbound rules per security group\", 60 unless you had it raised. The plan fails when the module's rules would exceed it."
  type        = number
  default     = 60
  nullable    = false

  # The quota is adjustable; AWS caps it so that it times security groups per network interface stays within 1,000.
  validation {
    condition     = var.security_group_rules_quota >= 1 && var.security_group_rules_quota <= 1000 && floor(var.security_group_rules_quota) == var.security_group_rules_quota
    error_message = "security_group_rules_quota = ${var.security_group_rules_quota} is not a quota AWS gives: use a whole number from 1 to 1000 (60 unless raised)."
  }
}

variable "egress_cidr_blocks" {
  description = "Destinations the tasks may reach on TCP 443 (the only egress): ghcr.io for the image, CloudWatch Logs, and Secrets Manager or SSM when `secrets` are used. Narrow it to a proxy or VPC endpoint range when you have one."
  type        = list(string)
  default     = ["0.0.0.0/0"]
  nullable    = false

  validation {
    condition     = length(var.egress_cidr_blocks) > 0 && alltrue([for cidr in var.egress_cidr_blocks : can(cidrhost(cidr, 0))])
    error_message = "egress_cidr_blocks must be a non-empty list of CIDR blocks; got [${join(", ", var.egress_cidr_blocks)}]."
  }
}

variable "dns_egress_cidr_blocks" {
  description = "DNS servers the tasks may reach on TCP and UDP 53, as CIDR blocks (e.g. `[\"10.0.0.10/32\", \"10.0.0.11/32\"]`). Only for VPCs whose DHCP options set `domain-name-servers` to servers of your own. With AmazonProvidedDNS leave it empty (the default, no rule): security groups do not filter traffic to the VPC resolver. `0.0.0.0/0` and `::/0` are refused."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.dns_egress_cidr_blocks : can(cidrhost(cidr, 0))])
    error_message = "dns_egress_cidr_blocks has values that are not CIDR blocks: ${join(", ", [for cidr in var.dns_egress_cidr_blocks : "\"${cidr}\"" if !can(cidrhost(cidr, 0))])}. Give your DNS servers' addresses, e.g. 10.0.0.10/32."
  }

  validation {
    condition     = alltrue([for cidr in var.dns_egress_cidr_blocks : !can(cidrhost(cidr, 0)) || !endswith(cidr, "/0")])
    error_message = "dns_egress_cidr_blocks contains ${join(", ", [for cidr in var.dns_egress_cidr_blocks : "\"${cidr}\"" if can(cidrhost(cidr, 0)) && endswith(cidr, "/0")])}, which lets the tasks send DNS to every address: give the addresses of the DNS servers your VPC's DHCP options name."
  }
}

################################################################################
# Service discovery (Cloud Map)
################################################################################

variable "namespace_id" {
  description = "Id of an existing Cloud Map private DNS namespace (`ns-...`) that this account owns, in the VPC. `null` creates one named `namespace_name`. When set, `namespace_name` must be that namespace's name: the module checks it. A namespace shared with this account through AWS RAM is not supported (see docs/ecs-deployment.md)."
  type        = string
  default     = null

  # A shared namespace is named by its ARN (Cloud Map's CreateService takes the
  # ARN for a namespace of another account), and its Route 53 zone stays in the
  # owner's account, where the name check cannot look. Neither can be tested
  # here: moto has no RAM sharing. Refused rather than half supported.
  validation {
    condition     = var.namespace_id == null || !startswith(coalesce(var.namespace_id, "none"), "arn:")
    error_message = "namespace_id = \"${coalesce(var.namespace_id, "null")}\" is a namespace ARN: a namespace shared with this account through AWS RAM is not supported (Cloud Map needs its ARN, and its Route 53 zone is in the owner's account, where the module cannot check that namespace_name is its name). Use a namespace this account owns (its ns- id), or null to create one."
  }

  validation {
    condition     = var.namespace_id == null || startswith(coalesce(var.namespace_id, "none"), "arn:") || can(regex("^ns-[a-z0-9]{16,32}$", coalesce(var.namespace_id, "none")))
    error_message = "namespace_id = \"${coalesce(var.namespace_id, "null")}\" is not a Cloud Map namespace id (ns- followed by 16 or more lower-case letters and digits); use null to create a namespace."
  }
}

variable "create_namespace" {
  description = "Whether the module creates the Cloud Map namespace. `null` (the default) decides from `namespace_id`: it creates one when `namespace_id` is null. Set `false` when `namespace_id` comes from a resource of the same configuration: such a value is known only after apply, and Terraform must know at plan what to create (otherwise: \"Invalid count argument\")."
  type        = bool
  default     = null
}

variable "namespace_name" {
  description = "DNS name of the private namespace, e.g. `finfocus.local`."
  type        = string
  default     = "finfocus.local"
  nullable    = false

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.namespace_name)) && length(var.namespace_name) <= 253
    error_message = "namespace_name = \"${var.namespace_name}\" is not a DNS name: use lower-case labels of letters, digits and '-', separated by dots, e.g. finfocus.local."
  }
}

variable "service_discovery_name" {
  description = "Name of the Cloud Map service: the first label of the DNS name clients use (`aws-public` gives `aws-public.finfocus.local`)."
  type        = string
  default     = "aws-public"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.service_discovery_name))
    error_message = "service_discovery_name = \"${var.service_discovery_name}\" is not a DNS label: use 1-63 lower-case letters, digits or '-', not starting or ending with '-'."
  }
}

variable "dns_ttl" {
  description = "TTL in seconds of the A records. Short TTLs let clients follow a replaced task sooner; a stopping task's port bridge keeps answering this long (at most 105 minus `termination_grace_seconds`, within Fargate's 120 s stopTimeout)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.dns_ttl >= 0 && var.dns_ttl <= 86400 && floor(var.dns_ttl) == var.dns_ttl
    error_message = "dns_ttl = ${var.dns_ttl} is not allowed: use a whole number of seconds from 0 to 86400."
  }
}

################################################################################
# Logs
################################################################################

variable "log_group_name" {
  description = "Name of the CloudWatch log group the module creates. `null` uses `/ecs/NAME`."
  type        = string
  default     = null

  validation {
    condition     = var.log_group_name == null || can(regex("^[A-Za-z0-9_./#-]{1,512}$", var.log_group_name))
    error_message = "log_group_name = \"${coalesce(var.log_group_name, "null")}\" is not a log group name: use 1-512 letters, digits, '_', '-', '/', '.' or '#'."
  }

  # CreateLogGroup (CloudWatch Logs API reference): "Log group names can't start with the string aws/."
  validation {
    condition     = !startswith(coalesce(var.log_group_name, "/"), "aws/")
    error_message = "log_group_name = \"${coalesce(var.log_group_name, "null")}\" starts with aws/, which CloudWatch Logs reserves: use another name, e.g. /ecs/finfocus (null gives /ecs/NAME)."
  }
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the logs. One of CloudWatch's values; 0 keeps them forever."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days = ${var.log_retention_in_days} is not a CloudWatch value: use 0 (forever), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "log_kms_key_id" {
  description = "ARN of a KMS key that encrypts the log group. `null` uses CloudWatch's own encryption. The key policy must allow the `logs.REGION.amazonaws.com` principal."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_id == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_id))
    error_message = "log_kms_key_id = \"${coalesce(var.log_kms_key_id, "null")}\" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

################################################################################
# IAM
################################################################################

variable "execution_role_arn" {
  description = "ARN of an existing task execution role. `null` creates one with AmazonECSTaskExecutionRolePolicy, plus read access to exactly the `secrets` and `secrets_kms_key_arns`."
  type        = string
  default     = null

  validation {
    condition     = var.execution_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.execution_role_arn))
    error_message = "execution_role_arn = \"${coalesce(var.execution_role_arn, "null")}\" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "create_execution_role" {
  description = "Whether the module creates the task execution role. `null` (the default) decides from `execution_role_arn`: it creates one when `execution_role_arn` is null. Set `false` when `execution_role_arn` comes from a resource of the same configuration: such a value is known only after apply, and Terraform must know at plan what to create (otherwise: \"Invalid count argument\")."
  type        = bool
  default     = null
}

variable "task_role_arn" {
  description = "ARN of a task role for the containers. The plugin calls no AWS API, so `null` gives none (unless `enable_execute_command` needs one)."
  type        = string
  default     = null

  validation {
    condition     = var.task_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.task_role_arn))
    error_message = "task_role_arn = \"${coalesce(var.task_role_arn, "null")}\" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "create_task_role" {
  description = "Whether the module creates the ECS Exec task role. `null` (the default) decides from `task_role_arn`: it creates one when `task_role_arn` is null and `enable_execute_command` is on. Set `false` when `task_role_arn` comes from a resource of the same configuration: such a value is known only after apply, and Terraform must know at plan what to create (otherwise: \"Invalid count argument\")."
  type        = bool
  default     = null
}

variable "iam_role_permissions_boundary" {
  description = "ARN of a managed policy set as the permissions boundary of the roles the module creates, or `null` for none. With one, a deployer allowed to write the roles' policies cannot grant them more than it (docs/ecs-deployment.md, section 2)."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", coalesce(var.iam_role_permissions_boundary, "none")))
    error_message = "iam_role_permissions_boundary = \"${coalesce(var.iam_role_permissions_boundary, "null")}\" is not a managed policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)."
  }
}

################################################################################
# Scaling and alarms (docs/ecs-deployment.md, Operating it)
################################################################################

variable "autoscaling" {
  description = "Target-tracking autoscaling of the task count between `min_capacity` and `max_capacity`, on average CPU (`cpu_target`, percent; always on) and, when set, memory (`memory_target`). `null` (the default) keeps `desired_count` fixed. With it, `desired_count` is only the starting count, which later applies leave as autoscaling set it; switching it on or off replaces the ECS service unless you first move it (see the guide)."
  type = object({
    min_capacity       = optional(number, 1)
    max_capacity       = optional(number, 10)
    cpu_target         = optional(number, 75)
    memory_target      = optional(number)
    scale_in_cooldown  = optional(number, 300)
    scale_out_cooldown = optional(number, 60)
  })
  default = null

  validation {
    condition     = var.autoscaling == null || try(var.autoscaling.min_capacity >= 1 && floor(var.autoscaling.min_capacity) == var.autoscaling.min_capacity, false)
    error_message = "autoscaling.min_capacity = ${try(var.autoscaling.min_capacity, "null")} is not allowed: use a whole number of tasks, 1 or more (at 0 no task reports CPU, so target tracking could never scale out again)."
  }

  validation {
    condition     = var.autoscaling == null || try(var.autoscaling.max_capacity >= var.autoscaling.min_capacity && var.autoscaling.max_capacity <= 5000 && floor(var.autoscaling.max_capacity) == var.autoscaling.max_capacity, false)
    error_message = "autoscaling.max_capacity = ${try(var.autoscaling.max_capacity, "null")} is not allowed with min_capacity = ${try(var.autoscaling.min_capacity, "null")}: use a whole number of tasks from min_capacity to 5000 (ECS's quota of tasks per service)."
  }

  validation {
    condition     = var.autoscaling == null || alltrue([for target in [try(var.autoscaling.cpu_target, null), try(var.autoscaling.memory_target, null)] : target == null || try(target > 0 && target <= 100, false)])
    error_message = "autoscaling targets cpu_target = ${try(coalesce(tostring(var.autoscaling.cpu_target), "null"), "null")} and memory_target = ${try(coalesce(tostring(var.autoscaling.memory_target), "null"), "null")} are not allowed: each is an average utilization in percent, above 0 and at most 100 (memory_target null: no memory policy)."
  }

  validation {
    condition     = var.autoscaling == null || alltrue([for seconds in [try(var.autoscaling.scale_in_cooldown, -1), try(var.autoscaling.scale_out_cooldown, -1)] : seconds >= 0 && floor(seconds) == seconds])
    error_message = "autoscaling cooldowns scale_in_cooldown = ${try(var.autoscaling.scale_in_cooldown, "null")} and scale_out_cooldown = ${try(var.autoscaling.scale_out_cooldown, "null")} are not allowed: each is a whole number of seconds, 0 or more."
  }
}

variable "alarm_actions" {
  description = "ARNs to notify (for example SNS topics) when an alarm fires and when it clears. Empty (the default) creates no alarm; otherwise the module creates the four alarms the guide describes (tasks not running, CPU high, memory high, tasks replaced repeatedly)."
  type        = list(string)
  default     = []
  nullable    = false

  # PutMetricAlarm takes at most 5 AlarmActions and 5 OKActions (CloudWatch API reference, ResourceList).
  validation {
    condition     = length(var.alarm_actions) <= 5
    error_message = "alarm_actions has ${length(var.alarm_actions)} ARNs: a CloudWatch alarm takes at most 5 actions per state. Send the alarms to one SNS topic and subscribe the rest to it."
  }

  validation {
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$", arn))])
    error_message = "alarm_actions has values that are not ARNs: ${join(", ", [for arn in var.alarm_actions : "\"${arn}\"" if !can(regex("^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$", arn))])}. Give the ARNs of SNS topics (arn:aws:sns:REGION:ACCOUNT:NAME) or other CloudWatch alarm actions."
  }
}
