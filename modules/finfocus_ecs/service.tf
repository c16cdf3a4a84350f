# The ECS service, as one of two resources: Terraform cannot ignore
# desired_count on some deployments only, and a service that autoscaling
# resizes must not be resized back by the next apply (terraform-provider-aws
# #335, #752), while a fixed one must follow desired_count. The two are the
# same service otherwise (tests/static/test_module_source.py compares them).
#
# Switching autoscaling on or off creates the new service before it deletes
# the old one, in any root, and the Cloud Map name keeps answering:
# - The two have different names (NAME and NAME-autoscaled). ECS refuses a
#   service whose name an ACTIVE or DRAINING one holds ("Creation of service
#   was not idempotent"; a deleted service drains for minutes while its tasks
#   stop), and the provider does not retry that error (internal/service/ecs/
#   service.go: its create retries only cluster-not-found, service role, load
#   balancer and service-linked role errors, on 5.x and 6.x alike). With one
#   name, any overlap of the delete and the create failed the apply; with
#   two, no order of Terraform's walk can clash. Both register in the same
#   Cloud Map service, so for a while the name answers with both services'
#   tasks.
# - Both are create_before_destroy, and terraform_data.service below reads
#   whichever runs: Terraform then deletes the old service only after it has
#   created the new one and updated terraform_data.service (the destroy of a
#   create_before_destroy resource waits for what depends on it). With
#   wait_for_steady_state (the default) the new service's tasks run before
#   the old ones get their stop signal. The ordering this replaces (an extra
#   resource that the switch replaced, so as to delete the old service
#   first) held only in some roots: a user's create_before_destroy resource
#   that read the service reversed it, and state written before that
#   resource existed had none of it.
# - create_before_destroy is recorded in state when a resource is written.
#   State from a release before this one records neither service as such,
#   so an apply that upgrades and switches at once deletes the old service
#   while it creates the new one: no clash, but the name has no task from
#   the old tasks' stop until the new ones start (docs/ecs-deployment.md,
#   Upgrading the module). Apply the upgrade first, then the switch.
# - A replacement of one service under its own name (create first) would
#   clash. The provider replaces a service only for a new name, cluster,
#   launch type, scheduling strategy, deployment controller or IAM role
#   (ForceNew in service.go, 5.x and 6.x); the module sets none of the last
#   four, a new name is another name, and names are unique per cluster only.

locals {
  service_names = {
    fixed      = var.name
    autoscaled = "${var.name}-autoscaled"
  }
  service_name = local.autoscaling_enabled ? local.service_names.autoscaled : local.service_names.fixed
}

resource "aws_ecs_service" "this" {
  count = local.autoscaling_enabled ? 0 : 1

  name             = local.service_names.fixed
  cluster          = local.cluster_arn
  task_definition  = aws_ecs_task_definition.this.arn
  desired_count    = var.desired_count
  platform_version = var.platform_version

  # A capacity provider strategy, never launch_type, so that changing it is an
  # update in place on both provider majors (read in the provider's
  # internal/service/ecs/service.go):
  # - 5.x forces a new service for any change of the strategy unless
  #   force_new_deployment is true, and even then when the strategy goes from
  #   empty to set or back (capacityProviderStrategyCustomizeDiff). An empty
  #   strategy means launch_type, whose change forces a new service too. So the
  #   strategy is never empty: FARGATE alone by default, which places tasks as
  #   the FARGATE launch type does.
  # - 6.0-6.14 do the same as 5.x; 6.15 and later refuse the plan
  #   ("force_new_deployment should be true when capacity_provider_strategy
  #   is being updated") unless it is true, and otherwise update in place
  #   (UpdateService takes a new strategy since June 2025, a launch-type
  #   service's too).
  # Replacing the service is an outage and removes its Cloud Map records.
  # Only 5.100.0 runs here: tests/e2e/test_changes_in_place.py applies and
  # changes it; 6.x's behaviour is from its source.
  force_new_deployment = true

  dynamic "capacity_provider_strategy" {
    for_each = local.capacity_provider_strategy
    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = var.assign_public_ip
  }

  # A records need neither container name nor port: the task IP serves all.
  service_registries {
    registry_arn = aws_service_discovery_service.this.arn
  }

  # A task that never turns healthy (a region that will not start, a bridge
  # that finds no task IP) rolls the service back instead of looping.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  # Apply returns once the deployment is done. Provider 5.x (and 6.0-6.3)
  # compares runningCount with desiredCount in one deployment; RUNNING does not
  # mean healthy. 6.4 and later wait for the new deployment's own status
  # (ecs:ListServiceDeployments, DescribeServiceDeployments) to be
  # SUCCESSFUL, which needs healthy tasks. A task that cannot start (no route
  # to ghcr.io, an execution role ECS cannot assume) never gets there: the
  # circuit breaker fails the deployment and rolls it back. 5.x then fails
  # when the wait below runs out, or (an update) reads the rolled-back
  # service and terraform_data.service's postcondition says so; 6.4+ fails
  # the wait at once, with the deployment's reason. Either way apply fails
  # instead of printing endpoints that do not answer. The emulator runs
  # no containers; it reports every desired task running and every
  # deployment SUCCESSFUL (emulator_server.py), so it cannot show this failure.
  wait_for_steady_state = var.wait_for_steady_state

  # How long that wait may take. A Fargate task runs 1-3 minutes after the
  # service changes (ENI, image pull); 15 leaves room for a slow pull and ends
  # a start that cannot succeed sooner than the provider's 20. The circuit
  # breaker alone may take longer: it fails a deployment once as many tasks
  # have failed as half the desired count, but never fewer than 3 nor more
  # than 200 (ECS API reference, DeploymentCircuitBreaker; Developer Guide,
  # deployment circuit breaker, "Failure threshold"): 3 failed starts for the
  # default desired_count of 1.
  timeouts {
    create = "15m"
    update = "15m"
  }

  tags = var.tags

  # A created cluster needs its capacity providers before the strategy can
  # name them, and a task started before the egress rules exist cannot pull
  # its image (the group is created without egress). Not the ingress rules:
  # they are made in the same seconds, long before a task has loaded its
  # regions, and a service that waits for their destroys (here, with
  # create_before_destroy) made a cycle with state of an older release that
  # deleted a rule in the apply that replaced the service.
  depends_on = [
    aws_ecs_service.launch_type,
    aws_ecs_cluster_capacity_providers.this,
    aws_vpc_security_group_egress_rule.https,
    aws_vpc_security_group_egress_rule.dns_udp,
    aws_vpc_security_group_egress_rule.dns_tcp,
  ]

  lifecycle {
    # The switch of autoscaling creates this before it deletes the other (above).
    create_before_destroy = true
  }
}

