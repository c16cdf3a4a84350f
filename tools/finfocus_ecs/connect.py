"""`finfocus-ecs connect`: make the FinFocus CLI price through a deployment, by installing a local plugin.

The core finds plugins only in its plugin directory (finfocus_plugins.py
says where), launches the binary named `finfocus-plugin-NAME` of the
highest version of each name, and dials it on 127.0.0.1
(../shared/reference/finfocus-core-plugins.md). So connect writes
`PLUGINS/aws-public/vVERSION/`, named as `finfocus plugin install` names a
release's directory (so `finfocus plugin inspect` and the other plugin
commands find it):
- `finfocus-plugin-aws-public`, a shell script that runs the local plugin
  (finfocus_ecs.local_plugin) with this machine's Python, in isolated mode,
  from `lib/` alone (the name upstream's router binary has, which the core
  picks);
- `lib/`: the local plugin's modules and the packages they need (grpcio,
  protobuf), linked or copied from this environment: the plugin keeps
  working when this checkout or its .venv is moved or deleted. If its Python
  itself is gone, the script still takes the port and refuses every call
  (plugin_fallback.py), so the core goes on at once instead of waiting five
  minutes, and says what to run;
- `finfocus-ecs.json`, the deployment it forwards to (host, region => port,
  release), the files written and the plugins set aside, which marks the
  plugin as ours: `--remove` deletes exactly those and puts back what was set
  aside, and connect never overwrites a plugin whose directory lacks it.

Another plugin that prices AWS would make the core count every price twice,
and another version of aws-public would hide this one: connect refuses
while any is there, or with set_aside moves them beside the plugin
directory, where the core does not look, until `--remove`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from finfocus_ecs.finfocus_plugins import BINARY, PLUGIN, SEMVER, ForeignPlugin, aws_plugins
from finfocus_ecs.project import PACKAGE_DIR

SETTINGS = "finfocus-ecs.json"
LIBRARY = "lib"
RUNNER = "run.py"
WRITTEN_BY = "finfocus-ecs connect"
# The local plugin's own modules, from this package: grpcio and protobuf only, no connectrpc (plugin_api/__init__).
MODULES = (
    "__init__.py",
    "local_plugin.py",
    "plugin_fallback.py",
    "plugin_api/__init__.py",
    "plugin_api/errors.py",
    "plugin_api/facts.py",
    "plugin_api/transport.py",
    "plugin_api/wire.py",
    "proto/__init__.py",
    "proto/finfocus/__init__.py",
    "proto/finfocus/v1/__init__.py",
    "proto/finfocus/v1/costsource_pb2.py",
)
DISTRIBUTIONS = ("grpcio", "protobuf")
RUNNER_TEXT = f'''"""Written by `{WRITTEN_BY}`: the local plugin, from this directory alone (python -I)."""
import os
import sys

sys.path[:0] = [os.path.dirname(os.path.abspath(__file__))]
try:
    from finfocus_ecs.local_plugin import main
except ImportError as error:  # a copy broken since: still take the port, so FinFocus gives up at once
    from finfocus_ecs.plugin_fallback import refuse

    message = f"finfocus-ecs local plugin in {{os.path.dirname(__file__)}} cannot load ({{error}}): " + sys.argv[1]
    sys.exit(refuse(message, sys.argv[2:]))
sys.exit(main(sys.argv[2:]))
'''


class ConnectError(RuntimeError):
    """connect will not write: the message says why and what to do."""


def ours(plugins: Path) -> list[Path]:
    """The settings files of the plugins connect wrote under plugins, one per version directory."""
    found = []
    for settings in sorted((plugins / PLUGIN).glob(f"*/{SETTINGS}")):
        try:
            if json.loads(settings.read_text()).get("written_by") == WRITTEN_BY:
                found.append(settings)
        except (OSError, ValueError):
            continue
    return found


def aside_directory(plugins: Path) -> Path:
    """Where set-aside plugins wait: beside the plugin directory, where the core never looks."""
    return plugins.parent / f"{plugins.name}.set-aside-by-finfocus-ecs"


@dataclass(frozen=True)
class Installation:
    """What connect wrote, where, for which deployment, and what it set aside."""

    plugins: Path
    directory: Path
    files: list[Path]
    host: str
    version: str
    set_aside: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "plugin_dir": str(self.plugins),
            "directory": str(self.directory),
            "files": [str(path) for path in self.files],
            "host": self.host,
            "version": self.version,
            "set_aside": self.set_aside,
        }


def launcher(host: str, python: str) -> str:
    """The plugin binary: this machine's Python on lib/run.py, or the fallback when that Python is gone."""
    advice = (
        f"Run `finfocus-ecs connect {host}` again from a finfocus-ecs checkout, or `finfocus-ecs connect --remove`."
    )
    gone = f"finfocus-ecs local plugin: its Python, {python}, is gone. {advice}"
    fallback = f'"$here/{LIBRARY}/finfocus_ecs/plugin_fallback.py"'
    return "\n".join(
        [
            "#!/bin/sh",
            f"# Written by `{WRITTEN_BY}`: the FinFocus CLI prices AWS resources through the deployment named in",
            f"# {SETTINGS} beside this file, with the packages in {LIBRARY}/. Remove: `finfocus-ecs connect --remove`.",
            'here=$(dirname "$0")',
            f"python={shlex.quote(python)}",
            'if [ -x "$python" ]; then',
            f'  exec "$python" -I "$here/{LIBRARY}/{RUNNER}" {shlex.quote(advice)} --config "$here/{SETTINGS}" "$@"',
            "fi",
            "for candidate in python3 python; do",
            f'  command -v "$candidate" >/dev/null 2>&1 && exec "$candidate" -I {fallback} {shlex.quote(gone)} "$@"',
            "done",
            f"echo {shlex.quote(gone)} >&2",
            "exit 1",
            "",
        ]
    )


