################################################################################
# Naming and tags
################################################################################

variable "name" {
  description = "Prefix for the task family, service, cluster, security group, log group and IAM roles. Letters, digits and `-`, starting with a letter, at most 40 characters (IAM role names add a suffix and stop at 64)."
  type        = string
  default     = "finfocus-plugin-aws-public"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,39}$", var.name))
    error_message = "name = \"${var.name}\" is not allowed: use 1-40 letters, digits or '-', starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource the module creates, and propagated from the service to its tasks."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Plugin container
################################################################################

variable "image" {
  description = "Plugin image. Pin a `vX.Y.Z` tag in production, and set `region_ports` to the layout that tag serves."
  type        = string
  default     = "ghcr.io/rshade/finfocus-plugin-aws-public:latest"
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s]+$", var.image)) && length(var.image) > 0
    error_message = "image = \"${var.image}\" is not an image reference: it must be non-empty and contain no spaces."
  }
}

variable "region_ports" {
  description = "The one source of truth for the plugin's layout: AWS region => TCP port its pricing process serves. The default is the 12-region image of January 2026; later images serve 10 regions (see docs/ecs-deployment.md). Port mappings, security group rules, the port bridge and the `endpoints` output all derive from it."
  type        = map(number)
  default = {
    "us-east-1"      = 8001
    "us-west-2"      = 8002
    "eu-west-1"      = 8003
    "ap-southeast-1" = 8004
    "ap-southeast-2" = 8005
    "ap-northeast-1" = 8006
    "ap-south-1"     = 8007
    "ca-central-1"   = 8008
    "sa-east-1"      = 8009
    "us-gov-west-1"  = 8010
    "us-gov-east-1"  = 8011
    "us-west-1"      = 8012
  }
  nullable = false

  validation {
    condition     = length(var.region_ports) > 0
    error_message = "region_ports is empty: give at least one AWS region => port pair."
  }

  validation {
    condition     = alltrue([for region, port in var.region_ports : can(regex("^(us|eu|ap|sa|ca|me|af|il|mx|cn)-(gov-)?(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9]$", region))])
    error_message = "region_ports has keys that are not AWS region names: ${join(", ", [for region, port in var.region_ports : region if !can(regex("^(us|eu|ap|sa|ca|me|af|il|mx|cn)-(gov-)?(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9]$", region))])}. Use names like us-east-1 or us-gov-west-1."
  }

  validation {
    condition     = alltrue([for port in values(var.region_ports) : port >= 1 && port <= 65535 && floor(port) == port])
    error_message = "region_ports has ports outside 1-65535 or not whole numbers: ${join(", ", [for region, port in var.region_ports : "${region} = ${port}" if !(port >= 1 && port <= 65535 && floor(port) == port)])}."
  }

  validation {
    condition     = length(distinct(values(var.region_ports))) == length(var.region_ports)
    error_message = "region_ports gives the same port to more than one region: ${join(", ", distinct([for port in values(var.region_ports) : tostring(port) if length([for other in values(var.region_ports) : other if other == port]) > 1]))}. Each region needs its own port."
  }
}

variable "metrics_port" {
  description = "Port of the image's Prometheus metrics aggregator, which listens on all interfaces. `null` publishes no metrics port."
  type        = number
  default     = 9090

  validation {
    condition     = var.metrics_port == null || try(var.metrics_port >= 1 && var.metrics_port <= 65535 && floor(var.metrics_port) == var.metrics_port, false)
    error_message = "metrics_port = ${coalesce(var.metrics_port, 0)} is outside 1-65535: give a port in that range, or null for none."
  }
}

variable "cpu" {
  description = "Task CPU units. Fargate offers 256, 512, 1024, 2048, 4096, 8192, 16384 and 32768; `memory` must fit the chosen size. The default is the seed's 2 vCPU."
  type        = number
  default     = 2048
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384, 32768], var.cpu)
    error_message = "cpu = ${var.cpu} is not a Fargate size: use 256, 512, 1024, 2048, 4096, 8192, 16384 or 32768."
  }
}

