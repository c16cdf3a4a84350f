"""CHANGELOG.md against the history it names, and the version every other file states.

Rules (the changelog's introduction gives them to readers):
- each release names a full commit hash that is in this repository's history,
  releases in order, with the commit's own date;
- versions rise, and by what the release holds: a breaking change raises the
  major (the minor before 1.0.0), a patch release only fixes;
- each breaking change has an upgrade note of the same key, Unreleased too;
- pyproject.toml, the module's README and the `?ref=` usage lines name the
  newest release. The [Unreleased] section does not move them: they change in
  the release commit that turns [Unreleased] into a version;
- the module's Terraform is the newest release's, unless [Unreleased] lists a
  change: a module change cannot go out without a changelog entry.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finfocus_ecs import changelog
from finfocus_ecs.changelog import ChangelogError, Release
from finfocus_ecs.cli import app
from finfocus_ecs.project import DOCS_DIR, MODULE_DIR, REPO_ROOT

RELEASES = changelog.releases()
NEWEST = RELEASES[-1]
# What a user pins with: a git source with a release tag; and any other mention of a release's ref.
SOURCE_LINE = re.compile(r'source\s*=\s*"git::[^"]*//modules/finfocus_ecs\?ref=v[^"]+"')
REF = re.compile(r"\?ref=v(?P<version>[0-9][^\s\"`)]*)")
MODULE_VERSION_LINE = re.compile(r"^\*\*Version (?P<version>\S+)\*\*", re.MULTILINE)
# The module's README is generated documentation; every other file of the module is what a release ships.
MODULE_SHIPPED = [str(MODULE_DIR.relative_to(REPO_ROOT)), f":(exclude){MODULE_DIR.relative_to(REPO_ROOT)}/README.md"]


def git(*args: str, repo: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)


def commits_not_in_history(releases: list[Release], repo: Path = REPO_ROOT) -> list[str]:
    """Each release whose commit is not an ancestor of HEAD, with why; a shallow clone says so first."""
    if git("rev-parse", "--is-shallow-repository", repo=repo).stdout.strip() == "true":
        return [
            f"{repo} is a shallow clone: the releases' commits are not in it. "
            "Clone the whole history (git fetch --unshallow) to check CHANGELOG.md"
        ]
    return [
        f"{release.version} names {release.commit}, which is not in HEAD's history"
        for release in releases
        if git("merge-base", "--is-ancestor", release.commit, "HEAD", repo=repo).returncode != 0
    ]


def test_each_release_names_a_commit_of_this_history():
    assert commits_not_in_history(RELEASES) == []


def test_a_shallow_clone_fails_with_the_reason(tmp_path):
    clone = tmp_path / "shallow"
    made = subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{REPO_ROOT}", str(clone)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    [problem] = commits_not_in_history(RELEASES, repo=clone)
    assert "shallow clone" in problem and "--unshallow" in problem


def test_releases_follow_the_history_in_order():
    for older, newer in itertools.pairwise(RELEASES):
        assert older.version_tuple < newer.version_tuple, f"{newer.version} must be above {older.version}"
        assert git("merge-base", "--is-ancestor", older.commit, newer.commit).returncode == 0, (
            f"{older.version}'s commit comes after {newer.version}'s"
        )


@pytest.mark.parametrize("release", RELEASES, ids=lambda release: release.version)
def test_release_date_is_its_commits(release):
    assert git("show", "-s", "--format=%cs", release.commit).stdout.strip() == release.date


@pytest.mark.parametrize(
    ("previous", "release"), list(itertools.pairwise(RELEASES)), ids=lambda release: release.version
)
def test_version_rises_by_what_the_release_holds(previous, release):
    (major, minor, _), (last_major, last_minor, _) = release.version_tuple, previous.version_tuple
    if release.breaking:
        # Semantic versioning: before 1.0.0 a breaking change raises the minor version.
        assert (major, minor) > (last_major, last_minor) and (major > last_major or last_major == 0), (
            f"{release.version} breaks, so its major version (its minor before 1.0.0) must rise"
        )
    if (major, minor) == (last_major, last_minor):
        kinds = set(release.sections) - {"Fixed", "Security", changelog.UPGRADE_NOTES}
        assert not kinds, f"{release.version} is a patch release, which only fixes; it lists {sorted(kinds)}"


@pytest.mark.parametrize("release", [*RELEASES, changelog.unreleased()], ids=lambda release: release.version)
def test_each_breaking_change_has_an_upgrade_note(release):
    assert release.breaking_without_note() == []


def test_a_breaking_change_without_its_note_is_found():
    text = """## [Unreleased]

