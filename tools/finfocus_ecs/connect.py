"""`finfocus-ecs connect`: make the FinFocus CLI price through a deployment, by installing a local plugin.

The core finds plugins only in `HOME/plugins/NAME/VERSION/`, launches the
binary named `finfocus-plugin-NAME` there, and dials it on 127.0.0.1
(../shared/reference/finfocus-core-plugins.md). So connect writes, into
`HOME/plugins/aws-public/VERSION/`, two files and nothing else:
- `finfocus-plugin-aws-public`, a shell script that execs this package's
  Python on finfocus_ecs.local_plugin (the name upstream's router binary has,
  which the core picks over regional binaries);
- `finfocus-ecs.json`, the deployment it forwards to (host, region => port,
  release) and the list of files written, which marks the plugin as ours:
  `--remove` deletes exactly those, and connect never overwrites a plugin
  whose directory lacks it.

HOME is resolved as the core resolves it: FINFOCUS_HOME, then
PULUMI_HOME/finfocus, then ~/.finfocus, then ./.finfocus. VERSION is the
deployment's release (GetPluginInfo), so `finfocus plugin list` shows what
the deployment runs.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PLUGIN = "aws-public"
BINARY = f"finfocus-plugin-{PLUGIN}"
SETTINGS = "finfocus-ecs.json"
WRITTEN_BY = "finfocus-ecs connect"
# What the core's semver parser takes for a version directory (Masterminds/semver).
SEMVER = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


class ConnectError(RuntimeError):
    """connect will not write: the message says why and what to do."""


def finfocus_home(environ: Mapping[str, str], given: Path | None = None) -> Path:
    """The FinFocus home the core reads plugins from (config.ResolveConfigDir); given wins."""
    if given is not None:
        return given
    if environ.get("FINFOCUS_HOME"):
        return Path(environ["FINFOCUS_HOME"])
    if environ.get("PULUMI_HOME"):
        return Path(environ["PULUMI_HOME"]) / "finfocus"
    if environ.get("HOME"):
        return Path(environ["HOME"]) / ".finfocus"
    return Path(".finfocus")


def plugin_directory(home: Path) -> Path:
    return home / "plugins" / PLUGIN


def ours(home: Path) -> list[Path]:
    """The settings files of the plugins connect wrote under home, one per version directory."""
    found = []
    for settings in sorted(plugin_directory(home).glob(f"*/{SETTINGS}")):
        try:
            if json.loads(settings.read_text()).get("written_by") == WRITTEN_BY:
                found.append(settings)
        except (OSError, ValueError):
            continue
    return found


def foreign(home: Path) -> list[Path]:
    """Version directories of the aws-public plugin that connect did not write (an upstream install)."""
    directory = plugin_directory(home)
    if not directory.is_dir():
        return []
    mine = {settings.parent for settings in ours(home)}
    return sorted(entry for entry in directory.iterdir() if entry not in mine)


@dataclass(frozen=True)
class Installation:
    """What connect wrote, where, and for which deployment."""

    home: Path
    directory: Path
    files: list[Path]
    host: str
    version: str

    def to_json(self) -> dict[str, object]:
        return {
            "finfocus_home": str(self.home),
            "directory": str(self.directory),
            "files": [str(path) for path in self.files],
            "host": self.host,
            "version": self.version,
        }


def script(settings: Path, python: str = sys.executable) -> str:
    """The plugin binary: exec this package's Python, so the core's SIGKILL reaches the plugin itself."""
    return (
        "#!/bin/sh\n"
        f"# Written by `{WRITTEN_BY}`: the FinFocus CLI prices AWS resources through the deployment named in\n"
        f"# {SETTINGS} beside this file. Remove with `finfocus-ecs connect --remove`.\n"
        f'exec {shlex.quote(python)} -m finfocus_ecs.local_plugin --config {shlex.quote(str(settings))} "$@"\n'
    )


def install(home: Path, host: str, region_ports: Mapping[str, int], version: str, spec_version: str) -> Installation:
    """Write the local plugin for the deployment at host, replacing one connect wrote before."""
    if not SEMVER.match(version):
        raise ConnectError(f"the deployment reports release {version!r}, which FinFocus cannot use as a version")
    others = foreign(home)
    if others:
        raise ConnectError(
            f"{plugin_directory(home)} holds a plugin finfocus-ecs did not write ({', '.join(p.name for p in others)}):"
            " the FinFocus CLI would launch only one of them. Remove it first (finfocus plugin remove aws-public),"
            " or give another --finfocus-home"
        )
    remove(home)
    directory = plugin_directory(home) / version
    directory.mkdir(parents=True, exist_ok=True)
    settings, binary = directory / SETTINGS, directory / BINARY
    settings.write_text(
        json.dumps(
            {
                "written_by": WRITTEN_BY,
                "host": host,
                "region_ports": dict(region_ports),
                "version": version,
                "spec_version": spec_version,
                "files": [SETTINGS, BINARY],
            },
            indent=2,
        )
        + "\n"
    )
    binary.write_text(script(settings))
    binary.chmod(0o755)
    return Installation(home, directory, [binary, settings], host, version)


def remove(home: Path) -> list[Path]:
    """Delete exactly the files connect wrote under home, and the directories they leave empty."""
    removed = []
    for settings in ours(home):
        directory = settings.parent
        for name in json.loads(settings.read_text()).get("files", []):
            path = directory / Path(name).name
            if path.is_file():
                path.unlink()
                removed.append(path)
        for empty in (directory, directory.parent):
            if empty.is_dir() and not any(empty.iterdir()):
                empty.rmdir()
    return removed
