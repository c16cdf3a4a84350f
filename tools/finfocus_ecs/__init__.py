"""finfocus-ecs: deploy the FinFocus AWS public-pricing plugin on ECS Fargate, and prove it."""

__version__ = "0.1.0"
