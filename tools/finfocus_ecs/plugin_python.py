"""The Python the local plugin runs on: a copy of this one, inside the plugin's own directory.

FinFocus waits five minutes on a plugin that never takes its port (v0.2.6
waits 60 s and relaunches it five times, whatever its exit code; measured,
../shared/reference/finfocus-core-plugins.md section 7). A plugin that runs
on the user's Python stops taking its port the day that Python goes: a pyenv
version uninstalled (its shim then exits 1), a virtual environment deleted,
a home moved, no python3 on the PATH at all. So connect copies the
interpreter it runs on into the plugin's directory, and the plugin runs on
that copy alone, never on the PATH: nothing a user removes outside the
plugin directory stops it, short of the C library.

The copy is hard-linked where the file system allows (it takes no space,
and a link outlives the original's removal), copied otherwise. It holds:
- the executable (sys._base_executable, resolved: the interpreter behind any
  virtual environment) as PREFIX/bin/pythonX.Y;
- the shared libpython this process has loaded, if any (pyenv's and uv's
  builds have one; /proc/self/maps names it), in PREFIX/lib, which the
  launcher puts on LD_LIBRARY_PATH (pyenv's executable looks for it at its
  build prefix, an absolute path);
- the standard library and its extension modules as
  PREFIX/PLATLIBDIR/pythonX.Y and .../lib-dynload: the landmarks from which
  Python finds its prefix, wherever PREFIX is.
Left out: what the plugin never loads (the test suites, tkinter, IDLE,
ensurepip, lib2to3, the turtle demo, site-packages, the build configuration
config-*, optimised bytecode .opt-1/.opt-2.pyc).

Where the libraries a copy needs cannot be known (no /proc/self/maps, as on
macOS), copy_interpreter() returns None: the plugin then runs on this
interpreter's own path, and connect says that removing it breaks the plugin.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Never loaded by the plugin: site-packages (its packages are in lib/), test suites, GUIs, installers.
LEFT_OUT = {"site-packages", "dist-packages", "test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip"}
LEFT_OUT |= {"lib2to3"}
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """A hard link when source and target share a file system (no copy, and it outlives the source), else a copy."""
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def loaded_libpython() -> list[Path]:
    """The shared libpython files this process has mapped (Linux's /proc/self/maps); [] for a static build."""
    maps = Path("/proc/self/maps")
    found = {
        Path(line.split(maxsplit=5)[5].strip())
        for line in maps.read_text().splitlines()
        if len(line.split(maxsplit=5)) == 6 and "/libpython" in line
    }
    return sorted(found)


def _left_out(directory: str, names: list[str]) -> set[str]:
    return {
        name
        for name in names
        if name in LEFT_OUT
        or name.startswith("config-")
        or name == "lib-dynload"
        or name.endswith((".opt-1.pyc", ".opt-2.pyc"))
    }


@dataclass(frozen=True)
class Bundled:
    """A copied interpreter: its executable, and the directory of its shared libraries (None: a static build)."""

    prefix: Path
    executable: Path
    library_dir: Path | None

    def environment(self) -> dict[str, str]:
        """What the copy needs in its environment to load its own libpython."""
        return {"LD_LIBRARY_PATH": str(self.library_dir)} if self.library_dir else {}


def copy_interpreter(prefix: Path) -> Bundled | None:
    """This interpreter, its libpython and its standard library, under prefix; None where that cannot be done."""
    if not Path("/proc/self/maps").is_file():
        return None
    executable = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    stdlib = Path(os.__file__).parent
    dynload = next((Path(entry) for entry in sys.path if entry.endswith("lib-dynload") and Path(entry).is_dir()), None)
    home = prefix / sys.platlibdir / f"python{VERSION}"
    target = prefix / "bin" / f"python{VERSION}"
    link_or_copy(executable, target)
    libraries = loaded_libpython()
    for library in libraries:
        link_or_copy(library, prefix / "lib" / library.name)
    shutil.copytree(stdlib, home, ignore=_left_out, copy_function=link_or_copy, dirs_exist_ok=True)
    if dynload is not None:
        shutil.copytree(dynload, home / "lib-dynload", copy_function=link_or_copy, dirs_exist_ok=True)
    return Bundled(prefix, target, prefix / "lib" if libraries else None)


def stray_paths(bundled: Bundled) -> list[str]:
    """The copy's sys.prefix and sys.path entries outside its own prefix: [] when it stands alone."""
    program = "import json, sys; print(json.dumps([sys.prefix, sys.exec_prefix, *sys.path]))"
    completed = subprocess.run(
        [str(bundled.executable), "-I", "-S", "-c", program],
        capture_output=True,
        text=True,
        env={"PATH": os.defpath, **bundled.environment()},
        timeout=60,
    )
    if completed.returncode != 0:
        return [f"the copy of Python does not start: {completed.stderr.strip()[-300:]}"]
    root = os.path.realpath(bundled.prefix)
    return [
        entry
        for entry in json.loads(completed.stdout)
        if entry and not os.path.realpath(entry).startswith(root + os.sep) and os.path.realpath(entry) != root
    ]
