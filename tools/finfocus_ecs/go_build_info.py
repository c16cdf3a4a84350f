"""What a Go binary says it is, read from the file without running it: the build information Go embeds.

Every Go binary built in module mode (Go 1.18 and later) carries a blob,
written by the linker, that `go version -m BINARY` prints: the main
package's path, the main module and its version, the dependencies and the
build settings (tags, -ldflags, GOOS, GOARCH). It survives stripping
(`-s -w`). Layout (Go's debug/buildinfo): the 14-byte magic
`\\xff Go buildinf:`, the pointer size, a flags byte (bit 2: strings follow
inline), padding to 32 bytes, then two length-prefixed (uvarint) strings:
the Go version and the module information, the latter framed by a 16-byte
sentinel at each end. Binaries of Go 1.17 and earlier point at their
strings instead; they are not read here (None), as a file that is no Go
binary at all.

Reading a file never runs it: this is how `connect` tells what a plugin in
FinFocus's directory is, whatever its directory is called.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = b"\xff Go buildinf:"
HEADER_SIZE = 32
INLINE_STRINGS = 0x2
SENTINEL_SIZE = 16


@dataclass(frozen=True)
class BuildInfo:
    """`go version -m` of one binary: Go version, main package path, main module and version, deps and settings."""

    go_version: str
    path: str = ""
    module: str = ""
    module_version: str = ""
    dependencies: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)


def _uvarint(data: bytes | mmap.mmap, offset: int) -> tuple[int, int]:
    """(value, offset after it) of an unsigned varint, as encoding/binary writes it."""
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, offset
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _string(data: bytes | mmap.mmap, offset: int) -> tuple[bytes, int]:
    length, offset = _uvarint(data, offset)
    if offset + length > len(data):
        raise ValueError("string runs past the end of the file")
    return bytes(data[offset : offset + length]), offset + length


def parse_module_info(go_version: str, text: str) -> BuildInfo:
    """The module information's lines (path, mod, dep, =>, build), as runtime/debug.ParseBuildInfo reads them."""
    path = module = module_version = ""
    dependencies: dict[str, str] = {}
    settings: dict[str, str] = {}
    for line in text.splitlines():
        kind, _, rest = line.partition("\t")
        fields = rest.split("\t")
        if kind == "path":
            path = rest
        elif kind == "mod" and fields:
            module, module_version = fields[0], fields[1] if len(fields) > 1 else ""
        elif kind == "dep" and len(fields) >= 2:
            dependencies[fields[0]] = fields[1]
        elif kind == "build":
            key, _, value = rest.partition("=")
            settings[key] = value.strip('"')
    return BuildInfo(go_version, path, module, module_version, dependencies, settings)


def read(binary: Path) -> BuildInfo | None:
    """The build information of binary, or None: not a Go binary, one before Go 1.18, or unreadable."""
    try:
        with binary.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            start = data.find(MAGIC)
            while start != -1:
                try:
                    return _decode(data, start)
                except (ValueError, IndexError):
                    start = data.find(MAGIC, start + 1)
    except (OSError, ValueError):  # unreadable, or empty (mmap of 0 bytes)
        return None
    return None


def _decode(data: mmap.mmap, start: int) -> BuildInfo | None:
    if data[start + len(MAGIC) + 1] & INLINE_STRINGS == 0:
        return None
    go_version, offset = _string(data, start + HEADER_SIZE)
    module_info, _ = _string(data, offset)
    if not go_version.startswith(b"go"):
        raise ValueError("no Go version after the magic")
    # The sentinels (binary bytes) frame the text, whose last line ends with a newline.
    if len(module_info) >= 2 * SENTINEL_SIZE + 1 and module_info[-SENTINEL_SIZE - 1 : -SENTINEL_SIZE] == b"\n":
        module_info = module_info[SENTINEL_SIZE:-SENTINEL_SIZE]
    else:
        module_info = b""
    return parse_module_info(go_version.decode(errors="replace"), module_info.decode(errors="replace"))
