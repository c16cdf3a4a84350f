module "finfocus" {
  source = "../../modules/finfocus_ecs"

  name          = var.name
  vpc_id        = local.vpc_id
  subnet_ids    = local.subnet_ids
  image         = var.image
  region_ports  = var.region_ports
  desired_count = var.desired_count
  cpu           = var.cpu
  memory        = var.memory

  enable_execute_command = var.enable_execute_command
}
