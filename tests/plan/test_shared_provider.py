"""Tests attach Terraform to one provider per worker (shared_provider.py): it must change nothing they see."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from finfocus_ecs import shared_provider
from finfocus_ecs.provider_mirror import newest_binary
from finfocus_ecs.roots import offline_inputs, write_root
from finfocus_ecs.terraform import Terraform, planned_resources

# Its own environment, so this test's provider is not one the other tests of the worker attach to.
ENV = {"FINFOCUS_TEST_SHARED_PROVIDER": "1"}


def _planned(terraform: Terraform) -> dict[str, dict[str, object]]:
    return {resource["address"]: resource for resource in planned_resources(terraform.plan_json())}


def _environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


def _served(log: Path) -> set[tuple[str, str]]:
    """(call, resource type) of every call the provider says it served, from its own log."""
    calls = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return {(call["tf_rpc"], call["tf_resource_type"]) for call in calls if "tf_resource_type" in call}


def test_attached_plan_is_the_plan_terraform_makes_with_its_own_provider(tmp_path, monkeypatch):
    root = tmp_path / "root"
    write_root(root, {"finfocus": offline_inputs(name="shared")})
    monkeypatch.setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    binary = newest_binary()
    assert binary is not None, "no AWS provider in the machine's mirror: the suite would not attach"
    log = tmp_path / "provider-calls.log"
    terraform = Terraform(root, env=ENV)
    terraform.init()
    provider = shared_provider.start(ENV, binary, log=log)
    try:
        assert _served(log) == set(), "the provider served a plan before Terraform attached"
        attached = _planned(terraform)
        # Seen from the shared provider's process: it served the plan of every AWS resource planned. (A data
        # source in planned_values is one read at apply, not at plan.)
        calls = {
            ("PlanResourceChange", resource["type"])
            for resource in attached.values()
            if resource["mode"] == "managed" and resource["provider_name"].endswith("/hashicorp/aws")
        }
        assert len(calls) > 5
        assert calls <= _served(log), f"planned without the shared provider: {calls - _served(log)}"
        assert shared_provider.for_env(ENV) is provider, "plan and show started a second provider"
        assert provider.pid in shared_provider.pids()
        # Configured twice with a CA bundle, the provider fails; it must never see one.
        assert "AWS_CA_BUNDLE" not in _environ(provider.pid)
    finally:
        shared_provider.forget(ENV)
    assert not os.path.exists(f"/proc/{provider.pid}"), "forget left the provider running"
    assert provider.pid not in shared_provider.pids()

    # Terraform's own provider, started by Terraform for each walk: the one every user runs.
    monkeypatch.setattr(shared_provider, "_enabled", False)
    assert shared_provider.for_env(ENV) is None
    own = _planned(terraform)
    assert len(attached) > 10
    assert own == attached


def test_another_environment_gets_a_provider_of_its_own():
    """A provider reads AWS_ENDPOINT_URL and credentials once, when it starts: an emulator's commands need their own."""
    emulator_env = {**ENV, "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}
    try:
        offline, emulator = shared_provider.for_env(ENV), shared_provider.for_env(emulator_env)
        assert offline is not None and emulator is not None
        assert offline.pid != emulator.pid
        assert _environ(emulator.pid)["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
        assert _environ(offline.pid).get("AWS_ENDPOINT_URL") != "http://127.0.0.1:1"
    finally:
        shared_provider.forget(ENV)
        shared_provider.forget(emulator_env)


def test_a_provider_that_cannot_start_says_so(tmp_path):
    fake = tmp_path / "terraform-provider-aws"
    fake.write_text("#!/bin/sh\necho not a provider\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(shared_provider.SharedProviderError, match=r"exited \(3\) before it said where to attach"):
        shared_provider.SharedProvider(fake, {})
