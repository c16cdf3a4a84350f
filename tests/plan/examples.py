"""examples/existing-network and examples/production planned offline, each as the root a user copies.

Each example is copied as it is (its provider block, `source =
"../../modules/finfocus_ecs"` beside a link to the module) with its README's
`terraform.tfvars` block as its variables, and two files Terraform merges in:

- `user_network.tf.json`: a VPC, subnets, a namespace and a clients' security
  group, standing for the network the README's ids name;
- `offline_override.tf.json` (Terraform merges `*_override.tf.json` into the
  blocks it names): offline credentials for the example's provider block (its
  region and default_tags stay), and, for each module argument the example
  feeds from a variable holding the README's network ids, those resources' ids
  instead. Known only at apply, as ids from another root's outputs would be,
  they let the plan run with no AWS account: with known ids the module would
  look the VPC and the namespace's zone up at plan.

One root per example, so that the plan has one AWS provider configuration: the
tests' shared provider process holds one configuration at a time, and two in
one plan (an example's own and a calling root's) would take turns in it.

tests/plan/test_examples.py reads the plans; tests/scan/test_scan.py scans them
with checkov. Both share one plan per example and test run.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finfocus_ecs.cache import computed_once
from finfocus_ecs.module import parse_hcl
from finfocus_ecs.project import MODULE_DIR, REPO_ROOT
from finfocus_ecs.roots import offline_provider
from finfocus_ecs.terraform import Terraform
from tests.conftest import PlannedRoot

EXAMPLES_DIR = REPO_ROOT / "examples"
EXAMPLES = ("existing-network", "production")
TFVARS_BLOCK = re.compile(r"^```hcl\n(# terraform\.tfvars\n.*?)^```", re.MULTILINE | re.DOTALL)
VARIABLE_REFERENCE = re.compile(r"^\$\{var\.(\w+)\}$")

# The READMEs' ids for "your network", and the resources that stand for them.
USER_IDS = {
    "vpc-0123456789abcdef0": "${aws_vpc.user.id}",
    "subnet-0123456789abcdef0": "${aws_subnet.user_a.id}",
    "subnet-0fedcba9876543210": "${aws_subnet.user_b.id}",
    "ns-0123456789abcdef": "${aws_service_discovery_private_dns_namespace.user.id}",
    "sg-0123456789abcdef0": "${aws_security_group.clients.id}",
}
USER_NETWORK = {
    "aws_vpc": {"user": {"cidr_block": "10.80.0.0/16", "enable_dns_hostnames": True}},
    "aws_subnet": {
        "user_a": {"vpc_id": "${aws_vpc.user.id}", "cidr_block": "10.80.1.0/24", "availability_zone": "us-east-1a"},
        "user_b": {"vpc_id": "${aws_vpc.user.id}", "cidr_block": "10.80.2.0/24", "availability_zone": "us-east-1b"},
    },
    "aws_service_discovery_private_dns_namespace": {"user": {"name": "corp.internal", "vpc": "${aws_vpc.user.id}"}},
    "aws_security_group": {"clients": {"name": "clients", "vpc_id": "${aws_vpc.user.id}"}},
}


def readme_values(example: str) -> dict[str, Any]:
    """The `# terraform.tfvars` block of the example's README, parsed."""
    readme = (EXAMPLES_DIR / example / "README.md").read_text()
    [block] = TFVARS_BLOCK.findall(readme)
    return parse_hcl(block)


def with_user_ids(value: Any) -> Any:
    if isinstance(value, str):
        return USER_IDS.get(value, value)
    if isinstance(value, list):
        return [with_user_ids(item) for item in value]
    return value


def network_arguments(example: str, values: dict[str, Any]) -> dict[str, Any]:
    """Module argument => the stand-in resources' ids, for each argument fed by a variable that holds user ids."""
    [calls] = parse_hcl((EXAMPLES_DIR / example / "main.tf").read_text())["module"]
    [arguments] = calls.values()
    found = {}
    for argument, expression in arguments.items():
        variable = VARIABLE_REFERENCE.match(str(expression))
        if variable and variable[1] in values and with_user_ids(values[variable[1]]) != values[variable[1]]:
            found[argument] = with_user_ids(values[variable[1]])
    return found


def lay_out(directory: Path, example: str, values: dict[str, Any]) -> Path:
    """The example as a user copies it, beside the module it sources, ready to plan offline."""
    (directory / "modules").mkdir(parents=True)
    (directory / "modules" / MODULE_DIR.name).symlink_to(MODULE_DIR)
    root = directory / "examples" / example
    root.mkdir(parents=True)
    for file in (EXAMPLES_DIR / example).glob("*.tf"):
        shutil.copyfile(file, root / file.name)
    credentials = {key: value for key, value in offline_provider().items() if key != "region"}
    override = {"provider": {"aws": credentials}, "module": {"finfocus": network_arguments(example, values)}}
    (root / "offline_override.tf.json").write_text(json.dumps(override))
    (root / "user_network.tf.json").write_text(json.dumps({"resource": USER_NETWORK}))
    (root / "terraform.tfvars.json").write_text(json.dumps(values))
    return root


def example_root(directory: Path, example: str) -> Terraform:
    """The example laid out with its README's values, initialised."""
    terraform = Terraform(lay_out(directory, example, readme_values(example)))
    terraform.init()
    return terraform


def planned_example(example: str, make_root: Callable[[], Terraform], run_dir: Path) -> PlannedRoot:
    """The example's plan with its README's values, planned once per test run for every worker that reads it.

    run_dir: the folder the workers of this test run share (the run_dir fixture).
    """
    shared = run_dir / f"example-{example}.plan.json"
    return PlannedRoot(computed_once(shared, lambda: make_root().plan_json()))


def errors_with(terraform: Terraform, values: dict[str, Any]) -> list[str]:
    """The error diagnostics of planning the example's root with these variables instead of its README's."""
    var_file = terraform.directory / "case.tfvars.json"
    var_file.write_text(json.dumps(values))
    return [
        " ".join(f"{diagnostic['summary']}: {diagnostic['detail']}".split())
        for diagnostic in terraform.plan_diagnostics(var_file)
        if diagnostic["severity"] == "error"
    ]
