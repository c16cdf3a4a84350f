# The module checks what passes through to it (ids, CIDR blocks, retention), and its errors name the
# value and what is allowed; only what this root decides itself is checked here.

variable "aws_region" {
  description = "Region to deploy in. `null` takes it from AWS_REGION or AWS_DEFAULT_REGION."
  type        = string
  default     = null
}

variable "name" {
  description = "Name of the ECS service and prefix of everything created."
  type        = string
  default     = "finfocus-pricing"
  nullable    = false
}

variable "vpc_id" {
  description = "The VPC, with DNS support and DNS hostnames on."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets of `vpc_id` in two or more availability zones, with a NAT route to the internet (the image is on ghcr.io)."
  type        = list(string)
  nullable    = false
}

variable "allowed_cidr_blocks" {
  description = "Networks that may call the plugin. `null` allows every IPv4 CIDR block of the VPC; `[]` none, leaving only `client_security_group_ids`."
  type        = list(string)
  default     = null
}

variable "client_security_group_ids" {
  description = "Security groups of the hosts that call the plugin."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "min_tasks" {
  description = "Tasks that always run, and the count autoscaling never goes below: two or more, so that one task's replacement (a Spot interruption, a dead region, a deployment) leaves the others serving."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.min_tasks >= 2 && floor(var.min_tasks) == var.min_tasks
    error_message = "min_tasks = ${var.min_tasks} is not allowed: give a whole number, 2 or more (with one task, every replacement is an outage)."
  }
}

variable "max_tasks" {
  description = "The most tasks autoscaling starts."
  type        = number
  default     = 6
  nullable    = false
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the plugin's logs; two years by default, as many companies' retention policies ask."
  type        = number
  default     = 731
  nullable    = false
}

variable "tags" {
  description = "The company's tags for every resource: at least `Owner`, `CostCenter` and `Environment`."
  type        = map(string)
  nullable    = false

  validation {
    condition     = length(setsubtract(["Owner", "CostCenter", "Environment"], keys(var.tags))) == 0
    error_message = "tags lacks ${join(", ", setsubtract(["Owner", "CostCenter", "Environment"], keys(var.tags)))}: every resource carries Owner, CostCenter and Environment."
  }
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by e-mail). Subscribe chat or paging tools to the topic yourself."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for address in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])
    error_message = "alarm_emails has values that are not e-mail addresses: ${join(", ", [for address in var.alarm_emails : "\"${address}\"" if !can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])}."
  }
}

variable "alarm_topic_kms_key_id" {
  description = "A customer managed KMS key to encrypt the alarm topic, whose key policy lets `cloudwatch.amazonaws.com` use `kms:GenerateDataKey*` and `kms:Decrypt`. `null` leaves the topic unencrypted: CloudWatch cannot publish to one under the AWS managed key `alias/aws/sns`."
  type        = string
  default     = null
}
