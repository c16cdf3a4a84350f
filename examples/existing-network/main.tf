# The plugin in a network that already exists: your VPC, your private subnets, and your Cloud Map
# namespace, given by id. The module creates the ECS cluster, service and task definition, the Cloud
# Map service inside your namespace, the security group, the IAM role and the log group; it creates
# no VPC, subnet, NAT gateway or namespace.
module "finfocus" {
  source = "../../modules/finfocus_ecs"

  name       = var.name
  vpc_id     = var.vpc_id
  subnet_ids = var.subnet_ids

  # The namespace is yours: the module registers its Cloud Map service there and checks at plan, in
  # Route 53, that namespace_name is that namespace's name in vpc_id. create_namespace = false says
  # so even when namespace_id comes from another resource of your root (known only after apply).
  namespace_id     = var.namespace_id
  namespace_name   = var.namespace_name
  create_namespace = false

  allowed_cidr_blocks        = var.allowed_cidr_blocks
  allowed_security_group_ids = var.client_security_group_ids
}
