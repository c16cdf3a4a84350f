"""The module's releases, read from CHANGELOG.md: the one home of versions, their commits and upgrade notes.

Tests that start from an earlier release (tests/e2e/test_upgrade.py) take its
commit from here instead of a hash written into the test, and
tests/static/test_changelog.py holds the file to its rules: every commit in the
history, versions rising, an upgrade note for each breaking change, and the
version in pyproject.toml and the module's README equal to the newest release.

The layout it reads (Keep a Changelog, with two additions):

    ## [Unreleased]
    ## [0.4.1] - 2026-12-04
    Commit: <40 hex digits>
    ### Breaking
    - **key**: what breaks
    ### Upgrade notes
    - **key**: what to do
    ### Added / Changed / Fixed / Removed ...

A list entry runs on over lines indented by two spaces. Anything else between
headings (paragraphs, the file's introduction) is prose and not read.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from finfocus_ecs.project import REPO_ROOT

CHANGELOG = REPO_ROOT / "CHANGELOG.md"
UNRELEASED = "Unreleased"
BREAKING = "Breaking"
UPGRADE_NOTES = "Upgrade notes"

_RELEASE_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?\s*$")
_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COMMIT = re.compile(r"^Commit: (?P<commit>\S+)\s*$")
_FULL_HASH = re.compile(r"^[0-9a-f]{40}$")
_SECTION_HEADING = re.compile(r"^### (?P<name>.+?)\s*$")
_KEY = re.compile(r"^\*\*(?P<key>[a-z0-9][a-z0-9.-]*)\*\*:\s")


class ChangelogError(ValueError):
    """CHANGELOG.md does not have the layout this module reads; the message names the line."""


@dataclass(frozen=True)
class Release:
    """One `## [...]` section: a version (or Unreleased), its commit and its entries by heading."""

    version: str
    commit: str
    date: str
    breaking: list[str] = field(default_factory=list)
    upgrade_notes: list[str] = field(default_factory=list)
    sections: dict[str, list[str]] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        """The git tag a `?ref=` names for this release."""
        return f"v{self.version}"

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return parse_version(self.version)

    def breaking_without_note(self) -> list[str]:
        """The keys of breaking changes that have no upgrade note of the same key."""
        noted = {entry_key(note) for note in self.upgrade_notes}
        return [entry_key(entry) for entry in self.breaking if entry_key(entry) not in noted]


def parse_version(version: str) -> tuple[int, int, int]:
    """MAJOR.MINOR.PATCH as numbers; the module's versions carry no pre-release or build part."""
    match = _VERSION.match(version)
    if not match:
        raise ChangelogError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 0.4.1)")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def entry_key(entry: str) -> str:
    """The bold key an entry of Breaking or Upgrade notes starts with (`**key**: ...`), or '' without one."""
    match = _KEY.match(entry)
    return match["key"] if match else ""


def parse(text: str) -> list[Release]:
    """Every `## [...]` section of a changelog's text, as written (newest first), Unreleased included."""
    sections: list[tuple[int, re.Match[str], list[tuple[int, str]]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _RELEASE_HEADING.match(line)
        if heading:
            sections.append((number, heading, []))
        elif line.startswith("## "):
            raise ChangelogError(f"line {number}: {line!r} is not '## [X.Y.Z] - YYYY-MM-DD' or '## [{UNRELEASED}]'")
        elif sections:
            sections[-1][2].append((number, line))
    return [_release(number, heading, lines) for number, heading, lines in sections]


def _release(number: int, heading: re.Match[str], lines: list[tuple[int, str]]) -> Release:
    version, date = heading["version"], heading["date"] or ""
    commits = [(line_number, match["commit"]) for line_number, line in lines if (match := _COMMIT.match(line))]
    entries = _entries(lines)
    unkeyed = [entry for entry in entries.get(BREAKING, []) if not entry_key(entry)]
    if unkeyed:
        raise ChangelogError(
            f"[{version}] {BREAKING} has an entry without the '**key**: ' its upgrade note repeats: {unkeyed[0][:60]!r}"
        )
    if version == UNRELEASED:
        if date or commits:
            raise ChangelogError(f"line {number}: [{UNRELEASED}] has neither a date nor a commit until it is released")
        return Release(version, "", "", entries.get(BREAKING, []), entries.get(UPGRADE_NOTES, []), entries)
    parse_version(version)
    if not _DATE.match(date):
        raise ChangelogError(f"line {number}: [{version}] needs its date as ' - YYYY-MM-DD', not {date!r}")
    if len(commits) != 1:
        raise ChangelogError(
            f"line {number}: [{version}] needs exactly one 'Commit: <hash>' line, found {len(commits)}"
        )
    commit_line, commit = commits[0]
    if not _FULL_HASH.match(commit):
        raise ChangelogError(f"line {commit_line}: [{version}] names {commit!r}: give the full 40-digit commit hash")
    return Release(version, commit, date, entries.get(BREAKING, []), entries.get(UPGRADE_NOTES, []), entries)


def _entries(lines: list[tuple[int, str]]) -> dict[str, list[str]]:
    """Heading => its list entries, each joined into one line."""
    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in lines:
        heading = _SECTION_HEADING.match(line)
        if heading:
            if heading["name"] in entries:
                raise ChangelogError(f"line {number}: a second '### {heading['name']}' in one release")
            current = entries[heading["name"]] = []
        elif line.startswith("- ") and current is not None:
            current.append(line[2:].strip())
        elif line.startswith("  ") and line.strip() and current:
            current[-1] = f"{current[-1]} {line.strip()}"
        elif line.strip() and current is not None and not _COMMIT.match(line):
            raise ChangelogError(f"line {number}: {line[:60]!r} is neither a '- ' entry nor its indented continuation")
    return entries


def read(path: Path = CHANGELOG) -> list[Release]:
    """Every section of the changelog file, as written (newest first, Unreleased first)."""
    return parse(path.read_text(encoding="utf-8"))


def releases(path: Path = CHANGELOG) -> list[Release]:
    """The released versions, oldest first (what upgrade tests start from)."""
    return [release for release in reversed(read(path)) if release.version != UNRELEASED]


def unreleased(path: Path = CHANGELOG) -> Release:
    """The [Unreleased] section: the changes on the way to the next release."""
    found = [release for release in read(path) if release.version == UNRELEASED]
    if len(found) != 1:
        raise ChangelogError(f"{path.name} needs exactly one [{UNRELEASED}] section, found {len(found)}")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    """Print `TAG COMMIT` per release, oldest first: the tags a clone needs for `?ref=vX.Y.Z`."""
    parser = argparse.ArgumentParser(
        prog="python -m finfocus_ecs.changelog",
        description="List the module's releases from CHANGELOG.md, oldest first, as 'vX.Y.Z COMMIT' lines.",
        epilog='Tag them all: python -m finfocus_ecs.changelog | while read t c; do git tag "$t" "$c"; done',
    )
    parser.add_argument("--changelog", type=Path, default=CHANGELOG, help="the file to read (default: %(default)s)")
    arguments = parser.parse_args(argv)
    try:
        found = releases(arguments.changelog)
    except (OSError, ChangelogError) as error:
        print(f"error: {arguments.changelog}: {error}", file=sys.stderr)
        return 2
    for release in found:
        print(release.tag, release.commit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
