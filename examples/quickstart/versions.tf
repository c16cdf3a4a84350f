terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The main job runs the provider this project tests (the module itself takes 5.x and 6.x):
      # without a pin, `terraform init` takes the newest 6.x, which no test here has run. A root of
      # your own may take any version the module allows. No lock file is committed: it would name the
      # registry this machine cannot reach.
      version = "5.100.0"
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
