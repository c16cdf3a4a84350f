terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}

# Region, credentials and endpoint come from the ordinary AWS environment
# variables (AWS_REGION, AWS_PROFILE or AWS_ACCESS_KEY_ID..., and
# AWS_ENDPOINT_URL for a local emulator). Nothing here is emulator-specific.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = var.tags
  }
}
