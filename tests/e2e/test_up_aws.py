"""`finfocus-ecs up --target aws`, against the emulator standing in for an account (moto answers STS too).

The emulator's account is 123456789012, its dummy keys work as credentials,
and AWS_ENDPOINT_URL sends the CLI's boto3 and Terraform's provider to it:
nothing in the command knows it is not AWS. One copy of the repository, in
order: the checks that stop before Terraform (no credentials, no terminal),
a plan shown and declined at a terminal, a variable the module refuses, and
the apply with --yes, whose state the commands that read a deployment then
read. What cannot run here: real credential chains (SSO, assumed roles) and
AWS's own refusals; real prices (the preview's are prices.json's).
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest

from finfocus_ecs import emulator as emulator_control
from finfocus_ecs.project import DOCS_DIR
from tests.cli.deployed import run_in
from tests.e2e.interrupting import copy_repo

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def account():
    """An emulator of its own: the apply below creates the quick start's resources in it."""
    running = emulator_control.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="module")
def aws_env(account):
    return {**account.aws_env(), "TF_VAR_aws_region": ""}


def up_at_a_terminal(repo, env, answer: bytes) -> subprocess.CompletedProcess[str]:
    """`up --target aws` with a terminal on stdin (a pty), answering the question with answer."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "finfocus_ecs.cli", "up", "--target", "aws"],
        cwd=repo,
        env={**os.environ, "FINFOCUS_REPO_ROOT": str(repo), **env},
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(terminal)
    os.write(controller, answer)
    try:
        stdout, stderr = process.communicate(timeout=180)
    finally:
        os.close(controller)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def created_anything(account) -> bool:
    return bool(account.client("ecs").list_clusters()["clusterArns"]) or any(
        not vpc["IsDefault"] for vpc in account.client("ec2").describe_vpcs()["Vpcs"]
    )


@pytest.fixture(scope="module")
def declined(repo, aws_env, account):
    return up_at_a_terminal(repo, aws_env, b"n\n")


def test_no_credentials_stops_before_terraform(repo, account):
    """AWS_REGION alone names the region, as for Terraform's provider (boto3 reads AWS_DEFAULT_REGION only)."""
    env = {
        "AWS_ENDPOINT_URL": account.endpoint_url,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": None,
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_SHARED_CREDENTIALS_FILE": str(repo / "no-credentials"),
        "AWS_CONFIG_FILE": str(repo / "no-config"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    completed = run_in(repo, "up", "--target", "aws", "--yes", env=env)
    assert completed.returncode == 2, completed.stderr
    message = " ".join(completed.stderr.split())
    assert "no AWS credentials found: set AWS_PROFILE" in message and "nothing was planned or created" in message
    assert not (repo / "examples" / "quickstart" / ".terraform").exists(), "no terraform init ran"


def test_a_profile_that_does_not_exist_is_named(repo, account):
    env = {"AWS_ENDPOINT_URL": account.endpoint_url, "AWS_PROFILE": "nobody", "AWS_CONFIG_FILE": str(repo / "none")}
    completed = run_in(repo, "up", "--target", "aws", "--yes", env=env)
    assert completed.returncode == 2, completed.stderr
    assert "The config profile (nobody) could not be found" in completed.stderr and "Traceback" not in completed.stderr


def test_without_a_terminal_it_asks_for_yes(repo, aws_env):
    completed = run_in(repo, "up", "--target", "aws", env=aws_env)
    assert completed.returncode == 2
    assert "stdin is not a terminal: run it at a terminal, or with --yes" in completed.stderr


def test_the_preview_names_account_region_plan_and_monthly_cost(declined):
    preview = declined.stderr
    assert f"account  {ACCOUNT} (arn:aws:sts::{ACCOUNT}:" in preview
    assert "region   us-east-1" in preview
    assert re.search(r"plan     \d+ to add, 0 to change, 0 to destroy", preview), preview
    assert "aws_nat_gateway ×1" in preview and "aws_ecs_service ×1" in preview
    lines = preview_lines(preview)
    assert lines["NAT gateway hours"] == "$32.85" and lines["public IPv4 addresses"] == "$3.65"
    assert lines["Fargate on demand (us-east-1, X86_64)"] == "$72.08"
    assert "Container Insights (on for the cluster the module creates)" in lines
    assert f"Apply this plan to AWS account {ACCOUNT} in us-east-1? [y/N]" in preview


def test_declining_exits_3_with_nothing_created(declined, account, repo):
    assert declined.returncode == 3, declined.stderr
    assert "cancelled: nothing was applied" in declined.stderr
    assert not created_anything(account)
    assert not list((repo / "examples" / "quickstart").glob("*.tfplan")), "the declined plan is not left behind"


def test_the_guide_states_the_cost_the_preview_shows(declined):
    """Section 3's table of what the quick start costs is the preview's, line for line."""
    section = (DOCS_DIR / "ecs-deployment.md").read_text().split("## 3. Quick start", 1)[1].split("\n## ", 1)[0]
    table = dict(re.findall(r"^\| ([^|]+?) \| (\$[\d.,]+) \|$", section, re.MULTILINE))
    assert table == preview_lines(declined.stderr), "update the quick start's cost in the guide's section 3"


def preview_lines(preview: str) -> dict[str, str]:
    """Item => "$N.NN" of the preview's monthly cost, its total included."""
    block = preview.split("Monthly cost of what the plan runs", 1)[1].split("Not included", 1)[0]
    found = re.findall(r"^  (\S.*?)\s+(\$[\d.,]+)(?: a month)?$", block, re.MULTILINE)
    return dict(found)


def test_a_value_the_module_refuses_reads_as_the_module_wrote_it(repo, aws_env, declined, account):
    """One error, the module's, named by its file in the repository: no "Invalid index" from outputs.tf first."""
    image = "ghcr.io/rshade/finfocus-plugin-aws-public:v9.9.9"
    completed = run_in(repo, "up", "--target", "aws", "--yes", "--var", f"image={image}", env=aws_env)
    assert completed.returncode == 1, completed.stderr
    text = completed.stderr
    assert text.startswith("error: terraform failed: Resource precondition failed: region_ports is null and image")
    assert "Invalid index" not in text and "Error:" not in text and "../" not in text, text
    assert re.search(r"\(modules/finfocus_ecs/\w+\.tf:\d+\)", text), text
    assert not created_anything(account)
    assert not list((repo / "examples" / "quickstart").glob("*.tfplan")), "Terraform saves a failed plan too"


@pytest.fixture(scope="module")
def applied(repo, aws_env, account, declined):
    return run_in(repo, "up", "--target", "aws", "--yes", env=aws_env)


def test_yes_applies_the_plan_it_shows_and_checks_it(applied, account):
    assert applied.returncode == 0, applied.stderr
    assert "About to deploy examples/quickstart" in applied.stderr, "--yes still shows what it applies"
    assert "Apply this plan" not in applied.stderr
    assert "task definition maps every regional port" in applied.stdout and "FAILED" not in applied.stdout
    assert account.client("ecs").list_clusters()["clusterArns"]


def test_after_the_apply_the_next_step_is_a_call_from_here(applied):
    steps = applied.stdout.split("Next: ", 1)[1]
    assert "finfocus-ecs forward, then in another shell:" in steps
    assert "finfocus-ecs price 127.0.0.1 --resource-type ec2 --sku t3.micro" in steps
    assert "--var enable_execute_command=true" in steps
    assert re.search(r"Tear down with: \S*finfocus-ecs down --target aws", steps), steps


def test_endpoints_read_what_was_deployed(repo, applied):
    completed = run_in(repo, "endpoints", "--json")
    assert completed.returncode == 0, completed.stderr
    assert "the endpoints of the quick start deployed to your AWS account" in completed.stderr
    assert "examples/quickstart/terraform.tfstate" in completed.stderr
