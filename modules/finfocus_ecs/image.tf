# Which regions the image serves on which ports. Each published release has
# exactly the region binaries of its layout (image_layouts.json, the one home
# of the layouts), and the layout has changed between releases, so the tag
# decides region_ports unless the user gives a map for an image the module
# does not know.

locals {
  image_layouts = jsondecode(file("${path.module}/image_layouts.json")).layouts
  layout_by_tag = merge([
    for layout in local.image_layouts : { for tag in layout.tags : tag => tomap(layout.region_ports) }
  ]...)
  known_tags = flatten([for layout in local.image_layouts : layout.tags])

  # repository[:tag][@digest]; a registry's :port is followed by a '/', a tag never is.
  image_without_digest = split("@", var.image)[0]
  image_tag            = try(regex(":([^:/]+)$", local.image_without_digest)[0], null)
  image_repository     = local.image_tag == null ? local.image_without_digest : trimsuffix(local.image_without_digest, ":${local.image_tag}")
  # The plugin's own repository, or a mirror of it (pull-through cache, ECR
  # copy) under the same name. With a tag and a digest, the tag picks the layout.
  image_is_plugin = local.image_repository == "finfocus-plugin-aws-public" || endswith(local.image_repository, "/finfocus-plugin-aws-public")
  image_layout    = local.image_is_plugin && local.image_tag != null ? lookup(local.layout_by_tag, local.image_tag, null) : null

  region_ports = var.region_ports != null ? var.region_ports : coalesce(local.image_layout, {})

  # What a given region_ports gets wrong against the tag's layout, for the error.
  layout_missing = local.image_layout == null || var.region_ports == null ? [] : [
    for region, port in local.image_layout : "${region} = ${port}" if lookup(var.region_ports, region, -1) != port
  ]
  layout_unserved = local.image_layout == null || var.region_ports == null ? [] : [
    for region, port in var.region_ports : "${region} = ${port}" if lookup(local.image_layout, region, -1) != port
  ]
  # Spelled out here: checkov's HCL parser fails on these inside an error message.
  image_layout_text    = join(", ", [for region, port in coalesce(local.image_layout, {}) : "${region} = ${port}"])
  layout_missing_text  = length(local.layout_missing) > 0 ? join(", ", local.layout_missing) : "none"
  layout_unserved_text = length(local.layout_unserved) > 0 ? join(", ", local.layout_unserved) : "none"

  # For a tag the module does not know (a release after the newest it has read): the newest layout, ready
  # to paste as region_ports and to check with verify once deployed, since later releases likely keep it.
  newest_layout           = local.image_layouts[length(local.image_layouts) - 1]
  newest_layout_hcl       = "{ ${join(", ", [for region, port in local.newest_layout.region_ports : "\"${region}\" = ${port}"])} }"
  newest_layout_arguments = join(",", [for region, port in local.newest_layout.region_ports : "${region}=${port}"])
}
