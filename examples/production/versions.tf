terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The provider this project tests; the module itself takes 5.x and 6.x (its versions.tf says
      # what was run and what was read), so widen it in your copy as your other roots need.
      version = "5.100.0"
    }
  }
}

# The company's tags on everything this root creates, the module's resources included (the module
# counts them toward AWS's 50 tags a resource). The ECS service passes them on to its tasks.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = var.tags
  }
}
