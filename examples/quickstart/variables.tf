variable "aws_region" {
  description = "Region to deploy in. `null` takes it from AWS_REGION or AWS_DEFAULT_REGION."
  type        = string
  default     = null
}

variable "name" {
  description = "Name prefix for everything created."
  type        = string
  default     = "finfocus-plugin-aws-public"
}

variable "vpc_id" {
  description = "An existing VPC (with DNS support and hostnames on). `null` creates a small VPC for the plugin."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Private subnets of `vpc_id` with a route to the internet. Required when `vpc_id` is set."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC created when `vpc_id` is null."
  type        = string
  default     = "10.42.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr_block)) && tonumber(split("/", var.vpc_cidr_block)[1]) <= 24
    error_message = "vpc_cidr_block = \"${var.vpc_cidr_block}\" must be an IPv4 CIDR of /24 or larger, to hold three /27 subnets."
  }
}

variable "create_nat_gateway" {
  description = "With a created VPC: add a NAT gateway so the private tasks can pull the image from ghcr.io (about $33 a month plus $0.045 per GB). Turn it off only if the subnets reach the internet some other way."
  type        = bool
  default     = true
  nullable    = false
}

variable "image" {
  description = "Plugin image pinned to a release tag, e.g. `ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2`. `null` keeps the module's default, v0.1.8."
  type        = string
  default     = null
}

variable "region_ports" {
  description = "AWS region => port that the image serves. `null` takes the layout of the image's tag; set it only for an image the module does not know."
  type        = map(number)
  default     = null
}

variable "cpu" {
  description = "Task CPU units, a Fargate size (256 to 32768). `null` keeps the module's default; the module checks the value."
  type        = number
  default     = null
}

variable "memory" {
  description = "Task memory in MiB, one Fargate offers for `cpu`. `null` keeps the module's default; the module checks the value."
  type        = number
  default     = null
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the tasks, which port forwarding to the ports from outside the VPC needs (docs/ecs-deployment.md section 11). Off by default: it adds a task role with the ssmmessages actions and a writable root for the plugin container."
  type        = bool
  default     = false
  nullable    = false
}

variable "desired_count" {
  description = "Number of tasks."
  type        = number
  default     = 1
  nullable    = false
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = { Project = "finfocus" }
  nullable    = false
}
