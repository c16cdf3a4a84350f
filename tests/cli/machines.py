"""A user's machine that lacks a Python, built around the core stand-in: `python machines.py ... -- CORE ARGS`.

What FinFocus users' machines lack, reproduced in a private mount
namespace (root only; the Fargate rehearsal's prerequisite):
- the interpreter `connect` ran on, uninstalled: each --hide path (its
  executable, libpython, standard library, virtual environment) covered,
  a directory by an empty tmpfs, a file by /dev/null, as `pyenv uninstall`
  or deleting a uv Python leaves the machine;
- a PATH of the test's making (--path): an empty directory (no Python
  anywhere), or one whose python3 exits 1 (a pyenv shim whose version is
  gone).

This program and the core stand-in (tests/core_standin.py) run on a copy
of the interpreter made for them (LD_LIBRARY_PATH and PYTHONPATH point it at
its libpython, this checkout and its packages; both are taken out of the
environment once it runs, so that the core passes neither to its plugins).
The mount namespace is unshared first, while this process has one thread,
as unshare(2) requires. The report is the core stand-in's, with "machine":
whether the hidden interpreter still starts and whether `python3` on the
new PATH does (both must be false, or the machine is not the one asked for).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000


def uninstalled_interpreter() -> list[str]:
    """This interpreter as uninstalling it leaves a machine (executable first, then libpython, standard library)."""
    from finfocus_ecs.plugin_python import loaded_libpython

    executable = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    return [executable, os.path.dirname(os.__file__), *map(str, loaded_libpython())]


def machine_path(directory: Path, broken_python3: bool) -> str:
    """A PATH with nothing on it, or with a python3 and a python that exit 1 (pyenv's shims, their version gone)."""
    directory.mkdir(parents=True, exist_ok=True)
    if broken_python3:
        for name in ("python3", "python"):
            shim = directory / name
            shim.write_text('#!/bin/sh\necho "pyenv: version \\`3.11.7\' is not installed" >&2\nexit 1\n')
            shim.chmod(0o755)
    return str(directory)


def core_runner(directory: Path) -> list[str]:
    """The command that runs this program on a copy of this interpreter, made in directory: `machine.py` follows."""
    from finfocus_ecs.plugin_python import copy_interpreter
    from finfocus_ecs.project import PACKAGE_DIR, REPO_ROOT

    bundled = copy_interpreter(directory)
    if bundled is None:
        raise RuntimeError("this interpreter cannot be copied here (no /proc/self/maps)")
    packages = [sysconfig.get_path("purelib"), str(PACKAGE_DIR.parent), str(REPO_ROOT)]
    environment = {**bundled.environment(), "PYTHONPATH": os.pathsep.join(packages)}
    return ["env", *(f"{name}={value}" for name, value in environment.items()), str(bundled.executable), __file__]


def _libc_call(function: str, *arguments: object) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, function)(*arguments) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{function}{arguments}: {os.strerror(error)}")


def unshare_mounts() -> None:
    """A mount namespace of this process's own, whose mounts never reach the machine's."""
    _libc_call("unshare", CLONE_NEWNS)
    _libc_call("mount", None, b"/", None, MS_REC | MS_PRIVATE, None)


def hide(path: Path) -> None:
    """Cover a directory with an empty tmpfs, a file with /dev/null: gone, as far as a program can tell."""
    if path.is_dir():
        _libc_call("mount", b"none", bytes(path), b"tmpfs", 0, None)
    else:
        _libc_call("mount", b"/dev/null", bytes(path), None, MS_BIND, None)


def starts(command: list[str], environ: dict[str, str]) -> bool:
    try:
        return subprocess.run(command, env=environ, capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="machines")
    parser.add_argument("--hide", action="append", default=[], help="the uninstalled interpreter's executable, then "
                        "its other paths")  # fmt: skip
    parser.add_argument("--path", required=True, help="the PATH of the machine")
    parser.add_argument("core", nargs=argparse.REMAINDER, help="-- then the core stand-in's arguments")
    arguments = parser.parse_args(argv)
    for name in ("LD_LIBRARY_PATH", "PYTHONPATH"):
        os.environ.pop(name, None)
    unshare_mounts()
    from tests import core_standin

    for path in arguments.hide:
        hide(Path(path))
    environ = {**os.environ, "PATH": arguments.path}
    machine = {
        "interpreter_runs": starts([arguments.hide[0], "-c", ""], environ),
        "python3_runs": starts(["/bin/sh", "-c", "python3 -c ''"], environ),
    }
    os.environ["PATH"] = arguments.path
    core = argparse.ArgumentParser(prog="core_standin")
    core.add_argument("--mode", choices=core_standin.MODES, default="v0.2.6")
    core.add_argument("resources")
    given = core.parse_args([argument for argument in arguments.core if argument != "--"])
    report = core_standin.run(given.mode, json.loads(Path(given.resources).read_text()), environ)
    for line in report["log"]:
        print(f"core: {line}", file=sys.stderr)
    json.dump({**report, "machine": machine}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
