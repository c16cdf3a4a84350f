data "aws_partition" "current" {}

locals {
  # The account the tasks run in, for the confused-deputy conditions below.
  # data.aws_caller_identity would ask STS on every plan, and the module
  # plans without credentials (the CLI and the plan tests do); the log
  # group's ARN (arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME) names the
  # same account and region, since the provider that creates it creates the
  # service. Known once the log group exists: on a first plan the trust
  # policies show as (known after apply).
  account_id = split(":", aws_cloudwatch_log_group.this.arn)[4]
}

# Confused deputy: ECS may assume these roles only for tasks of this account,
# in this region. The Developer Guide's task IAM role page gives this trust
# policy ("ArnLike" aws:SourceArn arn:aws:ecs:REGION:ACCOUNT:* and
# "StringEquals" aws:SourceAccount ACCOUNT), and notes that a SourceArn naming
# one cluster is not supported, hence the wildcard
# (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
data "aws_iam_policy_document" "ecs_tasks_assume_role" {
  count = local.create_exec_task_role ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:ecs:${local.region}:${local.account_id}:*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The execution role gets aws:SourceAccount only. The Developer Guide's task
# execution role page shows a trust policy without conditions and does not
# say that ECS sends aws:SourceArn when it assumes this role; a condition on
# a key that is absent denies, and every task would then fail to start with
# "ECS was unable to assume the role". aws:SourceAccount is kept: AWS's own
# agent toolkit ships an ecs-tasks.amazonaws.com trust policy with
# aws:SourceAccount alone (github.com/aws/agent-toolkit-for-aws,
# skills/specialized-skills/serverless-skills/processing-s3-uploads-with-step-functions/scripts/ecs-trust-policy.json),
# evidence that ECS sends the key, though no promise for execution roles;
# the UK National Archives' TDR ECS execution roles do the same. If tasks
# ever fail to start that way, the guide's troubleshooting gives the symptom
# and the one-line override (execution_role_arn of your own role).
data "aws_iam_policy_document" "ecs_execution_assume_role" {
  count = local.create_execution_role ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# IAM role names are unique in the account, every other name here in its
# region only: the region in the role's name lets one name be deployed in
# several regions of an account (disaster recovery, staging). The deployer
# policy in docs/ecs-deployment.md scopes its IAM actions to NAME-*.
locals {
  role_names = {
    execution = "${var.name}-execution-${local.region}"
    task      = "${var.name}-task-${local.region}"
  }
}

resource "aws_iam_role" "execution" {
  count = local.create_execution_role ? 1 : 0

  name                 = local.role_names.execution
  description          = "ECS pulls the FinFocus plugin image, writes its logs and reads its secrets"
  assume_role_policy   = data.aws_iam_policy_document.ecs_execution_assume_role[0].json
  permissions_boundary = var.iam_role_permissions_boundary

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(local.role_names.execution) <= 64
      error_message = "name = \"${var.name}\" makes the execution role's name ${local.role_names.execution}, ${length(local.role_names.execution)} characters in ${local.region}: IAM takes at most 64. Use a name of at most ${64 - length("-execution-${local.region}")} characters."
    }
  }
}

resource "aws_iam_role_policy_attachment" "execution" {
  #parliament:skip=RESOURCE_STAR:AWS's managed AmazonECSTaskExecutionRolePolicy, the ECS Developer Guide's policy for execution roles, allows its ECR pulls and log writes on every resource. The module attaches it rather than a narrower copy so that an image in any private ECR repository of the account pulls, and AWS keeps it current as ECS changes; only ECS, for this account, can assume the role (aws:SourceAccount).
  count = local.create_execution_role ? 1 : 0

  role       = aws_iam_role.execution[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

locals {
  # A Secrets Manager reference may end in :json-key:version-stage:version-id;
  # IAM wants the secret's own ARN, its first seven fields. Secrets Manager
  # ends every secret's ARN in - and 6 random characters, and takes the ARN
  # without them too (a partial ARN), but IAM matches the full ARN only: a
  # policy on the partial ARN would deny ECS's GetSecretValue, and the task
  # would stop with ResourceInitializationError. So each is granted as given
  # and with -?????? after it (Secrets Manager User Guide, "ARN of a secret"
  # in IAM policies); for a full ARN the second matches only a secret named
  # after the first in full, suffix included.
  secret_arns_by_service = {
    ssm = [for arn in values(var.secrets) : arn if split(":", arn)[2] == "ssm"]
    secretsmanager = distinct(flatten([
      for arn in values(var.secrets) : [join(":", slice(split(":", arn), 0, 7)), "${join(":", slice(split(":", arn), 0, 7))}-??????"]
      if split(":", arn)[2] == "secretsmanager"
    ]))
  }
  create_secrets_policy = local.create_execution_role && (length(var.secrets) > 0 || length(var.secrets_kms_key_arns) > 0)
}

data "aws_iam_policy_document" "secrets" {
  count = local.create_secrets_policy ? 1 : 0

  dynamic "statement" {
    for_each = length(local.secret_arns_by_service.ssm) > 0 ? [1] : []
    content {
      sid       = "ReadSsmParameters"
      actions   = ["ssm:GetParameters"]
      resources = local.secret_arns_by_service.ssm
    }
  }

  dynamic "statement" {
    for_each = length(local.secret_arns_by_service.secretsmanager) > 0 ? [1] : []
    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secret_arns_by_service.secretsmanager
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns
    }
  }
}

resource "aws_iam_role_policy" "secrets" {
  count = local.create_secrets_policy ? 1 : 0

  name   = "read-secrets"
  role   = aws_iam_role.execution[0].id
  policy = data.aws_iam_policy_document.secrets[0].json
}

# Only for ECS Exec: the plugin itself calls no AWS API.
resource "aws_iam_role" "task" {
  count = local.create_exec_task_role ? 1 : 0

  name                 = local.role_names.task
  description          = "ECS Exec sessions into the FinFocus plugin tasks"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume_role[0].json
  permissions_boundary = var.iam_role_permissions_boundary

  tags = var.tags
}

data "aws_iam_policy_document" "execute_command" {
  count = local.create_exec_task_role ? 1 : 0

  statement {
    sid = "EcsExecSessions"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    # These actions take no resource ARN.
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "execute_command" {
  count = local.create_exec_task_role ? 1 : 0

  name   = "ecs-exec"
  role   = aws_iam_role.task[0].id
  policy = data.aws_iam_policy_document.execute_command[0].json
}
