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

# Credentials come from the ordinary AWS environment (AWS_PROFILE, or AWS_ACCESS_KEY_ID...).
provider "aws" {
  region = var.aws_region
}
