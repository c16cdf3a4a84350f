"""finfocus-ecs: deploy the FinFocus AWS public-pricing plugin on ECS Fargate, and prove it."""
