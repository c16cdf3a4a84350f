data "aws_region" "current" {}

locals {
  # The provider's region, read without naming an attribute one provider major deprecates: `name`
  # (deprecated in 6.0), `region` (added in 6.0), `id` (deprecated in 6.47). lookup() on the whole
  # object names none, and takes whichever the installed major has.
  region = coalesce(lookup(data.aws_region.current, "region", null), lookup(data.aws_region.current, "name", null))
}

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
        awslogs-region        = local.region
        awslogs-stream-prefix = prefix
      }
    }
  }
}
