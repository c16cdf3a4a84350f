# The plugin as a company runs it: two tasks or more behind the one Cloud Map name, scaled on CPU
# and memory, mostly on Fargate Spot with one on-demand task that Spot interruptions never take,
# the four alarms sent to an SNS topic, and the company's log retention and tags.
module "finfocus" {
  source = "../../modules/finfocus_ecs"

  name       = var.name
  vpc_id     = var.vpc_id
  subnet_ids = var.subnet_ids

  # A release pinned here, not the module's default: upgrading the module then never changes the
  # image by itself.
  image = "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8"

  # The published images are linux/amd64 only, and Fargate Spot takes only X86_64 Linux tasks
  # (ARM64 tasks run on on-demand FARGATE alone): X86_64 is the architecture that allows Spot.
  cpu_architecture = "X86_64"

  # The first task always on on-demand Fargate (base = 1); of the rest, three in four on Spot,
  # which costs up to 70% less and may be taken back with two minutes' warning. The other
  # tasks keep serving while ECS replaces an interrupted one.
  capacity_provider_strategy = [
    { capacity_provider = "FARGATE", base = 1, weight = 1 },
    { capacity_provider = "FARGATE_SPOT", weight = 3 },
  ]

  desired_count = var.min_tasks
  autoscaling = {
    min_capacity  = var.min_tasks
    max_capacity  = var.max_tasks
    cpu_target    = 60
    memory_target = 70
  }

  alarm_actions = [aws_sns_topic.alarms.arn]

  log_retention_in_days = var.log_retention_in_days

  allowed_cidr_blocks        = var.allowed_cidr_blocks
  allowed_security_group_ids = var.client_security_group_ids
}

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:Encrypted when alarm_topic_kms_key_id names a customer managed key. Unencrypted by default because CloudWatch cannot publish to a topic under the AWS managed key alias/aws/sns, whose key policy cannot grant it kms:GenerateDataKey* and kms:Decrypt; the alarms carry names, states and thresholds, no secrets.
  name              = "${var.name}-alarms"
  kms_master_key_id = var.alarm_topic_kms_key_id
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}
