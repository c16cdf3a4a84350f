"""The plugin's API, owned in one place: messages and paths, the plugin's own words, clients and errors.

`price`, `verify`, `connect`'s local plugin, the rehearsal's probe, the
benchmarks and the stand-in region binary all go through here, so a path, a
field name, an error text or a unit is written once.
"""

from finfocus_ecs.plugin_api.client import (
    PROTOCOLS,
    HealthCheck,
    PluginClient,
    Protocol,
    grpc_channel,
    health_check,
    resolve,
)
from finfocus_ecs.plugin_api.errors import CAUSES, Kind, PluginError, flatten, unflatten
from finfocus_ecs.plugin_api.wire import HEALTH_SERVICE, METHODS, SERVICE, messages, path, resource, to_json

__all__ = [
    "CAUSES",
    "HEALTH_SERVICE",
    "METHODS",
    "PROTOCOLS",
    "SERVICE",
    "HealthCheck",
    "Kind",
    "PluginClient",
    "PluginError",
    "Protocol",
    "flatten",
    "grpc_channel",
    "health_check",
    "messages",
    "path",
    "resolve",
    "resource",
    "to_json",
    "unflatten",
]
