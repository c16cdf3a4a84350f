# The module checks every value passed through here (ids, CIDR blocks, names), and its errors name
# the value and what is allowed; they are not checked twice.

variable "aws_region" {
  description = "Region of your VPC. `null` takes it from AWS_REGION or AWS_DEFAULT_REGION."
  type        = string
  default     = null
}

variable "name" {
  description = "Name of the ECS service and prefix of everything the module creates."
  type        = string
  default     = "finfocus-plugin-aws-public"
  nullable    = false
}

variable "vpc_id" {
  description = "Your VPC, with DNS support and DNS hostnames on."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets of `vpc_id`, in two or more availability zones, with a NAT route to the internet (the image is on ghcr.io)."
  type        = list(string)
  nullable    = false
}

variable "namespace_id" {
  description = "Your Cloud Map private DNS namespace (`ns-...`) in `vpc_id`, owned by this account."
  type        = string
  nullable    = false
}

variable "namespace_name" {
  description = "That namespace's DNS name, e.g. `corp.internal`: the plugin answers at `aws-public.NAME:PORT`."
  type        = string
  nullable    = false
}

variable "allowed_cidr_blocks" {
  description = "Networks that may call the plugin. `null` allows every IPv4 CIDR block of the VPC; `[]` none, leaving only `client_security_group_ids`."
  type        = list(string)
  default     = null
}

variable "client_security_group_ids" {
  description = "Security groups of the hosts that call the plugin (FinFocus CLI hosts, CI runners)."
  type        = list(string)
  default     = []
  nullable    = false
}
