"""Where the FinFocus CLI looks for plugins, and which plugins there already price AWS.

From ../shared/reference/finfocus-core-plugins.md (sections 1, 7 measured
on the core v0.2.6, and 8 read from v0.3 to v0.4.6):
- its home: FINFOCUS_HOME, then PULUMI_HOME/finfocus, then ~/.finfocus, then
  ./.finfocus (config.ResolveConfigDir);
- its plugin directory: FINFOCUS_PLUGIN_DIR (v0.3 and later, wins), then
  the `plugin_dir` key of HOME/config.hujson (later cores), then
  HOME/plugins, the only one v0.2.6 reads;
- in it, NAME/VERSION/ directories; per name, the highest semver version
  that holds an executable file is launched, at every cost command.

Every plugin that prices AWS is asked for every AWS resource, and v0.2.6
sums every answer: a second one (upstream's router in aws-public/, a
regional plugin in aws-public-us-east-1/, any directory whose binary is an
aws-public binary) counts each price twice. And a newer version directory
of the same name hides ours. aws_plugins() finds both kinds.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PLUGIN = "aws-public"
BINARY = f"finfocus-plugin-{PLUGIN}"
# What the core's semver parser (Masterminds/semver) takes for a version directory: 1.2.3, v1.2.3, 1.2, v1.
SEMVER = re.compile(r"^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def finfocus_home(environ: Mapping[str, str], given: Path | None = None) -> Path:
    """The FinFocus home (config.ResolveConfigDir); given wins."""
    if given is not None:
        return given
    if environ.get("FINFOCUS_HOME"):
        return Path(environ["FINFOCUS_HOME"])
    if environ.get("PULUMI_HOME"):
        return Path(environ["PULUMI_HOME"]) / "finfocus"
    if environ.get("HOME"):
        return Path(environ["HOME"]) / ".finfocus"
    return Path(".finfocus")


def read_hujson(path: Path) -> dict:
    """A HuJSON file (JSON with // and /* */ comments and trailing commas), as the core's config.hujson is."""
    text = path.read_text()
    # Drop comments outside strings, then trailing commas before a closing bracket.
    without = re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.DOTALL)
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", without))


def plugin_directory(environ: Mapping[str, str], home: Path) -> Path:
    """Where the newest core reads plugins: FINFOCUS_PLUGIN_DIR, then config.hujson's plugin_dir, then HOME/plugins."""
    if environ.get("FINFOCUS_PLUGIN_DIR"):
        return Path(environ["FINFOCUS_PLUGIN_DIR"])
    config = home / "config.hujson"
    if config.is_file():
        try:
            configured = read_hujson(config).get("plugin_dir")
        except (OSError, ValueError):
            configured = None
        if configured:
            return Path(os.path.expanduser(configured))
    return home / "plugins"


def executables(version_dir: Path) -> list[Path]:
    """The executable regular files of a version directory, by name (what findBinary chooses among)."""
    return sorted(path for path in version_dir.iterdir() if path.is_file() and os.access(path, os.X_OK))


@dataclass(frozen=True)
class ForeignPlugin:
    """A version directory the core would launch, that prices AWS or hides ours, and why it matters."""

    directory: Path
    why: str


def aws_plugins(plugins: Path, ours: set[Path]) -> list[ForeignPlugin]:
    """Version directories under plugins, other than ours, that would price AWS beside ours or hide it."""
    found = []
    if not plugins.is_dir():
        return found
    for name in sorted(entry for entry in plugins.iterdir() if entry.is_dir()):
        for version in sorted(entry for entry in name.iterdir() if entry.is_dir() and SEMVER.match(entry.name)):
            # A version directory without an executable is never launched (measured on v0.2.6).
            if version in ours or not executables(version):
                continue
            binaries = [path.name for path in executables(version) if path.name.startswith(BINARY)]
            if name.name == PLUGIN:
                why = (
                    f"another version of the {PLUGIN} plugin (upstream's router, from `finfocus plugin install "
                    f"{PLUGIN}`): FinFocus launches only the highest version of a name, so one of the two never runs"
                )
            elif name.name.startswith(PLUGIN) or binaries:
                why = (
                    f"another plugin that prices AWS ({', '.join(binaries) or name.name}): FinFocus asks it too, and "
                    "v0.2.6 adds both answers, counting every AWS price twice"
                )
            else:
                continue
            found.append(ForeignPlugin(version, why))
    return found
