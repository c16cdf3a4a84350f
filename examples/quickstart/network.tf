# A minimal network for the plugin, created only when no vpc_id is given.
# What it costs per month in us-east-1: the VPC, subnets and route tables are
# free; the NAT gateway is about $33 plus $0.045 per GB, and its Elastic IP
# $3.65. Leave it all out by passing vpc_id and subnet_ids.

locals {
  create_network = var.vpc_id == null
  vpc_id         = local.create_network ? aws_vpc.this[0].id : var.vpc_id
  subnet_ids     = local.create_network ? aws_subnet.private[*].id : var.subnet_ids
}

data "aws_availability_zones" "available" {
  count = local.create_network ? 1 : 0

  state = "available"
}

# A private DNS namespace needs DNS support and DNS hostnames in the VPC.
resource "aws_vpc" "this" {
  count = local.create_network ? 1 : 0

  #checkov:skip=CKV2_AWS_11:Flow logs cost money per GB and need their own log group and role; this is a small demo VPC. Enable them in the VPCs you run production in.

  cidr_block           = var.vpc_cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

# Strip every rule from the VPC's default security group, so nothing that
# lands in it by mistake can talk to anything.
resource "aws_default_security_group" "this" {
  count = local.create_network ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = { Name = "${var.name}-default-closed" }
}

# Private subnets in two availability zones, so ECS can place a replacement
# task when one zone fails.
resource "aws_subnet" "private" {
  count = local.create_network ? 2 : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = cidrsubnet(var.vpc_cidr_block, 3, count.index)
  availability_zone = data.aws_availability_zones.available[0].names[count.index]

  tags = { Name = "${var.name}-private-${count.index}" }
}

# The NAT gateway lives in a public subnet; no task runs there, so it does
# not map public IPs on launch.
resource "aws_subnet" "public" {
  count = local.create_network && var.create_nat_gateway ? 1 : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = cidrsubnet(var.vpc_cidr_block, 3, 7)
  availability_zone = data.aws_availability_zones.available[0].names[0]

  tags = { Name = "${var.name}-public" }
}

resource "aws_internet_gateway" "this" {
  count = local.create_network && var.create_nat_gateway ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = { Name = var.name }
}

resource "aws_eip" "nat" {
  count = local.create_network && var.create_nat_gateway ? 1 : 0

  domain = "vpc"

  tags = { Name = "${var.name}-nat" }
}

resource "aws_nat_gateway" "this" {
  count = local.create_network && var.create_nat_gateway ? 1 : 0

  allocation_id = aws_eip.nat[0].id
  subnet_id     = aws_subnet.public[0].id

  tags = { Name = var.name }

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  count = local.create_network && var.create_nat_gateway ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this[0].id
  }

  tags = { Name = "${var.name}-public" }
}

resource "aws_route_table_association" "public" {
  count = local.create_network && var.create_nat_gateway ? 1 : 0

  subnet_id      = aws_subnet.public[0].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_route_table" "private" {
  count = local.create_network ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  dynamic "route" {
    for_each = var.create_nat_gateway ? [1] : []
    content {
      cidr_block     = "0.0.0.0/0"
      nat_gateway_id = aws_nat_gateway.this[0].id
    }
  }

  tags = { Name = "${var.name}-private" }
}

resource "aws_route_table_association" "private" {
  count = local.create_network ? 2 : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[0].id
}
