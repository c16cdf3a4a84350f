"""The guide's "Calling the plugin" examples work as written.

Each curl command and the Python example run against region stand-ins (the
region of each port the examples use, from the default layout) with the
Cloud Map name pointed at them, and must print what the guide shows after
them; no curl line of the docs is left unrun. grpcurl and Go examples cannot
run here (no grpcurl or Go toolchain): they are parsed, and every grpcurl
line of the docs is read as grpcurl reads it, its protos compiled and its
method and request resolved against this repository. The browser example is
parsed here and runs in headless Chromium in tests/browser.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tree_sitter_go
import tree_sitter_javascript
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from grpc_tools import protoc
from tree_sitter import Language, Parser

from finfocus_ecs import module
from finfocus_ecs.module import default_region_ports
from finfocus_ecs.plugin_api import METHODS, SERVICE
from finfocus_ecs.project import DOCS_DIR, PACKAGE_DIR, REPO_ROOT
from tests.cli.standins import start_region, stop
from tests.docs.doc_code import GUIDE, command_lines, logical_lines, words

HOST = f"{module.default('service_discovery_name')}.{module.default('namespace_name')}"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def section() -> str:
    text = (DOCS_DIR / "ecs-deployment.md").read_text()
    return text.split("## 11. Calling the plugin", 1)[1].split("\n## ", 1)[0]


BLOCKS = FENCE.findall(section())


def examples(language: str, shown: str, contains: str = "") -> list[tuple[str, str]]:
    """(example, what the guide shows it prints) for each `language` block followed by a `shown` block."""
    return [
        (body, BLOCKS[index + 1][1])
        for index, (lang, body) in enumerate(BLOCKS[:-1])
        if lang == language and contains in body and BLOCKS[index + 1][0] == shown
    ]


def blocks(language: str, contains: str = "") -> list[str]:
    return [body for lang, body in BLOCKS if lang == language and contains in body]


@pytest.fixture(scope="module")
def ports() -> Iterator[dict[int, int]]:
    """Documented port => the port of a stand-in of that port's region, for every port the examples use."""
    used = {int(port) for port in re.findall(rf"{re.escape(HOST)}:(\d+)", section())}
    region_by_port = {port: region for region, port in default_region_ports().items()}
    started = {port: start_region(region_by_port[port]) for port in used}
    yield {port: bound for port, (_, bound) in started.items()}
    for process, _ in started.values():
        stop(process)


def pointed(text: str, ports: dict[int, int]) -> str:
    """The example with the Cloud Map name and documented ports replaced by the stand-ins' addresses."""
    return re.sub(rf"{re.escape(HOST)}:(\d+)", lambda match: f"127.0.0.1:{ports[int(match.group(1))]}", text)


def test_the_section_has_each_kind_of_example():
    assert len(examples("sh", "json", "curl")) >= 4
    assert len(examples("python", "text")) == 1
    assert len(blocks("go")) == 1 and len(blocks("js")) == 1 and len(blocks("sh", "grpcurl")) == 1


@pytest.mark.parametrize("example", examples("sh", "json", "curl"), ids=lambda item: item[0].split("Service/")[1][:40])
def test_curl_example_prints_what_the_guide_shows(ports, example):
    command, shown = example
    completed = subprocess.run(["sh", "-c", pointed(command, ports)], capture_output=True, text=True, timeout=30)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == json.loads(shown)


