"""How every gRPC caller here opens a channel to a regional port: as FinFocus does (grpcio only)."""

from __future__ import annotations

from typing import Any

import grpc


def grpc_channel(host: str, port: int, options: list[tuple[str, Any]] | None = None) -> grpc.Channel:
    """A plaintext channel to host:port, as FinFocus opens one (no TLS, HTTP/2 prior knowledge)."""
    return grpc.insecure_channel(f"{host}:{port}", options=options or [])