## [1.0.0] - 2026-12-04

Commit: a152ee922e87dfbf7dc4e359eb271943ded75b24

### Breaking

- **renamed-input**: `name` is now `service_name`.
- **new-iam**: the deployer needs `ecs:TagResource`.

### Upgrade notes

- **new-iam**: grant it.
"""
    [_, release] = changelog.parse(text)
    assert release.breaking_without_note() == ["renamed-input"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("Commit: a152ee9", "full 40-digit commit hash"),
        ("", "exactly one 'Commit: <hash>' line"),
        ("Commit: a152ee922e87dfbf7dc4e359eb271943ded75b24\n\n### Breaking\n\n- renamed `name`.", "'**key**: '"),
        (
            "Commit: a152ee922e87dfbf7dc4e359eb271943ded75b24\n\nA paragraph.\n\n### Fixed\n\nprose",
            "neither a '- ' entry",
        ),
    ],
    ids=["short hash", "no commit", "breaking without key", "prose in a section"],
)
def test_a_malformed_release_is_refused_naming_the_fault(entry, message):
    with pytest.raises(ChangelogError, match=re.escape(message)):
        changelog.parse(f"## [0.5.0] - 2026-12-05\n\n{entry}\n")


@pytest.mark.parametrize("heading", ["## [v0.5.0] - 2026-12-05", "## [0.5.0] - 5 Dec 2026", "## 0.5.0"])
def test_a_malformed_heading_is_refused(heading):
    with pytest.raises(ChangelogError):
        changelog.parse(f"{heading}\n\nCommit: a152ee922e87dfbf7dc4e359eb271943ded75b24\n")


def test_pyproject_names_the_newest_release():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == NEWEST.version


def test_module_readme_names_the_newest_release():
    assert MODULE_VERSION_LINE.findall((MODULE_DIR / "README.md").read_text()) == [NEWEST.version]


@pytest.mark.parametrize("document", [REPO_ROOT / "README.md", DOCS_DIR / "ecs-deployment.md"], ids=lambda p: p.name)
def test_usage_line_pins_a_release_with_a_git_source(document):
    assert SOURCE_LINE.search(document.read_text()), f"{document.name} shows no git source pinned with ?ref=vX.Y.Z"


@pytest.mark.parametrize(
    "document",
    [REPO_ROOT / "README.md", DOCS_DIR / "ecs-deployment.md", MODULE_DIR / "README.md"],
    ids=lambda p: str(p.relative_to(REPO_ROOT)),
)
def test_every_ref_names_the_newest_release(document):
    versions = [match["version"] for match in REF.finditer(document.read_text())]
    assert versions and set(versions) == {NEWEST.version}, versions


def test_command_line_prints_the_newest_release():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.split() == ["finfocus-ecs", NEWEST.version], result.stdout


def test_module_changes_since_the_newest_release_are_in_unreleased():
    """The module's files (README aside) as in the working tree, against the newest release's commit."""
    changed = git("diff", "--name-only", NEWEST.commit, "--", *MODULE_SHIPPED)
    added = git("ls-files", "--others", "--exclude-standard", "--", *MODULE_SHIPPED)
    assert changed.returncode == added.returncode == 0, changed.stderr + added.stderr
    files = changed.stdout.split() + added.stdout.split()
    if files:
        assert changelog.unreleased().sections, (
            f"{', '.join(files)} changed since {NEWEST.version} ({NEWEST.commit[:12]}), and [Unreleased] in "
            "CHANGELOG.md is empty: say what changed for the roots that call the module"
        )
