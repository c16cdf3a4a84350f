"""Every call to Terraform goes through here.

The machine's environment may point TF_CLI_CONFIG_FILE at a file that does not
exist, and this project must never write to the user's home directory, so the
project brings its own CLI configuration: a provider mirror when the machine
ships one, the ordinary registry otherwise. Terraform is driven through tftest;
python-terraform 0.10.1 cannot drive Terraform >= 0.15 (its plan and destroy
fail with 'Too many command line arguments').
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tftest

from finfocus_ecs import shared_provider
from finfocus_ecs.diagnostics import errors_text, readable_errors
from finfocus_ecs.project import CACHE_DIR
from finfocus_ecs.provider_mirror import REQUIRED_PROVIDER, find_provider_mirror

# tftest logs a failed command's whole output as CRITICAL, which Python prints to stderr when nothing
# handles it: errors here carry Terraform's own diagnostics instead.
logging.getLogger("tftest").addHandler(logging.NullHandler())


class TerraformError(RuntimeError):
    """Terraform failed; the message carries its own diagnostics."""


def render_cli_config(mirror: Path | None) -> str:
    """The CLI configuration text: the mirror for the AWS provider when there is one."""
    lines = ["# Written by finfocus-ecs; regenerated on every run.", "disable_checkpoint = true"]
    if mirror is not None:
        provider = "/".join(REQUIRED_PROVIDER)
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f"    path    = {json.dumps(str(mirror))}",
            f"    include = [{json.dumps(provider)}]",
            "  }",
            "  direct {",
            f"    exclude = [{json.dumps(provider)}]",
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def cli_config_file() -> Path:
    """Write the project's CLI configuration into the project cache and return its path."""
    path = CACHE_DIR / "terraform" / "cli.tfrc"
    text = render_cli_config(find_provider_mirror())
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def terraform_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for every Terraform process: our CLI config, no home-directory writes."""
    env = {
        "TF_CLI_CONFIG_FILE": str(cli_config_file()),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
    }
    env.update(extra or {})
    return env


# Terraform hashes the installed provider (700 MB for AWS) against the lock file before every
# command that loads it: about 0.5 CPU-s each, with or without an attached provider.
_LOCK_HASHES = re.compile(r"\n[ \t]*hashes[ \t]*=[ \t]*\[[^\]]*\]")
_check_lock_hashes = True


def skip_lock_hashes() -> None:
    """Throwaway roots of this process (the tests') keep no provider hashes in their lock files.

    Terraform then checks none: the lock still pins the provider's version, and what Terraform
    plans is the same. Only tests/conftest.py calls this; the command line never does, so the
    roots a user keeps (the quick start, their own) keep their hashes.
    """
    global _check_lock_hashes
    _check_lock_hashes = False


def terraform_binary() -> str:
    binary = shutil.which("terraform")
    if binary is None:
        raise TerraformError("terraform is not on PATH: install Terraform >= 1.5")
    return binary


class Terraform:
    """One Terraform working directory, driven through tftest."""

    def __init__(self, directory: Path, env: Mapping[str, str] | None = None, share_provider: bool = True) -> None:
        """share_provider=False for a root that configures the AWS provider more than once (aliases): a
        provider process holds one configuration, so a shared one would send every alias's calls to the
        region configured last."""
        self.directory = Path(directory)
        self.env = dict(env or {})
        self.share_provider = share_provider
        self._runner = tftest.TerraformTest(str(self.directory), binary=terraform_binary(), env=terraform_env(env))

    def run(self, command: str, *args: str, ok_codes: tuple[int, ...] = (0,)) -> tftest.TerraformCommandOutput:
        """Run `terraform COMMAND ARGS`, raising TerraformError with its stderr on failure."""
        shared = command != "init" and self.share_provider
        provider = shared_provider.for_env(self.env) if shared else None
        if provider is None:
            # An earlier command of this directory may have attached to a provider since forgotten.
            self._runner.env.pop("TF_REATTACH_PROVIDERS", None)
            return self._run(command, *args, ok_codes=ok_codes)
        self._runner.env["TF_REATTACH_PROVIDERS"] = provider.reattach
        with provider.lock:
            return self._run(command, *args, ok_codes=ok_codes)

    def _run(self, command: str, *args: str, ok_codes: tuple[int, ...]) -> tftest.TerraformCommandOutput:
        try:
            result = self._runner.execute_command(command, *args)
        except tftest.TerraformTestError as error:
            # tftest raises on exit code 1 and folds stdout into the message.
            if 1 in ok_codes:
                return tftest.TerraformCommandOutput(1, str(error.args[0]), error.cmd_error or "")
            raise TerraformError(readable_errors(_diagnostics(error), self.directory)) from None
        if result.retcode not in ok_codes:
            raise TerraformError(readable_errors(result.err or result.out, self.directory))
        return result

    def init(self) -> None:
        self.run("init", "-input=false", "-no-color")
        lock_file = self.directory / ".terraform.lock.hcl"
        if not _check_lock_hashes and lock_file.is_file():
            lock_file.write_text(_LOCK_HASHES.sub("", lock_file.read_text()))

    def plan_json(self, var_file: Path | None = None, extra_args: tuple[str, ...] = ()) -> dict[str, Any]:
        """Plan and return `terraform show -json` of the plan."""
        plan_file = self.directory / ".finfocus.tfplan"
        args = ["-input=false", "-no-color", f"-out={plan_file}", *extra_args]
        if var_file is not None:
            args.append(f"-var-file={var_file}")
        try:
            self.run("plan", *args)
            return json.loads(self.run("show", "-json", "-no-color", str(plan_file)).out)
        finally:
            plan_file.unlink(missing_ok=True)

    def plan_diagnostics(self, var_file: Path | None = None) -> list[dict[str, Any]]:
        """Plan with `-json` and return the diagnostics (errors and warnings)."""
        args = ["-input=false", "-json"]
        if var_file is not None:
            args.append(f"-var-file={var_file}")
        result = self.run("plan", *args, ok_codes=(0, 1, 2))
        return [message["diagnostic"] for message in _json_messages(result.out) if message.get("type") == "diagnostic"]

    def planned_actions(self, var_file: Path | None = None, refresh: bool = True) -> dict[str, str]:
        """Resource address => planned action (create, update, replace, delete), no-ops left out.

        Read from `plan -json`'s own change messages: no `show` needed.
        """
        args = ["-input=false", "-json", f"-refresh={str(refresh).lower()}"]
        if var_file is not None:
            args.append(f"-var-file={var_file}")
        return {
            message["change"]["resource"]["addr"]: message["change"]["action"]
            for message in _json_messages(self.run("plan", *args).out)
            if message.get("type") == "planned_change"
        }

    def plan_has_changes(self, var_file: Path | None = None) -> tuple[bool, str]:
        """`plan -detailed-exitcode`: (True, plan text) when anything would change."""
        args = ["-input=false", "-no-color", "-detailed-exitcode"]
        if var_file is not None:
            args.append(f"-var-file={var_file}")
        result = self.run("plan", *args, ok_codes=(0, 2))
        return result.retcode == 2, result.out

    def apply(
        self, var_file: Path | None = None, parallelism: int | None = None, plan_file: Path | None = None
    ) -> dict[str, Any]:
        """Apply (a saved plan: exactly that plan), and return the output values by name.

        `-json` ends with the outputs, which saves running `terraform output`
        (a second Terraform process) after every apply. `parallelism` replaces
        Terraform's 10 operations at once.
        """
        args = ["-input=false", "-no-color", "-auto-approve", "-json"]
        if var_file is not None:
            args.append(f"-var-file={var_file}")
        if parallelism is not None:
            args.append(f"-parallelism={parallelism}")
        if plan_file is not None:
            args.append(str(plan_file))
        result = self.run("apply", *args, ok_codes=(0, 1))
        messages = _json_messages(result.out)
        if result.retcode != 0:
            raise TerraformError(
                errors_text(messages, self.directory) or readable_errors(result.err or result.out, self.directory)
            )
        outputs = next((message["outputs"] for message in reversed(messages) if message.get("type") == "outputs"), {})
        return {name: item["value"] for name, item in outputs.items()}

    def destroy(self, var_file: Path | None = None) -> None:
        args = ["-input=false", "-no-color", "-auto-approve"]
        if var_file is not None:
            args.append(f"-var-file={var_file}")
        self.run("destroy", *args)

    def outputs(self) -> dict[str, Any]:
        """Output values by name."""
        raw = json.loads(self.run("output", "-json", "-no-color").out or "{}")
        return {name: item["value"] for name, item in raw.items()}


def _json_messages(text: str) -> list[dict[str, Any]]:
    """The messages of Terraform's `-json` output, one a line.

    A line may carry a prefix: tftest folds a failed command's output into its
    error text, behind "Error running command plan: 1 ".
    """
    messages = []
    for line in text.splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            messages.append(json.loads(line[start:]))
        except ValueError:
            continue
    return messages


def _diagnostics(error: tftest.TerraformTestError) -> str:
    """The part of a tftest error a user needs: Terraform's own stderr."""
    return (error.cmd_error or str(error)).strip()


def planned_resources(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every resource in a plan's planned values, child modules included."""
    found: list[dict[str, Any]] = []

    def collect(module: Mapping[str, Any]) -> None:
        found.extend(module.get("resources", []))
        for child in module.get("child_modules", []):
            collect(child)

    collect(plan.get("planned_values", {}).get("root_module", {}))
    return found