def _place(source: Path, target: Path) -> None:
    """A hard link when source and target share a file system (no copy, and it outlives the source), else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _requirements(names: tuple[str, ...]) -> list[str]:
    """The distributions names need, transitively, without optional extras."""
    found: list[str] = []
    pending = list(names)
    while pending:
        name = pending.pop()
        if name.lower() in (known.lower() for known in found):
            continue
        found.append(name)
        for requirement in metadata.requires(name) or []:
            if "extra ==" not in requirement:
                pending.append(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))  # type: ignore[union-attr]
    return found


def write_library(library: Path) -> None:
    """The local plugin's modules and the distributions they import, laid out as site-packages."""
    for module in MODULES:
        _place(PACKAGE_DIR / module, library / "finfocus_ecs" / module)
    for name in _requirements(DISTRIBUTIONS):
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            source = Path(distribution.locate_file(file))
            if ".." in file.parts or "__pycache__" in file.parts or not source.is_file():
                continue
            _place(source, library / file)
    (library / RUNNER).write_text(RUNNER_TEXT)


def refusal(others: list[ForeignPlugin], plugins: Path, host: str) -> str:
    """Why connect will not write, and two ways on that work."""
    lines = [f"{plugins} holds plugins that would price AWS beside the one connect writes:"]
    lines += [f"  {other.directory}: {other.why}" for other in others]
    lines.append(
        f"Move them aside with `finfocus-ecs connect {host} --set-aside` (they are put back by `finfocus-ecs connect "
        f"--remove`), or delete them yourself ({' '.join(f'rm -r {shlex.quote(str(o.directory))}' for o in others)}): "
        "`finfocus plugin remove` removes only plugins that `finfocus plugin install` recorded."
    )
    return "\n".join(lines)


def set_aside(others: list[ForeignPlugin], plugins: Path) -> list[dict[str, str]]:
    """Move each directory out of the plugin directory; what went where."""
    moved = []
    for other in others:
        target = aside_directory(plugins) / other.directory.relative_to(plugins)
        if target.exists():
            raise ConnectError(f"cannot set {other.directory} aside: {target} exists already")
        target.parent.mkdir(parents=True, exist_ok=True)
        other.directory.rename(target)
        moved.append({"from": str(other.directory), "to": str(target)})
        name = other.directory.parent
        if not any(name.iterdir()):
            name.rmdir()
    return moved


def install(
    plugins: Path,
    host: str,
    region_ports: Mapping[str, int],
    version: str,
    spec_version: str,
    move_aside: bool = False,
    python: str | None = None,
) -> Installation:
    """Write the local plugin for the deployment at host into plugins, replacing one connect wrote before."""
    if not SEMVER.match(version):
        raise ConnectError(f"the deployment reports release {version!r}, which FinFocus cannot use as a version")
    mine = ours(plugins)
    others = aws_plugins(plugins, {settings.parent for settings in mine})
    if others and not move_aside:
        raise ConnectError(refusal(others, plugins, host))
    # What an earlier connect set aside stays recorded, so that --remove still puts it back.
    earlier = [entry for settings in mine for entry in json.loads(settings.read_text()).get("set_aside", [])]
    _delete_ours(plugins)
    moved = earlier + set_aside(others, plugins)
    directory = plugins / PLUGIN / f"v{version.removeprefix('v')}"
    directory.mkdir(parents=True, exist_ok=True)
    write_library(directory / LIBRARY)
    settings, binary = directory / SETTINGS, directory / BINARY
    settings.write_text(
        json.dumps(
            {
                "written_by": WRITTEN_BY,
                "host": host,
                "region_ports": dict(region_ports),
                "version": version,
                "spec_version": spec_version,
                "files": [SETTINGS, BINARY, LIBRARY],
                "set_aside": moved,
            },
            indent=2,
        )
        + "\n"
    )
    binary.write_text(launcher(host, python or os.path.realpath(sys.executable)))
    binary.chmod(0o755)
    return Installation(plugins, directory, [binary, settings, directory / LIBRARY], host, version, moved)


def _delete_ours(plugins: Path) -> list[Path]:
    """Delete exactly the files and directories connect wrote, and the directories they leave empty."""
    removed = []
    for settings in ours(plugins):
        directory = settings.parent
        for name in json.loads(settings.read_text()).get("files", []):
            path = directory / Path(name).name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
                removed.append(path)
            elif path.is_file():
                path.unlink()
                removed.append(path)
        for empty in (directory, directory.parent):
            if empty.is_dir() and not any(empty.iterdir()):
                empty.rmdir()
    return removed


@dataclass(frozen=True)
class Removal:
    """What --remove deleted, and what it put back where it was."""

    removed: list[Path]
    restored: list[Path]
    not_restored: list[str]


def remove(plugins: Path) -> Removal:
    """Delete what connect wrote under plugins and put back what it set aside (never over something new)."""
    moved = [entry for settings in ours(plugins) for entry in json.loads(settings.read_text()).get("set_aside", [])]
    removed = _delete_ours(plugins)
    restored, not_restored = [], []
    for entry in moved:
        source, target = Path(entry["to"]), Path(entry["from"])
        if target.exists() or not source.is_dir():
            not_restored.append(f"{source} (left where it is: {target} exists)" if target.exists() else str(source))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)
        restored.append(target)
        for empty in (source.parent, aside_directory(plugins)):
            if empty.is_dir() and not any(empty.iterdir()):
                empty.rmdir()
    return Removal(removed, restored, not_restored)
