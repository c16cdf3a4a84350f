"""Regenerate the Python code of the .proto files beside this module.

`python -m finfocus_ecs.proto.generate` (or `make proto`) writes, for each
.proto: `*_pb2.py` and `*_pb2.pyi` (google.protobuf, from grpcio-tools'
protoc) and `*_connect.py` (connectrpc's client and ASGI application, from
protoc-gen-connectrpc with `protobuf=google`, so both use the same message
classes as grpcio). Both generators are pinned in the test extra; the tests
regenerate into a scratch directory and compare, so the checked-in code
cannot drift from the .proto.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_connect.py")


class GeneratorMissing(RuntimeError):
    """grpcio-tools or protoc-gen-connectrpc is not installed (pip install -e '.[test]')."""


# The .proto files code is generated from: ours. grpc/health/v1/health.proto is shipped for grpcurl only
# (grpcio-health-checking brings the Python code, and a second copy would clash in protobuf's pool).
GENERATED_FROM = "finfocus"


def proto_files(root: Path = PROTO_ROOT) -> list[Path]:
    """Every .proto code is generated from, relative to root: protoc names them so in the descriptors."""
    return sorted(path.relative_to(root) for path in (root / GENERATED_FROM).rglob("*.proto"))


def generated_files(root: Path = PROTO_ROOT) -> list[Path]:
    """The generated files under root, relative to it."""
    return sorted(path.relative_to(root) for suffix in GENERATED_SUFFIXES for path in root.rglob(f"*{suffix}"))


def _connect_plugin() -> str:
    found = shutil.which("protoc-gen-connectrpc", path=str(Path(sys.executable).parent)) or shutil.which(
        "protoc-gen-connectrpc"
    )
    if found is None:
        raise GeneratorMissing("protoc-gen-connectrpc is not installed: pip install -e '.[test]'")
    return found


def generate(into: Path, root: Path = PROTO_ROOT) -> list[Path]:
    """Write the generated code of every .proto under root into the directory into; return what it wrote."""
    try:
        from grpc_tools import protoc
    except ImportError:
        raise GeneratorMissing("grpcio-tools is not installed: pip install -e '.[test]'") from None
    arguments = [
        "protoc",
        f"-I{root}",
        f"--python_out={into}",
        f"--pyi_out={into}",
        f"--plugin=protoc-gen-connectrpc={_connect_plugin()}",
        f"--connectrpc_out={into}",
        "--connectrpc_opt=protobuf=google",
        *map(str, proto_files(root)),
    ]
    if protoc.main(arguments) != 0:
        raise RuntimeError(f"protoc failed: {' '.join(arguments)}")
    return generated_files(into)


def stale(root: Path = PROTO_ROOT) -> list[Path]:
    """Generated files that differ from what the .proto files give now, or that are missing or extra."""
    with tempfile.TemporaryDirectory(prefix="finfocus-proto-") as scratch:
        fresh = {path: (Path(scratch) / path).read_bytes() for path in generate(Path(scratch), root)}
    current = {path: (root / path).read_bytes() for path in generated_files(root)}
    return sorted(path for path in fresh.keys() | current.keys() if fresh.get(path) != current.get(path))


def main() -> int:
    if "--check" in sys.argv[1:]:
        differing = stale()
        for path in differing:
            print(f"stale: {PROTO_ROOT / path}", file=sys.stderr)
        return 1 if differing else 0
    written = generate(PROTO_ROOT)
    print("\n".join(str(PROTO_ROOT / path) for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