variable "memory" {
  description = "Task memory in MiB. It must be one Fargate offers for `cpu` (for 2048: 4096-16384 in steps of 1024). The default, 4096, gives about 100% headroom over the 12 regions' ~1.8 GB of pricing data."
  type        = number
  default     = 4096
  nullable    = false

  validation {
    condition     = var.memory >= 512 && floor(var.memory) == var.memory
    error_message = "memory = ${var.memory} is not a Fargate memory size: use a whole number of MiB, 512 or more, that Fargate offers for cpu."
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

variable "web_enabled" {
  description = "Serve HTTP (connect protocol and `/healthz`) beside gRPC on each regional port (`FINFOCUS_PLUGIN_WEB_ENABLED`). The health check needs it."
  type        = bool
  default     = true
  nullable    = false
}

variable "health_endpoint_enabled" {
  description = "Serve `/healthz` on each regional port (`FINFOCUS_PLUGIN_HEALTH_ENDPOINT`). The health check needs it."
  type        = bool
  default     = true
  nullable    = false
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
  description = "Seconds the image's entrypoint waits for its regional processes after SIGTERM (`TERMINATION_GRACE_SECONDS`). ECS `stopTimeout` is set 15 s longer, so at most 105."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.termination_grace_seconds >= 1 && var.termination_grace_seconds <= 105 && floor(var.termination_grace_seconds) == var.termination_grace_seconds
    error_message = "termination_grace_seconds = ${var.termination_grace_seconds} is not allowed: use a whole number from 1 to 105, so that stopTimeout (grace + 15) stays within Fargate's 120 s."
  }
}

variable "environment" {
  description = "Extra environment variables for the plugin container. Names the module sets from its own inputs (`FINFOCUS_LOG_LEVEL` and the others in docs/ecs-deployment.md) are refused here: use the input instead."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for key in keys(var.environment) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", key))])
    error_message = "environment has names that are not environment variable names: ${join(", ", [for key in keys(var.environment) : "\"${key}\"" if !can(regex("^[A-Za-z_][A-Za-z0-9_]*$", key))])}."
  }

  validation {
    condition     = length(setintersection(keys(var.environment), ["FINFOCUS_PLUGIN_WEB_ENABLED", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT", "FINFOCUS_LOG_LEVEL", "FINFOCUS_CORS_ALLOWED_ORIGINS", "FINFOCUS_CORS_ALLOW_CREDENTIALS", "TERMINATION_GRACE_SECONDS"])) == 0
    error_message = "environment sets ${join(", ", setintersection(keys(var.environment), ["FINFOCUS_PLUGIN_WEB_ENABLED", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT", "FINFOCUS_LOG_LEVEL", "FINFOCUS_CORS_ALLOWED_ORIGINS", "FINFOCUS_CORS_ALLOW_CREDENTIALS", "TERMINATION_GRACE_SECONDS"]))}, which the module sets from its own inputs: use web_enabled, health_endpoint_enabled, log_level, cors_allowed_origins, cors_allow_credentials or termination_grace_seconds."
  }
}

