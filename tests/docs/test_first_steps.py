"""What a newcomer reads on the way from a fresh clone to a first price (issue 34): runnable, and in their words.

Each test reads the README, the guide or the command line as a user meets
them. tests/e2e/test_up_aws.py checks the guide's cost of the quick start
against what `up --target aws` shows; tests/cli/test_help.py runs the help
examples.
"""

from __future__ import annotations

import re
import tomllib

import pytest
import typer.main
from typer.testing import CliRunner

from finfocus_ecs.cli import app
from finfocus_ecs.project import DOCS_DIR, REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()
GUIDE = (DOCS_DIR / "ecs-deployment.md").read_text()
# A command in a code span or block: the executable as typed, then the subcommand.
COMMAND = re.compile(r"(?:^|`|\s)((?:sudo )?(?:\S*/)?finfocus-ecs) ([a-z-]+)", re.MULTILINE)


def without_generated(text: str) -> str:
    """The text a person wrote: generated parts come from variables.tf and image_layouts.json (finfocus-ecs docs)."""
    return re.sub(r"<!-- BEGIN GENERATED: .*?<!-- END GENERATED: [^>]*-->", "", text, flags=re.DOTALL)


def test_readme_says_how_the_tool_is_installed():
    text = " ".join(README.split())
    assert "installed from this clone, not from a package index" in text
    assert "`make install`" in text and "`.venv/bin/finfocus-ecs`, which `make` does not put on your PATH" in text


def test_every_command_in_the_readme_can_be_typed_after_make_up():
    """The binary is in .venv/bin, not on the PATH: every command the README gives has its path."""
    typed = [executable for executable, subcommand in COMMAND.findall(README) if subcommand != "command"]
    assert typed and all(executable.endswith(".venv/bin/finfocus-ecs") for executable in typed), typed


def test_commands_run_with_sudo_give_the_binarys_path():
    """sudo resets the PATH: `sudo finfocus-ecs` fails even where `finfocus-ecs` alone works."""
    for path in (REPO_ROOT / "README.md", *sorted(DOCS_DIR.glob("*.md"))):
        for executable, _ in COMMAND.findall(path.read_text()):
            if executable.startswith("sudo "):
                assert executable == "sudo .venv/bin/finfocus-ecs", f"{path.name}: {executable}"


def test_the_supported_finfocus_versions_read_one_way():
    ranges = re.findall(r"v0\.2\.6 (?:to|and|-|through) [\w.]+", README + GUIDE)
    assert ranges and set(ranges) == {"v0.2.6 to v0.4.x"}, ranges


def test_the_guide_says_which_of_its_calling_examples_the_tests_run():
    section = GUIDE.split("## 11. Calling the plugin", 1)[1].split("\n## ", 1)[0]
    text = " ".join(section.split())
    assert "the curl and Python examples run in the docs tests" in text
    assert "the grpcurl, Go and browser examples are parsed" in text


def test_the_python_example_says_what_it_needs_to_import():
    before = GUIDE.split("```python", 1)[0].rsplit("### Python", 1)[1]
    assert "PYTHONPATH=tools/finfocus_ecs/proto .venv/bin/python example.py" in " ".join(before.split())


def user_facing_texts() -> dict[str, str]:
    runner = CliRunner()
    texts = {"README.md": README, "docs/ecs-deployment.md": without_generated(GUIDE)}
    for name in typer.main.get_command(app).commands:
        texts[f"{name} --help"] = runner.invoke(app, [name, "--help"]).stdout
    texts["cost"] = runner.invoke(app, ["cost"]).stdout
    return texts


@pytest.mark.plan
def test_no_text_a_user_reads_speaks_of_the_seed():
    """Users know upstream's research note for the ECS deployment, if at all, never as "the seed"."""
    found = {where: text for where, text in user_facing_texts().items() if re.search(r"\bseed\b", text, re.IGNORECASE)}
    assert not found, sorted(found)


def test_the_license_is_the_one_pyproject_names():
    license_name = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["license"]["text"]
    text = (REPO_ROOT / "LICENSE").read_text()
    assert license_name == "Apache-2.0"
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
