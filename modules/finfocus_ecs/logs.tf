data "aws_region" "current" {}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest by default; a customer-managed key is the user's choice through log_kms_key_id, because it costs a monthly key fee and needs a key policy for the logs service.
  name              = coalesce(var.log_group_name, "/ecs/${var.name}")
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_id

  tags = var.tags
}

# Every container logs to the one group, each under its own stream prefix.
locals {
  log_configurations = {
    for prefix in ["plugin", "port-bridge", "volume-init"] : prefix => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = prefix
      }
    }
  }
}
