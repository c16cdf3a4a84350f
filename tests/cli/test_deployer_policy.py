"""`finfocus-ecs deployer-policy`: the guide's policy for an account, as a user prints it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from finfocus_ecs.deployer_policy import render


def test_prints_the_policy_for_the_account_name_and_roles_given():
    command = ("deployer-policy", "--account-id", "111122223333", "--name", "pricing", "--partition", "aws-us-gov")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "finfocus_ecs.cli",
            *command,
            "--pass-role",
            "arn:aws-us-gov:iam::111122223333:role/mine",
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    expected = render(
        "pricing", "111122223333", "aws-us-gov", passed_roles=["arn:aws-us-gov:iam::111122223333:role/mine"]
    )
    assert json.loads(completed.stdout) == expected


def test_an_account_that_is_not_twelve_digits_is_a_usage_error():
    completed = subprocess.run(
        [sys.executable, "-m", "finfocus_ecs.cli", "deployer-policy", "--account-id", "12"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    assert "--account-id 12 is not an AWS account id: give its 12 digits." in completed.stderr


def test_without_credentials_it_asks_for_the_account():
    no_credentials = {
        **{name: value for name, value in os.environ.items() if not name.startswith("AWS_")},
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "finfocus_ecs.cli", "deployer-policy"],
        capture_output=True,
        text=True,
        env=no_credentials,
    )
    assert completed.returncode == 2
    assert "cannot read your account" in completed.stderr and "give --account-id" in completed.stderr