@pytest.mark.parametrize("example", examples("python", "text"), ids=["connectrpc"])
def test_python_example_prints_what_the_guide_shows(ports, example):
    program, shown = example
    environment = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR / "proto")}
    completed = subprocess.run(
        [sys.executable, "-c", pointed(program, ports)], capture_output=True, text=True, timeout=30, env=environment
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == shown.strip()


def test_every_curl_line_in_the_docs_is_one_the_tests_run():
    """A curl command with no output shown after it would be left out of the test above."""
    run = {line for command, _ in examples("sh", "json", "curl") for _, line in logical_lines(command)}
    shown = {line.text for line in command_lines("curl")}
    assert shown == run, f"shown, not run: {shown - run}; run, not shown: {run - shown}"
    assert len(run) >= 4


# grpcurl's flags (fullstorydev/grpcurl v1.9.3, cmd/grpcurl/grpcurl.go and unix.go), and those of them that take
# no value. Go's flag package reads `-flag value`, `-flag=value` and `--flag`, up to the first other word.
GRPCURL_FLAGS = {
    "H", "allow-unknown-fields", "alts", "alts-handshaker-service", "alts-target-service-account", "authority",
    "cacert", "cert", "connect-timeout", "d", "emit-defaults", "expand-headers", "format", "format-error", "help",
    "import-path", "insecure", "keepalive-time", "key", "max-msg-sz", "max-time", "msg-template", "plaintext",
    "proto", "proto-out-dir", "protoset", "protoset-out", "reflect-header", "rpc-header", "servername", "unix",
    "use-reflection", "user-agent", "v", "version", "vv",
}  # fmt: skip
GRPCURL_SWITCHES = {
    "allow-unknown-fields", "alts", "emit-defaults", "expand-headers", "format-error", "help", "insecure",
    "msg-template", "plaintext", "unix", "use-reflection", "v", "version", "vv",
}  # fmt: skip
GRPCURL_LINES = command_lines("grpcurl")


def grpcurl_arguments(arguments: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """(flag => values, the words after the flags), as grpcurl's flag parsing reads them."""
    flags: dict[str, list[str]] = {}
    remaining = iter(arguments)
    for word in remaining:
        if not word.startswith("-"):
            return flags, [word, *remaining]
        name, given, value = word.lstrip("-").partition("=")
        assert name in GRPCURL_FLAGS, f"grpcurl has no flag -{name}"
        flags.setdefault(name, []).append(value if given or name in GRPCURL_SWITCHES else next(remaining))
    return flags, []


def compiled(import_paths: list[Path], protos: list[str], into: Path) -> descriptor_pool.DescriptorPool:
    """The protos as protoc compiles them, with grpcurl's import paths: what grpcurl would know."""
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    included = [f"-I{path}" for path in [*import_paths, well_known]]
    out = into / "protos.pb"
    assert protoc.main(["protoc", *included, "--include_imports", f"--descriptor_set_out={out}", *protos]) == 0
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file:
        pool.Add(file)
    return pool


def test_the_guide_shows_grpcurl_lines():
    """So that the parametrized test below has lines to read (an empty list would make it skip)."""
    assert sum(line.path == GUIDE for line in GRPCURL_LINES) >= 2


@pytest.mark.parametrize("line", GRPCURL_LINES, ids=str)
def test_grpcurl_line_resolves_against_the_repository(line, tmp_path):
    """Flags, import paths, protos, method, request and address, as grpcurl would resolve them.

    Web mode has no gRPC reflection (calling-the-plugin.md section 1.7), so
    the line must name protos; it runs from a clone of this repository.
    """
    flags, positional = grpcurl_arguments(words(line.text)[1:])
    assert "plaintext" in flags, f"{line}: the plugin speaks h2c, without -plaintext grpcurl tries TLS"
    assert "proto" in flags, f"{line}: web mode serves no reflection: name the protos (-proto)"
    import_paths = [REPO_ROOT / path for path in flags.get("import-path", [])]
    assert all(path.is_dir() for path in import_paths), f"{line}: no directory {flags['import-path']}"
    for proto in flags["proto"]:
        assert any((path / proto).is_file() for path in import_paths or [REPO_ROOT]), f"{line}: no {proto}"
    pool = compiled(import_paths or [REPO_ROOT], flags["proto"], tmp_path)

    assert len(positional) == 2, f"{line}: grpcurl takes the address and the method: {positional}"
    address, symbol = positional
    service_name, method_name = re.split(r"[/.](?=[^/.]+$)", symbol)
    method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
    request = message_factory.GetMessageClass(method.input_type)()
    json_format.Parse(flags.get("d", ["{}"])[0], request, ignore_unknown_fields="allow-unknown-fields" in flags)

    host, _, port = address.rpartition(":")
    assert host == HOST and int(port) in default_region_ports().values(), f"{line}: {address}"


@pytest.mark.parametrize(
    ("language", "grammar"), [("go", tree_sitter_go.language()), ("js", tree_sitter_javascript.language())]
)
def test_go_and_browser_examples_parse(language, grammar):
    [source] = blocks(language)
    tree = Parser(Language(grammar)).parse(source.encode())
    assert not tree.root_node.has_error, f"the {language} example does not parse"
    assert f"{HOST}:8001/" in source or f'{HOST}:8001"' in source


def test_every_path_in_the_section_is_a_method_of_the_service():
    named = set(re.findall(rf"/{re.escape(SERVICE)}/(\w+)", section())) - {"METHOD"}
    assert named and named <= set(METHODS), named - set(METHODS)
