"""`finfocus-ecs connect`: make the FinFocus CLI price through a deployment, by installing a local plugin.

The core finds plugins only in its plugin directory (finfocus_plugins.py
says where), launches the binary named `finfocus-plugin-NAME` of the
highest version of each name, and dials it on 127.0.0.1
(../shared/reference/finfocus-core-plugins.md). So connect writes
`PLUGINS/aws-public/vVERSION/`, named as `finfocus plugin install` names a
release's directory (so `finfocus plugin inspect` and the other plugin
commands find it):
- `finfocus-plugin-aws-public`, a shell script (the name upstream's router
  binary has, which the core picks) that runs the local plugin
  (finfocus_ecs.local_plugin) from `lib/` alone, in isolated mode, on the
  plugin's own copy of Python (plugin_python.py), never on the PATH;
- `lib/`: the local plugin's modules, the packages they need (grpcio,
  protobuf) and `python/`, the copy of this interpreter, linked or copied
  from this environment: the plugin keeps working when this checkout, its
  .venv, the Python it ran on or the PATH's python3 go, and when the
  FinFocus home moves. If lib/ itself is damaged, the script still takes
  the port with any working python3 on the PATH and refuses every call
  (plugin_fallback.py), so the core goes on at once and says what to run;
- `finfocus-ecs.json`, the deployment it forwards to (host, region => port,
  release), the files written, the directories created and the plugins set
  aside, which marks the plugin as ours: `--remove` deletes exactly those
  and puts back what was set aside, and connect never overwrites a plugin
  whose directory lacks it.

Before it says it is done, connect launches the plugin as the core does
(`--port=N`, no python on the PATH) and asks its `Name`: a plugin that
cannot start is removed again, with its error.

Another plugin that prices AWS would make the core count every price twice
(known by what its binary is, finfocus_plugins.py), and another version of
aws-public would hide this one: connect refuses while any is there, or with
set_aside moves them beside the plugin directory, where the core does not
look, until `--remove`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO

from finfocus_ecs.finfocus_plugins import BINARY, PLUGIN, SEMVER, ForeignPlugin, aws_plugins
from finfocus_ecs.plugin_python import Bundled, copy_interpreter, link_or_copy, stray_paths
from finfocus_ecs.project import PACKAGE_DIR

SETTINGS = "finfocus-ecs.json"
LIBRARY = "lib"
RUNNER = "run.py"
PYTHON = "python"
# How long connect's own launch of the plugin may take to answer (the core waits 60 s for the port).
CHECK_SECONDS = 30
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
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "plugin_dir": str(self.plugins),
            "directory": str(self.directory),
            "files": [str(path) for path in self.files],
            "host": self.host,
            "version": self.version,
            "set_aside": self.set_aside,
            "warnings": self.warnings,
        }


def launcher(host: str, python: str, library_dir: str | None) -> str:
    """The plugin binary: the plugin's own Python on lib/run.py, else any working python3 on the fallback.

    python and library_dir are relative to the script's directory when they
    are the plugin's own copy (plugin_python.py). Each candidate is started
    once before it is exec'd, so that a python3 on the PATH that exits at
    once (a pyenv shim whose version is gone) is passed over.
    """
    advice = (
        f"Run `finfocus-ecs connect {host}` again from a finfocus-ecs checkout, or `finfocus-ecs connect --remove`."
    )
    where = "" if os.path.isabs(python) else ", in the plugin's directory"
    gone = f"finfocus-ecs local plugin: its Python ({python}{where}) does not start. {advice}"
    own = python if os.path.isabs(python) else f"$here/{python}"
    libraries = f'LD_LIBRARY_PATH="$here/{library_dir}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"' if library_dir else ""
    fallback = f'"$here/{LIBRARY}/finfocus_ecs/plugin_fallback.py"'
    return "\n".join(
        [
            "#!/bin/sh",
            f"# Written by `{WRITTEN_BY}`: the FinFocus CLI prices AWS resources through the deployment named in",
            f"# {SETTINGS} beside this file, with the packages and the Python in {LIBRARY}/.",
            "# Remove: `finfocus-ecs connect --remove`. Shell built-ins only: it runs with any PATH.",
            "case $0 in */*) here=${0%/*} ;; *) here=. ;; esac",
            f'python="{own}"',
            f'if {libraries + " " if libraries else ""}"$python" -I -S -c "" 2>/dev/null; then',
            *([f"  export {libraries}"] if libraries else []),
            f'  exec "$python" -I -S "$here/{LIBRARY}/{RUNNER}" {shlex.quote(advice)} --config "$here/{SETTINGS}" "$@"',
            "fi",
            "for candidate in python3 python; do",
            '  if "$candidate" -I -S -c "" 2>/dev/null; then',
            f'    exec "$candidate" -I -S {fallback} {shlex.quote(gone)} "$@"',
            "  fi",
            "done",
            f"echo {shlex.quote(gone + ' No working python3 on the PATH either: FinFocus waits for this plugin.')} >&2",
            "exit 1",
            "",
        ]
    )


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
        link_or_copy(PACKAGE_DIR / module, library / "finfocus_ecs" / module)
    for name in _requirements(DISTRIBUTIONS):
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            source = Path(distribution.locate_file(file))
            if ".." in file.parts or "__pycache__" in file.parts or not source.is_file():
                continue
            link_or_copy(source, library / file)
    (library / RUNNER).write_text(RUNNER_TEXT)


def refusal(others: list[ForeignPlugin], plugins: Path, command: str) -> str:
    """Why connect will not write, and two ways on, each a command that runs as printed."""
    lines = [f"{plugins} holds plugins that would price AWS beside the one connect writes:"]
    lines += [f"  {other.directory}: {other.what}: {other.why}" for other in others]
    lines += [
        "Move them aside (`finfocus-ecs connect --remove` puts them back):",
        f"  {command} --set-aside",
        "or delete them (`finfocus plugin remove` removes only plugins that `finfocus plugin install` recorded):",
        "  " + shlex.join(["rm", "-r", *(str(other.directory) for other in others)]),
    ]
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


def _missing_above(directory: Path) -> int:
    """How many of directory and its parents do not exist yet: what connect creates to write there."""
    count = 0
    while not directory.exists() and directory != directory.parent:
        count += 1
        directory = directory.parent
    return count


def _free_port() -> int:
    """A port nobody listens on, found as the core finds one (bind 127.0.0.1:0, then close)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_plugin(binary: Path, interpreter_prefixes: list[str]) -> list[str]:
    """Launch the plugin as the core does, with no python on the PATH, and ask its Name; the warnings it leaves.

    Raises ConnectError when it does not answer, or when something of it
    outlives the SIGKILL the core ends it with (a launcher that does not
    exec the plugin: FinFocus v0.2.6 would leave it running, holding its
    port and its output). Warns when it still loads a file of the
    interpreter connect runs on (its copy is not standalone: removing that
    interpreter would stop the plugin). The check runs the plugin in a
    process group of its own, and kills the group at the end.
    """
    import grpc

    from finfocus_ecs.plugin_api import grpc_channel, messages
    from finfocus_ecs.plugin_api.wire import METHODS

    port = _free_port()
    environment = {**os.environ, "PATH": str(binary.parent / "no-python-here"), "FINFOCUS_PLUGIN_PORT": str(port)}
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            [str(binary), f"--port={port}"],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
        try:
            if _first_line(process, CHECK_SECONDS).strip() != f"PORT={port}":
                raise ConnectError(f"the plugin written in {binary.parent} did not start: {_tail(stderr)}")
            described = METHODS["Name"]
            with grpc_channel("127.0.0.1", port) as channel:
                stub = channel.unary_unary(
                    described.path,
                    request_serializer=described.request.SerializeToString,
                    response_deserializer=described.response.FromString,
                )
                try:
                    stub(messages.NameRequest(), timeout=CHECK_SECONDS)
                except grpc.RpcError as error:
                    failed = f"the plugin written in {binary.parent} does not answer: {error.details()}"
                    raise ConnectError(failed) from None
            mapped = _mapped_files(process.pid)
            process.send_signal(signal.SIGKILL)
            process.wait()
            if _group_running(process.pid):
                raise ConnectError(
                    f"the plugin written in {binary.parent} outlives the SIGKILL FinFocus ends it with (its launcher "
                    "does not exec it): FinFocus v0.2.6 would leave it running"
                )
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            process.stdout.close()  # type: ignore[union-attr]
    outside = sorted({path for path in mapped for prefix in interpreter_prefixes if path.startswith(prefix + os.sep)})
    return [f"the plugin's copy of Python still loads {path}: removing it stops the plugin" for path in outside]


