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
sums every answer: a second one counts each price twice, whatever its
directory is called (upstream's us-east-1 binary installed as
`aws-pricing/v1.0.0/finfocus-plugin-aws-pricing` is listed by the core as
"aws-pricing 0.1.8 aws", and summed; measured, section 7). So a plugin is
known by what its binary is: upstream's Go module, in the build
information every Go binary carries (go_build_info.py), read without
running it. And another version directory of our own name hides ours, or
ours hides it. aws_plugins() finds both kinds.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from finfocus_ecs import go_build_info

PLUGIN = "aws-public"
BINARY = f"finfocus-plugin-{PLUGIN}"
# The Go module of upstream's binaries, regional and router (its go.mod), as their build information names it.
UPSTREAM_MODULE = "github.com/rshade/finfocus-plugin-aws-public"
# What the core's semver parser (Masterminds/semver) takes for a version directory: 1.2.3, v1.2.3, 1.2, v1.
SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
# Upstream's regional build tags (.goreleaser.yaml, internal/pricing/embed_*.go): region_use1, region_apse2, ...
REGION_TAG = re.compile(r"\bregion_(gov|[a-z]{2})(se|ne|e|w|s|n|c)(\d)\b")
DIRECTIONS = {
    "e": "east",
    "w": "west",
    "s": "south",
    "n": "north",
    "c": "central",
    "se": "southeast",
    "ne": "northeast",
}


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


def configured_plugin_directory(environ: Mapping[str, str], home: Path) -> tuple[Path, str] | None:
    """(directory, what set it) when FINFOCUS_PLUGIN_DIR or config.hujson's plugin_dir sets one; None otherwise.

    Only cores after v0.2.6 read either: v0.2.6 reads HOME/plugins whatever they say (measured).
    """
    if environ.get("FINFOCUS_PLUGIN_DIR"):
        return Path(environ["FINFOCUS_PLUGIN_DIR"]), "FINFOCUS_PLUGIN_DIR"
    config = home / "config.hujson"
    if config.is_file():
        try:
            configured = read_hujson(config).get("plugin_dir")
        except (OSError, ValueError):
            configured = None
        if configured:
            return Path(os.path.expanduser(configured)), f"plugin_dir in {config}"
    return None


def plugin_directory(environ: Mapping[str, str], home: Path) -> Path:
    """Where the newest core reads plugins: FINFOCUS_PLUGIN_DIR, then config.hujson's plugin_dir, then HOME/plugins."""
    configured = configured_plugin_directory(environ, home)
    return configured[0] if configured else home / "plugins"


def executables(version_dir: Path) -> list[Path]:
    """The executable regular files of a version directory, by name (what findBinary chooses among)."""
    return sorted(path for path in version_dir.iterdir() if path.is_file() and os.access(path, os.X_OK))


def semver_key(name: str) -> tuple | None:
    """How the core orders version directories (Masterminds/semver); None for a name it skips."""
    match = SEMVER.match(name)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    return int(major), int(minor or 0), int(patch or 0), pre is None, pre or ""


def launched_binary(name: Path, version: Path) -> Path:
    """The file the core launches from a version directory (findBinary): by its region, its name, else the first."""
    patterns = [f"finfocus-plugin-{name.name}", name.name]
    metadata = version / "plugin.metadata.json"
    try:
        region = json.loads(metadata.read_text()).get("region", "") if metadata.is_file() else ""
    except (OSError, ValueError):
        region = ""
    if region:  # read by cores after v0.2.6
        patterns.insert(0, f"finfocus-plugin-{name.name}-{region}")
    for pattern in patterns:
        candidate = version / pattern
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return executables(version)[0]


def launched_version(name: Path) -> Path | None:
    """The version directory of a plugin name the core launches: the highest that holds an executable."""
    versions = [
        (key, version)
        for version in real_directories(name)
        if (key := semver_key(version.name)) is not None and executables(version)
    ]
    return max(versions)[1] if versions else None


def real_directories(directory: Path) -> list[Path]:
    """Sub-directories as the core lists them: os.ReadDir's IsDir() is false for a symbolic link."""
    return sorted(entry for entry in directory.iterdir() if entry.is_dir() and not entry.is_symlink())


def _region_of_tags(tags: str) -> str:
    """The region of a regional build, from its build tag (region_use1 => us-east-1, region_govw1 => us-gov-west-1)."""
    match = REGION_TAG.search(tags)
    if match is None:
        return ""
    geography, direction, number = match.groups()
    return f"{'us-gov' if geography == 'gov' else geography}-{DIRECTIONS[direction]}-{number}"


def upstream_binary(binary: Path) -> str | None:
    """What an upstream aws-public binary is ("upstream's aws-public us-east-1 binary v0.1.8"), read from its
    Go build information without running it; None for anything else (another module, not Go, unreadable)."""
    info = go_build_info.read(binary)
    if info is None or info.module != UPSTREAM_MODULE:
        return None
    injected = re.search(r"-X[= ]main\.version=(\S+)", info.settings.get("-ldflags", ""))
    version = injected.group(1) if injected else info.module_version
    version = "" if version in ("", "(devel)") else f" v{version.removeprefix('v')}"
    if info.path.endswith("-router"):
        return f"upstream's aws-public router{version}"
    region = _region_of_tags(info.settings.get("-tags", ""))
    return f"upstream's aws-public {region or 'regional'} binary{version}"


@dataclass(frozen=True)
class ForeignPlugin:
    """A version directory the core would launch, that prices AWS or hides ours: what it is, and why it matters."""

    directory: Path
    what: str
    why: str


def aws_plugins(plugins: Path, ours: set[Path], target: Path | None = None) -> list[ForeignPlugin]:
    """Version directories under plugins, other than ours, that would price AWS beside ours or hide it.

    A plugin counts as pricing AWS by what its launched binary is (upstream's
    module in its Go build information), whatever its directory is called; a
    binary with no build information to read (not Go, or a wrapper script) by
    its names (aws-public-..., finfocus-plugin-aws-public...), the only sign
    left. Under our own name every version with an executable counts: only
    the highest one runs. target is the version directory connect writes.
    """
    found: list[ForeignPlugin] = []
    if not plugins.is_dir():
        return found
    for name in real_directories(plugins):
        if name.name == PLUGIN:
            for version in real_directories(name):
                if version in ours or semver_key(version.name) is None or not executables(version):
                    continue
                binary = launched_binary(name, version)
                what = upstream_binary(binary) or f"a plugin FinFocus launches as {PLUGIN} ({binary.name})"
                if version == target:
                    why = "it is in the directory connect writes, and connect never writes beside a plugin it did not"
                else:
                    why = (
                        "FinFocus launches only the highest version of a plugin name, so one of the two would never run"
                    )
                found.append(ForeignPlugin(version, what, why))
            continue
        version = launched_version(name)
        if version is None or version in ours:
            continue
        binary = launched_binary(name, version)
        upstream = upstream_binary(binary)
        if upstream is not None:
            what = f"{upstream}, installed as {name.name}"
        elif go_build_info.read(binary) is None and (name.name.startswith(PLUGIN) or binary.name.startswith(BINARY)):
            what = f"{binary.name}, named as upstream's aws-public plugins are (not a Go binary whose build to read)"
        else:
            continue
        why = "FinFocus asks it too, and v0.2.6 adds both answers, counting every AWS price twice"
        found.append(ForeignPlugin(version, what, why))
    return found
