"""What a release of the plugin reports and accepts, and what its SDK puts on the wire.

The releases are in releases.json (with their sources). What changes with
the SDK (finfocus-spec) a release builds against is decided here, from its
version, in one place (calling-the-plugin.md sections 1, 3.6 and 8):

- v0.6.0: GetProjectedCostResponse.metadata (the defaults applied);
- v0.6.2: the SDK no longer asks its plugin registry before Supports, so the
  plugin's own Supports answer reaches the caller (with the SDK's
  capabilities), and web mode keeps an error's real code (Connect
  failed_precondition, HTTP 400; gRPC status 9) instead of flattening it to
  unknown with the code in the text;
- v0.7.0: GetProjectedCostResponse.cost_breakdown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

RELEASES_FILE = Path(__file__).with_name("releases.json")


def version_key(version: str) -> tuple[int, ...]:
    """(0, 6, 2) of "v0.6.2" or "0.6.2", for comparing releases."""
    return tuple(int(part) for part in version.lstrip("v").split("-")[0].split("."))


@dataclass(frozen=True)
class Release:
    """One release of the plugin: its version (no `v`), the SDK it builds against, and how it takes its port."""

    version: str
    spec_version: str
    port_flag: bool
    inferred: bool = False
    # What GetPluginInfo adds: capability names (PLUGIN_CAPABILITY_...) and metadata beside region and type.
    capabilities: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    def _sdk_at_least(self, version: str) -> bool:
        return version_key(self.spec_version) >= version_key(version)

    @property
    def projected_metadata(self) -> bool:
        return self._sdk_at_least("v0.6.0")

    @property
    def supports_reaches_plugin(self) -> bool:
        return self._sdk_at_least("v0.6.2")

    @property
    def errors_keep_their_code(self) -> bool:
        return self._sdk_at_least("v0.6.2")

    @property
    def cost_breakdown(self) -> bool:
        return self._sdk_at_least("v0.7.0")


@cache
def releases() -> dict[str, Release]:
    """Every release with known facts, by version."""
    entries = json.loads(RELEASES_FILE.read_text())["releases"]
    return {
        version: Release(version, **{**facts, "capabilities": tuple(facts.get("capabilities", ()))})
        for version, facts in entries.items()
    }


def release(version: str) -> Release:
    """The facts of a release; ValueError names the known ones when there are none."""
    found = releases().get(version.lstrip("v"))
    if found is None:
        raise ValueError(f"no facts for plugin release {version!r}: known releases are {', '.join(releases())}")
    return found