def _tail(file: IO[str]) -> str:
    file.seek(0)
    return file.read().strip()[-600:]


def _group_running(group: int) -> bool:
    """Whether a process of the group still runs (zombies do not); False where /proc is missing."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _first_line(process: subprocess.Popen, seconds: float) -> str:
    """The first line the process writes on stdout, "" if it ends or stays silent that long."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        if not selector.select(seconds):
            return ""
    return process.stdout.readline()  # type: ignore[union-attr]


def _mapped_files(pid: int) -> list[str]:
    """The files a process has mapped (its executable and shared libraries); [] where /proc is missing."""
    try:
        lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    except OSError:
        return []
    return [fields[5] for line in lines if len(fields := line.split(maxsplit=5)) == 6 and fields[5].startswith("/")]


def install(
    plugins: Path,
    host: str,
    region_ports: Mapping[str, int],
    version: str,
    spec_version: str,
    move_aside: bool = False,
    command: str | None = None,
) -> Installation:
    """Write the local plugin for the deployment at host into plugins, replacing one connect wrote before.

    command is how the user ran connect, for the refusal's advice (default: `finfocus-ecs connect HOST`).
    """
    if not SEMVER.match(version):
        raise ConnectError(f"the deployment reports release {version!r}, which FinFocus cannot use as a version")
    directory = plugins / PLUGIN / f"v{version.removeprefix('v')}"
    mine = ours(plugins)
    others = aws_plugins(plugins, {settings.parent for settings in mine}, directory)
    if others and not move_aside:
        raise ConnectError(refusal(others, plugins, command or shlex.join(["finfocus-ecs", "connect", host])))
    # What an earlier connect set aside or created stays recorded, so that --remove still undoes it.
    earlier = [json.loads(settings.read_text()) for settings in mine]
    created = max([_missing_above(plugins), *(entry.get("created_directories", 0) for entry in earlier)])
    _delete_ours(plugins)
    moved = [entry for settings in earlier for entry in settings.get("set_aside", [])] + set_aside(others, plugins)
    directory.mkdir(parents=True, exist_ok=True)
    library = directory / LIBRARY
    write_library(library)
    bundled = copy_interpreter(library / PYTHON)
    warnings = _interpreter_warnings(bundled)
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
                "created_directories": created,
                "set_aside": moved,
            },
            indent=2,
        )
        + "\n"
    )
    if bundled is None:
        binary.write_text(launcher(host, os.path.realpath(sys.executable), None))
    else:
        library_dir = bundled.library_dir and str(bundled.library_dir.relative_to(directory))
        binary.write_text(launcher(host, str(bundled.executable.relative_to(directory)), library_dir))
    binary.chmod(0o755)
    prefixes = sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)})
    try:
        warnings += check_plugin(binary, prefixes if bundled is not None else [])
    except ConnectError:
        remove(plugins)
        raise
    return Installation(plugins, directory, [binary, settings, library], host, version, moved, warnings)


def _interpreter_warnings(bundled: Bundled | None) -> list[str]:
    """What the plugin still depends on outside its directory, said plainly."""
    if bundled is None:
        return [
            f"the plugin runs on {os.path.realpath(sys.executable)} (its libraries cannot be copied on this system): "
            "if that Python is removed, run connect again"
        ]
    return [f"the plugin's copy of Python reaches outside its directory: {entry}" for entry in stray_paths(bundled)]


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
    """Delete what connect wrote under plugins and put back what it set aside (never over something new).

    The plugin directory itself, and the parents connect created for it, go
    too when nothing else is left in them.
    """
    recorded = [json.loads(settings.read_text()) for settings in ours(plugins)]
    moved = [entry for settings in recorded for entry in settings.get("set_aside", [])]
    created = max([0, *(settings.get("created_directories", 0) for settings in recorded)])
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
    directory = plugins
    for _ in range(created):
        if not directory.is_dir() or any(directory.iterdir()):
            break
        directory.rmdir()
        removed.append(directory)
        directory = directory.parent
    return Removal(removed, restored, not_restored)
