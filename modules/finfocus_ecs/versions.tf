terraform {
  # 1.5 is the oldest release with everything this module uses: optional()
  # attribute defaults, lifecycle preconditions and check-free validations.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Only 5.100.0 is tested here; 6.x keeps every resource argument used.
      version = ">= 5.0, < 7.0"
    }
  }
}