variable "secrets" {
  description = "Secret environment variables for the plugin container: name => ARN of an SSM parameter or a Secrets Manager secret (optionally with `:json-key::` suffixes). The execution role may read exactly these ARNs."
  type        = map(string)
  default     = {}
  nullable    = false

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
  description = "Container health check running the image's `/healthcheck.sh`, in seconds. ECS limits: interval 5-300, timeout 2-120 and below interval, retries 1-10, start period 0-300. The image starts its regions one after another (up to 21 s each when one is slow), so the default start period is 240 s."
  type = object({
    interval     = optional(number, 30)
    timeout      = optional(number, 10)
    retries      = optional(number, 3)
    start_period = optional(number, 240)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.health_check.interval >= 5 && var.health_check.interval <= 300
    error_message = "health_check.interval = ${var.health_check.interval} is outside ECS's 5-300 seconds."
  }

  validation {
    condition     = var.health_check.timeout >= 2 && var.health_check.timeout <= 120 && var.health_check.timeout < var.health_check.interval
    error_message = "health_check.timeout = ${var.health_check.timeout} is not allowed: ECS takes 2-120 seconds, and it must be shorter than interval (${var.health_check.interval})."
  }

  validation {
    condition     = var.health_check.retries >= 1 && var.health_check.retries <= 10
    error_message = "health_check.retries = ${var.health_check.retries} is outside ECS's 1-10."
  }

  validation {
    condition     = var.health_check.start_period >= 0 && var.health_check.start_period <= 300
    error_message = "health_check.start_period = ${var.health_check.start_period} is outside ECS's 0-300 seconds."
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
  description = "ARN of an existing ECS cluster. `null` creates one, with Container Insights."
  type        = string
  default     = null

  validation {
    condition     = var.cluster_arn == null || can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/.+$", var.cluster_arn))
    error_message = "cluster_arn = \"${coalesce(var.cluster_arn, "null")}\" is not an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME); use null to create a cluster."
  }
}

variable "desired_count" {
  description = "Number of tasks. Each registers its IP under the Cloud Map name (MULTIVALUE answers with up to 8)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count = ${var.desired_count} is not allowed: use a whole number, 0 or more."
  }
}

variable "capacity_provider_strategy" {
  description = "Fargate capacity providers and weights, e.g. `[{ capacity_provider = \"FARGATE_SPOT\", weight = 3 }, { capacity_provider = \"FARGATE\", weight = 1, base = 1 }]`. Empty uses the FARGATE launch type. With an existing `cluster_arn`, the cluster must have these providers."
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
}

variable "platform_version" {
  description = "Fargate platform version. `LATEST` follows AWS's current one; 1.4.0 or later is needed for 8192 CPU and above."
  type        = string
  default     = "LATEST"
  nullable    = false

  validation {
    condition     = can(regex("^(LATEST|1\\.[0-9]+\\.[0-9]+)$", var.platform_version))
    error_message = "platform_version = \"${var.platform_version}\" is not allowed: use LATEST or a version such as 1.4.0."
  }
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the tasks, e.g. to run `ss -ltn` as docs/port-bridge.md shows. When `task_role_arn` is null, the module then creates a task role with only the four `ssmmessages` actions ECS Exec needs."
  type        = bool
  default     = false
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
}

variable "assign_public_ip" {
  description = "Give each task a public IP. Only for public subnets without NAT: the ports stay closed to the internet by the security group, but the task is then addressable from it."
  type        = bool
  default     = false
  nullable    = false
}

variable "allowed_cidr_blocks" {
  description = "CIDR blocks allowed to reach the regional ports. `null` allows the VPC's own CIDR. `0.0.0.0/0` and `::/0` are refused."
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

################################################################################
# Service discovery (Cloud Map)
################################################################################

variable "namespace_id" {
  description = "Id of an existing Cloud Map private DNS namespace (`ns-...`) in the VPC. `null` creates one named `namespace_name`. When set, `namespace_name` must be that namespace's name: the module checks it."
  type        = string
  default     = null

  validation {
    condition     = var.namespace_id == null || can(regex("^ns-[a-z0-9]{16,32}$", var.namespace_id))
    error_message = "namespace_id = \"${coalesce(var.namespace_id, "null")}\" is not a Cloud Map namespace id (ns- followed by 16 or more lower-case letters and digits); use null to create a namespace."
  }
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
  description = "TTL in seconds of the A records. Short TTLs let clients follow a replaced task sooner."
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

variable "task_role_arn" {
  description = "ARN of a task role for the containers. The plugin calls no AWS API, so `null` gives none (unless `enable_execute_command` needs one)."
  type        = string
  default     = null

  validation {
    condition     = var.task_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.task_role_arn))
    error_message = "task_role_arn = \"${coalesce(var.task_role_arn, "null")}\" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}
