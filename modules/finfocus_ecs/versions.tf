terraform {
  # 1.5 is the oldest release with everything this module uses: optional()
  # attribute defaults, lifecycle preconditions and check-free validations.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Tested: 5.100.0 (plans, applies against the emulator, the quick start). Reviewed from
      # source, not run: 5.0-5.99 (the log group's tag calls, docs/ecs-deployment.md section 2)
      # and 6.0-6.47 (the deployment wait of 6.4+, the strategy rule of 6.15+, aws_region's
      # attributes, failure_threshold's deprecation): the same configuration works on both
      # majors. docs/ecs-deployment.md section 2 lists what each needs beyond 5.100.0.
      version = ">= 5.0, < 7.0"
    }
  }
}
