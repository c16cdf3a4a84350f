"""The commands that describe or call a deployment read what `up` deployed from the clone, and say so.

Issue: after `up` deployed v0.1.2 (12 regions on 8001-8012), `endpoints`
printed v0.1.8's 10 and `verify` would have checked v0.1.8's map. Here a copy
of the repository holds the quick start's state as `up --target aws` writes it
(tests/cli/deployed.py; tests/e2e/test_up_aws.py reads one a real apply wrote),
and nothing answers: the calls fail at once, and what they tried shows which
layout, image and name they took.
"""

from __future__ import annotations

import json

import pytest

from finfocus_ecs.module import image_layout_for
from tests.cli.deployed import deployed_copy, quickstart_outputs, run_in

IMAGE = "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2"
TWELVE = image_layout_for("v0.1.2")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return deployed_copy(tmp_path_factory.mktemp("repo"), quickstart_outputs(TWELVE, IMAGE))


def test_endpoints_are_the_deployed_ones(repo):
    completed = run_in(repo, "endpoints", "--json")
    assert completed.returncode == 0, completed.stderr
    assert {row["region"]: row["port"] for row in json.loads(completed.stdout)} == TWELVE
    assert "note: the endpoints of the quick start deployed to your AWS account" in completed.stderr


def test_verify_checks_the_deployed_layout_image_and_name(repo):
    completed = run_in(repo, "verify", "--json", "--timeout", "0.5")
    assert completed.returncode == 1
    rows = json.loads(completed.stdout)
    assert {row["region"]: row["port"] for row in rows} == TWELVE
    assert {row["release_expected"] for row in rows} == {"0.1.2"}
    notes = " ".join(completed.stderr.split())
    deployed = "the quick start deployed to your AWS account (state examples/quickstart/terraform.tfstate)"
    assert f"HOST: aws-public.finfocus.local, the Cloud Map name of {deployed}" in notes
    assert f"ports and image of {deployed}: 12 regions, {IMAGE}" in notes


def test_price_prices_in_every_deployed_region(repo):
    completed = run_in(repo, "price", "--resource-type", "ec2", "--sku", "t3.micro", "--json", "--timeout", "0.5")
    assert completed.returncode == 1
    assert {row["region"] for row in json.loads(completed.stdout)["results"]} == set(TWELVE)


def test_options_win_over_the_deployment(repo):
    completed = run_in(repo, "endpoints", "--image", "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8", "--json")
    assert completed.returncode == 0, completed.stderr
    assert len(json.loads(completed.stdout)) == len(image_layout_for("v0.1.8"))
    assert "deployed" not in completed.stderr


def test_with_nothing_deployed_the_defaults_are_named_as_such(tmp_path):
    bare = deployed_copy(tmp_path / "repo", {})
    (bare / "examples" / "quickstart" / "terraform.tfstate").unlink()
    completed = run_in(bare, "verify", "--json", "--timeout", "0.5")
    notes = " ".join(completed.stderr.split())
    assert "HOST: aws-public.finfocus.local, the module's default Cloud Map name (nothing is deployed" in notes
    assert "nothing is deployed from this clone's quick start: the module's defaults" in notes
    assert "give --image, --region-ports or --task-definition" in notes