# With autoscaling: desired_count is the starting count only.
resource "aws_ecs_service" "autoscaled" {
  count = local.autoscaling_enabled ? 1 : 0

  # Every argument as aws_ecs_service.this's: its comments say why.
  name             = local.service_names.autoscaled
  cluster          = local.cluster_arn
  task_definition  = aws_ecs_task_definition.this.arn
  desired_count    = var.desired_count
  platform_version = var.platform_version

  force_new_deployment = true

  dynamic "capacity_provider_strategy" {
    for_each = local.capacity_provider_strategy
    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = var.assign_public_ip
  }

  service_registries {
    registry_arn = aws_service_discovery_service.this.arn
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  wait_for_steady_state = var.wait_for_steady_state

  timeouts {
    create = "15m"
    update = "15m"
  }

  tags = var.tags

  depends_on = [
    aws_ecs_service.launch_type,
    aws_ecs_cluster_capacity_providers.this,
    aws_vpc_security_group_egress_rule.https,
    aws_vpc_security_group_egress_rule.dns_udp,
    aws_vpc_security_group_egress_rule.dns_tcp,
  ]

  lifecycle {
    create_before_destroy = true

    # What Application Auto Scaling sets, no later apply resets.
    ignore_changes = [desired_count]

    precondition {
      condition     = var.desired_count >= var.autoscaling.min_capacity && var.desired_count <= var.autoscaling.max_capacity
      error_message = "desired_count = ${var.desired_count} is outside autoscaling's ${var.autoscaling.min_capacity}-${var.autoscaling.max_capacity} tasks: with autoscaling, desired_count is the starting count, so set it between autoscaling.min_capacity and autoscaling.max_capacity (the module changes neither)."
    }
  }
}

# Releases before 0.3.0 ran the service at aws_ecs_service.this, with the FARGATE launch type.
# Provider 5.x (and 6.0-6.14) replaces such a service to give it a capacity provider strategy, and
# under its own name ECS refuses the new one until the old one is gone: created first
# (create_before_destroy), it failed ("Creation of service was not idempotent"). So the old one
# moves here, where no instance is declared, and Terraform deletes it, waiting until it is
# INACTIVE, before it creates the new one, which depends on this: one apply, and no service for
# the time a task takes to start (CHANGELOG.md, 0.3.0, service-strategy). Not in a root whose own
# create_before_destroy resource read the service: its state records the service as create-first,
# and Terraform takes that from the state, so such a root applies this address alone first
# (docs/ecs-deployment.md, Changing a live deployment).
resource "aws_ecs_service" "launch_type" {
  count = 0

  name = var.name
}

moved {
  from = aws_ecs_service.this
  to   = aws_ecs_service.launch_type[0]
}

# The service that runs now. Reading both resources makes Terraform delete
# the old one only once this is updated to the new one (above); service_arn
# reads the service from here.
resource "terraform_data" "service" {
  input = {
    name            = local.autoscaling_enabled ? aws_ecs_service.autoscaled[0].name : aws_ecs_service.this[0].name
    arn             = local.autoscaling_enabled ? aws_ecs_service.autoscaled[0].id : aws_ecs_service.this[0].id
    task_definition = local.autoscaling_enabled ? aws_ecs_service.autoscaled[0].task_definition : aws_ecs_service.this[0].task_definition
  }

  lifecycle {
    # After a failed deployment the circuit breaker rolls the service back to
    # the previous task definition, and the provider reads that one back.
    # Here rather than on the services: Terraform evaluates a resource's
    # postconditions even when its create failed, against an instance that
    # does not exist, and added "Invalid index" errors to the real one. This
    # resource is not applied when the service failed.
    postcondition {
      condition     = self.output.task_definition == aws_ecs_task_definition.this.arn
      error_message = "The service ${self.output.name} runs ${self.output.task_definition}, not ${aws_ecs_task_definition.this.arn}: its deployment failed and was rolled back. The service's events say why: aws ecs describe-services --cluster ${local.cluster_arn} --services ${self.output.name} --query 'services[0].events[:10]'."
    }
  }
}

# Releases 0.4.0 and 0.4.1 ordered the switch through this resource, on which their services
# depended; the services no longer do. Kept, unchanged, for the state those releases wrote: Terraform
# destroys a resource after everything whose state depends on it, and destroying or replacing this in
# the apply that upgrades (where a create_before_destroy service is replaced, or created and the old
# one deleted) made a dependency cycle at plan (tests/e2e/test_upgrade.py). After one apply of this
# release no state depends on it, and a later release may remove it.
resource "terraform_data" "service_variant" {
  triggers_replace = local.autoscaling_enabled ? "autoscaled" : "fixed"
}
