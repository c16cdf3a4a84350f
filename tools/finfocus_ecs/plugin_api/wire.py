"""What travels on a regional port: the service, its paths and its messages.

Every method is POST /finfocus.v1.CostSourceService/METHOD for Connect, gRPC
and gRPC-Web alike. The request and response classes of each method come
from the descriptor of our .proto, so a method is declared once, there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, message_factory
from google.protobuf.message import Message

from finfocus_ecs.proto.finfocus.v1 import costsource_pb2 as messages

SERVICE = "finfocus.v1.CostSourceService"
# grpc.health.v1, served beside it on every port (connect-go's grpchealth).
HEALTH_SERVICE = "grpc.health.v1.Health"


def path(method: str, service: str = SERVICE) -> str:
    """The HTTP path of a method, the same for every protocol."""
    return f"/{service}/{method}"


@dataclass(frozen=True)
class Method:
    """One unary method: its name, message classes and connectrpc's description of it."""

    name: str
    request: type[Message]
    response: type[Message]

    @property
    def path(self) -> str:
        return path(self.name)

    @property
    def info(self) -> Any:
        """connectrpc's description of the method (imported here: the local plugin has no connectrpc)."""
        from connectrpc.method import IdempotencyLevel, MethodInfo, StreamType

        return MethodInfo(
            name=self.name,
            service_name=SERVICE,
            input=self.request,
            output=self.response,
            idempotency_level=IdempotencyLevel.UNKNOWN,  # no idempotency option: POST only, as the plugin's
            stream_type=StreamType.UNARY,
        )


def _methods() -> dict[str, Method]:
    service = messages.DESCRIPTOR.services_by_name[SERVICE.rsplit(".", 1)[1]]
    return {
        method.name: Method(
            method.name,
            message_factory.GetMessageClass(method.input_type),
            message_factory.GetMessageClass(method.output_type),
        )
        for method in service.methods
    }


METHODS = _methods()


def to_json(message: Message) -> dict[str, Any]:
    """proto3 JSON as the plugin writes it: lowerCamelCase names, enums by name, zero values left out."""
    return json_format.MessageToDict(message)


def resource(
    resource_type: str, sku: str, region: str, tags: dict[str, str] | None = None, provider: str = "aws"
) -> messages.ResourceDescriptor:
    """A ResourceDescriptor for one resource in one region."""
    return messages.ResourceDescriptor(
        provider=provider, resource_type=resource_type, sku=sku, region=region, tags=tags or {}
    )
