"""Where this machine keeps the AWS provider: its filesystem mirror, found rather than configured.

Two jobs need it: terraform.py writes the mirror into the project's CLI
configuration (so `terraform init` installs from it), and shared_provider.py
starts the newest binary in it. Both import this module and it imports
neither, so each fact here (which provider, where, for which platform) has
one owner below both.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

MIRROR_ENV = "FINFOCUS_TF_PROVIDER_MIRROR"
REQUIRED_PROVIDER = ("hashicorp", "aws")
_SKIPPED_TOP_LEVEL = {"proc", "sys", "dev", "run", "tmp"}
_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64"}


def find_provider_mirror(search_root: Path = Path("/"), max_depth: int = 3) -> Path | None:
    """Find a filesystem mirror that holds the AWS provider, or None.

    A mirror is a directory whose child is a registry host directory holding
    `hashicorp/aws/VERSION/OS_ARCH`. Machine images put it in different places,
    so look (shallowly, a few milliseconds) rather than hard-code one.
    """
    override = os.environ.get(MIRROR_ENV)
    if override:
        return Path(override) if _holds_provider_host(Path(override)) else None

    def walk(directory: Path, depth: int) -> Path | None:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            return None
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if directory == search_root and entry.name in _SKIPPED_TOP_LEVEL:
                continue
            if Path(entry.path, *REQUIRED_PROVIDER).is_dir():
                return directory
            if depth < max_depth - 1:
                found = walk(Path(entry.path), depth + 1)
                if found:
                    return found
        return None

    return walk(search_root, 0)


def _holds_provider_host(mirror: Path) -> bool:
    return mirror.is_dir() and any(Path(child, *REQUIRED_PROVIDER).is_dir() for child in mirror.iterdir())


def newest_binary() -> Path | None:
    """The newest AWS provider in the machine's mirror, for this platform, or None."""
    mirror = find_provider_mirror()
    if mirror is None:
        return None
    found = [
        binary
        for host in mirror.iterdir()
        for version in Path(host, *REQUIRED_PROVIDER).glob("*")
        for binary in (version / platform_name()).glob("terraform-provider-aws*")
    ]
    return max(found, key=lambda path: _version_key(path.parent.parent.name), default=None)


def platform_name() -> str:
    """Terraform's name for this platform, as in a mirror's or a root's provider directories."""
    return f"{platform.system().lower()}_{_ARCHITECTURES.get(platform.machine(), platform.machine())}"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.replace("-", ".").split("."))
