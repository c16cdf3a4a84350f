"""The guide's "Calling the plugin" examples work as written.

Each curl command and the Python example run against region stand-ins (the
region of each port the examples use, from the default layout) with the
Cloud Map name pointed at them, and must print what the guide shows after
them. grpcurl and Go examples cannot run here (no grpcurl or Go
toolchain): they are parsed, and grpcurl's proto, import path and method are
checked against this repository. The browser example is parsed here and runs
in headless Chromium in tests/browser.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tree_sitter_go
import tree_sitter_javascript
from tree_sitter import Language, Parser

from finfocus_ecs.module import default_region_ports
from finfocus_ecs.plugin_api import METHODS, SERVICE
from finfocus_ecs.project import DOCS_DIR, PACKAGE_DIR, REPO_ROOT
from tests.cli.standins import start_region, stop

HOST = "aws-public.finfocus.local"
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


def test_grpcurl_example_names_a_proto_and_method_that_exist():
    [command] = blocks("sh", "grpcurl")
    words = shlex.split(command.replace("\\\n", " "))
    options = dict(itertools.pairwise(words))
    assert "-plaintext" in words, "the plugin speaks h2c: no TLS"
    proto = REPO_ROOT / options["-import-path"] / options["-proto"]
    assert proto.is_file(), proto
    json.loads(options["-d"])
    service, method = words[-1].split("/")
    assert service == SERVICE and method in METHODS
    assert words[-2] == f"{HOST}:8001"


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


def test_the_proto_the_guide_points_at_is_in_the_repository():
    assert Path(REPO_ROOT, "tools/finfocus_ecs/proto/finfocus/v1/costsource.proto").is_file()
