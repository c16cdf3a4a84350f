"""The plugin's API, owned in one place: messages and paths, the plugin's own words, clients and errors.

`price`, `verify`, `connect`'s local plugin, the rehearsal's probe, the
benchmarks and the stand-in region binary all go through here, so a path, a
field name, an error text or a unit is written once.

The clients (client.py: connectrpc, pyqwest, grpcio) are imported when first
named: the local plugin that `connect` installs beside the FinFocus CLI
carries only grpcio and protobuf, and uses wire.py, errors.py, facts.py and
transport.py.
"""

from __future__ import annotations

from typing import Any

from finfocus_ecs.plugin_api.errors import CAUSES, Kind, PluginError, flatten, unflatten
from finfocus_ecs.plugin_api.transport import grpc_channel
from finfocus_ecs.plugin_api.wire import HEALTH_SERVICE, METHODS, SERVICE, messages, path, resource, to_json

_CLIENT_NAMES = ("PROTOCOLS", "HealthCheck", "PluginClient", "Protocol", "health_check", "resolve")

__all__ = [
    "CAUSES",
    "HEALTH_SERVICE",
    "METHODS",
    "SERVICE",
    "Kind",
    "PluginError",
    "flatten",
    "grpc_channel",
    "messages",
    "path",
    "resource",
    "to_json",
    "unflatten",
    *_CLIENT_NAMES,
]


def __getattr__(name: str) -> Any:
    if name in _CLIENT_NAMES:
        from finfocus_ecs.plugin_api import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
