"""Rehearse a planned ECS task definition on this machine as Fargate would run it."""
