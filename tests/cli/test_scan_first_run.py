"""The first `scan` says it is installing checkov before the minute that takes, not after it."""

from __future__ import annotations

import sys

from typer.testing import CliRunner

from finfocus_ecs import scan
from finfocus_ecs.cli import app


def test_the_first_scan_says_it_is_installing_checkov(tmp_path, monkeypatch):
    """No checkov environment yet; the install (a step that fails at once here) comes after the message."""
    monkeypatch.setattr(scan, "CHECKOV_VENV", tmp_path / "checkov-venv")
    monkeypatch.setattr(scan, "STAMP", tmp_path / "checkov-venv" / ".installed-stamp")
    monkeypatch.setattr(scan, "_install_steps", lambda: [[sys.executable, "-c", "raise SystemExit('no index')"]])
    result = CliRunner().invoke(app, ["scan", "modules/finfocus_ecs"])
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert "installing checkov into its own environment (once); this takes about a minute" in said
    assert said.index("installing checkov") < said.index("could not install checkov"), said
