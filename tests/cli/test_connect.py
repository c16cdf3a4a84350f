"""`finfocus-ecs connect`: the local plugin it installs, as the FinFocus core finds, launches and calls it.

The deployment is region stand-ins on loopback (tests/cli/standins.py); the
FinFocus core is tests/core_standin.py (its docstring lists what it does
not reproduce), in both its modes: v0.2.6 as measured, and today's core
(v0.4) as read from its source. Every test that runs the core runs it in
both. The same core runs through the port bridge in network namespaces in
tests/netns/test_clients_through_bridge.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from finfocus_ecs.connect import install
from finfocus_ecs.finfocus_plugins import finfocus_home, plugin_directory
from finfocus_ecs.local_plugin import serve
from finfocus_ecs.plugin_api import METHODS, SERVICE, messages, resource
from finfocus_ecs.rehearsal.region_service import price_table
from tests.checkouts import checkout_copy
from tests.cli.standins import IMAGE_ENV, refused, start_region, stop
from tests.commands import run_cli
from tests.core_standin import MODES

CORE = Path(__file__).parents[1] / "core_standin.py"
VERSION_DIR = Path("aws-public", "v0.1.8")
REGIONS = ("us-east-1", "eu-west-1", "sa-east-1")


def mapping(ports: dict[str, int]) -> str:
    return ",".join(f"{region}={port}" for region, port in ports.items())


def connect(plugins: Path, ports: dict[str, int], *arguments: str, cli=run_cli) -> subprocess.CompletedProcess[str]:
    return cli("connect", "127.0.0.1", "--region-ports", mapping(ports), "--plugin-dir", str(plugins), *arguments)


def instance(region: str, sku: str = "t3.micro") -> dict:
    """A Pulumi resource as the core reads it from a preview."""
    return {
        "urn": f"urn:pulumi:dev::shop::aws:ec2/instance:Instance::web-{region}",
        "type": "aws:ec2/instance:Instance",
        "properties": {"instanceType": sku, "availabilityZone": f"{region}a", "ami": "ami-0abcdef1234567890"},
    }


def monthly(region: str) -> float:
    return price_table()["ec2"]["prices"][region]["t3.micro"] * 730


def run_core(mode: str, plugins: Path, resources: list[dict], tmp_path: Path, **env: str) -> tuple[dict, str]:
    """The core stand-in over a plugin directory (FINFOCUS_PLUGIN_DIR today, FINFOCUS_HOME/plugins in v0.2.6)."""
    resources_file = tmp_path / f"resources-{mode}.json"
    resources_file.write_text(json.dumps(resources))
    where = {"FINFOCUS_PLUGIN_DIR": str(plugins)} if mode == "v0.4" else {"FINFOCUS_HOME": str(plugins.parent)}
    assert mode == "v0.4" or plugins.name == "plugins", "v0.2.6 reads HOME/plugins only"
    completed = subprocess.run(
        [sys.executable, str(CORE), "--mode", mode, str(resources_file)],
        capture_output=True,
        text=True,
        env={**os.environ, **where, **env},
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout), completed.stderr


def by_region(report: dict) -> dict[str, dict]:
    return {result["urn"].split("web-")[1]: result for result in report["results"]}


@pytest.fixture(scope="module")
def deployment() -> Iterator[dict[str, int]]:
    """Three region stand-ins: region => port."""
    with ThreadPoolExecutor(max_workers=len(REGIONS)) as pool:
        started = dict(zip(REGIONS, pool.map(start_region, REGIONS), strict=True))
    yield {region: port for region, (_, port) in started.items()}
    for process, _ in started.values():
        stop(process)


@pytest.mark.parametrize(
    ("environment", "expected_home", "expected_plugins"),
    [
        ({"FINFOCUS_HOME": "/f", "PULUMI_HOME": "/p", "HOME": "/h"}, "/f", "/f/plugins"),
        ({"PULUMI_HOME": "/p", "HOME": "/h"}, "/p/finfocus", "/p/finfocus/plugins"),
        ({"HOME": "/h"}, "/h/.finfocus", "/h/.finfocus/plugins"),
        ({}, ".finfocus", ".finfocus/plugins"),
        ({"FINFOCUS_HOME": "/f", "FINFOCUS_PLUGIN_DIR": "/d"}, "/f", "/d"),
    ],
)
def test_home_and_plugin_directory_are_resolved_as_the_core_resolves_them(environment, expected_home, expected_plugins):
    home = finfocus_home(environment)
    assert (home, plugin_directory(environment, home)) == (Path(expected_home), Path(expected_plugins))


def test_config_hujson_plugin_dir_is_read_as_todays_core_reads_it(tmp_path):
    (tmp_path / "config.hujson").write_text('{\n  // where plugins live\n  "plugin_dir": "/srv/finfocus-plugins",\n}\n')
    assert plugin_directory({}, tmp_path) == Path("/srv/finfocus-plugins")


@pytest.mark.parametrize("mode", MODES)
def test_the_core_prices_through_the_plugin_connect_writes(deployment, tmp_path, mode):
    plugins = tmp_path / "plugins"
    completed = connect(plugins, deployment, "--json")
    assert completed.returncode == 0, completed.stderr
    written = json.loads(completed.stdout)
    directory = plugins / VERSION_DIR
    assert written["directory"] == str(directory), "named as `finfocus plugin install` names a release: v0.1.8"
    assert sorted(Path(path).name for path in written["files"]) == [
        "finfocus-ecs.json",
        "finfocus-plugin-aws-public",
        "lib",
    ]
    assert os.access(directory / "finfocus-plugin-aws-public", os.X_OK)

    with refused() as dead_port:
        # Three live regions, and by hand a fourth whose port refuses (its process is down).
        settings = json.loads((directory / "finfocus-ecs.json").read_text())
        settings["region_ports"]["us-west-2"] = dead_port
        (directory / "finfocus-ecs.json").write_text(json.dumps(settings))
        report, log = run_core(mode, plugins, [instance(r) for r in (*REGIONS, "eu-central-1", "us-west-2")], tmp_path)
    [plugin] = report["plugins"]
    assert (plugin["name"], plugin["version"], plugin["launches"]) == ("aws-public", "v0.1.8", 1)
    assert plugin["plugin_name"] == "finfocus-plugin-aws-public"
    assert "region" not in plugin["info"]["metadata"], "no region of its own: the core asks it for every resource"
    results = by_region(report)
    assert {region: results[region]["cost_per_month"] for region in REGIONS} == {
        region: pytest.approx(monthly(region)) for region in REGIONS
    }
    missing, down = results["eu-central-1"], results["us-west-2"]
    assert missing["shown"] == down["shown"] == "plugin call failed: no cost data available"
    if mode == "v0.4":  # Supports declines the region, so the core never asks for a price there
        assert missing["errors"] == []
        assert "eu-central-1 is not served by the deployment at 127.0.0.1" in log
    else:
        assert [error["code"] for error in missing["errors"]] == ["FAILED_PRECONDITION"]
        assert "eu-central-1 is not served by the deployment at 127.0.0.1" in missing["errors"][0]["message"]
    assert [error["code"] for error in down["errors"]] == ["UNAVAILABLE"]
    assert max(result["seconds"] for result in report["results"]) < 4, "each failure inside the plugin's 3 s bound"
    assert report["gone_after_sigkill"] == {"aws-public": True}
    with socket.socket() as again:  # nothing listens there any more (the closed connections may wait in TIME_WAIT)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", plugin["port"]))


def regional_plugin(plugins: Path, region: str) -> Path:
    """A regional plugin as `finfocus plugin install` lays one out (aws-public-REGION/v0.1.8/finfocus-plugin-...)."""
    binary = plugins / f"aws-public-{region}" / "v0.1.8" / f"finfocus-plugin-aws-public-{region}"
    binary.parent.mkdir(parents=True)
    program = binary.parent / "region.py"  # not executable: the core never picks it
    program.write_text(
        f"import sys\nfrom finfocus_ecs.rehearsal.region_server import main\nsys.exit(main({region!r}, sys.argv[1:]))\n"
    )
    environment = " ".join(f"{name}={value}" for name, value in IMAGE_ENV.items())
    binary.write_text(f'#!/bin/sh\nexec env {environment} {sys.executable} {program} "$@"\n')
    binary.chmod(0o755)
    return binary.parent


@pytest.mark.parametrize("mode", MODES)
def test_another_aws_plugin_counts_every_price_twice_until_set_aside(deployment, tmp_path, mode):
    """v0.2.6 adds every plugin's answer: connect refuses beside another AWS plugin, or sets it aside until --remove."""
    plugins = tmp_path / "plugins"
    assert connect(plugins, deployment).returncode == 0
    regional = regional_plugin(plugins, "us-east-1")  # installed later, with `finfocus plugin install`
    doubled, _ = run_core(mode, plugins, [instance("us-east-1")], tmp_path)
    assert sorted(answer["plugin"] for answer in by_region(doubled)["us-east-1"]["answers"]) == [
        "aws-public",
        "aws-public-us-east-1",
    ]
    assert by_region(doubled)["us-east-1"]["cost_per_month"] == pytest.approx(2 * monthly("us-east-1"))

    refusal = connect(plugins, deployment)
    assert refusal.returncode == 1
    text = " ".join(refusal.stderr.split())
    assert f"{regional}: another plugin that prices AWS (finfocus-plugin-aws-public-us-east-1)" in text
    assert "counting every AWS price twice" in text and "--set-aside" in text and f"rm -r {regional}" in text

    aside = connect(plugins, deployment, "--set-aside", "--json")
    assert aside.returncode == 0, aside.stderr
    assert [entry["from"] for entry in json.loads(aside.stdout)["set_aside"]] == [str(regional)]
    assert not regional.exists()
    single, _ = run_core(mode, plugins, [instance("us-east-1")], tmp_path)
    assert by_region(single)["us-east-1"]["cost_per_month"] == pytest.approx(monthly("us-east-1"))

    removed = run_cli("connect", "--remove", "--plugin-dir", str(plugins), "--json")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["restored"] == [str(regional)]
    assert sorted(path.relative_to(plugins) for path in plugins.rglob("*") if path.is_file()) == [
        regional.relative_to(plugins) / "finfocus-plugin-aws-public-us-east-1",
        regional.relative_to(plugins) / "region.py",
    ]


def test_an_upstream_router_in_aws_public_is_refused_and_kept(deployment, tmp_path):
    """`finfocus plugin install aws-public` puts upstream's router in aws-public/: one of the two would never run."""
    plugins = tmp_path / "plugins"
    upstream = plugins / "aws-public" / "v0.1.10" / "finfocus-plugin-aws-public"
    upstream.parent.mkdir(parents=True)
    upstream.write_bytes(b"\x7fELF upstream router")
    upstream.chmod(0o755)
    completed = connect(plugins, deployment)
    assert completed.returncode == 1
    assert "another version of the aws-public plugin (upstream's router" in " ".join(completed.stderr.split())
    assert [path for path in plugins.rglob("*") if path.is_file()] == [upstream]
    assert upstream.read_bytes() == b"\x7fELF upstream router"
    removed = run_cli("connect", "--remove", "--plugin-dir", str(plugins))
    assert removed.returncode == 0 and upstream.exists(), "--remove leaves a plugin it did not write"


@pytest.fixture
def moved_checkout(tmp_path) -> Path:
    """A copy of this checkout with its own environment, as a user's clone is: connect runs from it."""
    return checkout_copy(tmp_path / "checkout")


@pytest.mark.parametrize("mode", MODES)
def test_the_plugin_keeps_working_when_the_checkout_is_gone(deployment, tmp_path, moved_checkout, mode):
    """Launched from lib/ with this machine's Python: deleting the checkout and its .venv changes nothing."""
    plugins = tmp_path / "plugins"

    def from_copy(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [str(moved_checkout / ".venv" / "bin" / "finfocus-ecs"), *arguments]
        return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)

    assert connect(plugins, deployment, cli=from_copy).returncode == 0
    launcher = (plugins / VERSION_DIR / "finfocus-plugin-aws-public").read_text()
    assert str(moved_checkout) not in launcher
    shutil.rmtree(moved_checkout)
    started = time.perf_counter()
    report, _ = run_core(mode, plugins, [instance(region) for region in REGIONS], tmp_path)
    seconds = time.perf_counter() - started
    assert {region: result.get("cost_per_month") for region, result in by_region(report).items()} == {
        region: pytest.approx(monthly(region)) for region in REGIONS
    }
    # Not a speed check (make bench measures that: about 0.3 s): the failure guarded against waits 60 s a launch.
    assert seconds < 30, f"{seconds:.1f} s"


@pytest.mark.parametrize("mode", MODES)
def test_a_plugin_whose_python_is_gone_fails_at_once_and_says_what_to_run(deployment, tmp_path, mode):
    """Not the five minutes of relaunches a plugin that never binds costs (measured on v0.2.6: 301.6 s)."""
    plugins = tmp_path / "plugins"
    install(plugins, "127.0.0.1", deployment, "0.1.8", "v0.6.0", python=str(tmp_path / "gone" / "python3.11"))
    started = time.perf_counter()
    report, log = run_core(mode, plugins, [instance("us-east-1")], tmp_path, FINFOCUS_CORE_STANDIN_TERMINAL="1")
    seconds = time.perf_counter() - started
    assert report["plugins"] == [], "dropped after its first call failed"
    assert by_region(report)["us-east-1"]["shown"] == "plugin call failed: no cost data available"
    assert f"its Python, {tmp_path / 'gone' / 'python3.11'}, is gone" in log
    assert "Run `finfocus-ecs connect 127.0.0.1` again from a finfocus-ecs checkout" in log
    # Not a speed check (make bench measures that: about 0.3 s): the failure guarded against waits 60 s a launch.
    assert seconds < 30, f"{seconds:.1f} s"


def test_a_plugin_that_never_binds_is_relaunched_and_costs_the_core_minutes(tmp_path):
    """What a launcher that just exits costs (the plugin connect wrote before): 6 bind waits of 60 s in v0.2.6.

    The wait is shortened here (FINFOCUS_CORE_STANDIN_BIND_SECONDS); the launches are the core's.
    """
    plugins = tmp_path / "plugins"
    binary = plugins / "aws-public" / "v0.1.8" / "finfocus-plugin-aws-public"
    binary.parent.mkdir(parents=True)
    binary.write_text('#!/bin/sh\nexec /nonexistent/python -m finfocus_ecs.local_plugin "$@"\n')
    binary.chmod(0o755)
    report, log = run_core(
        "v0.2.6", plugins, [instance("us-east-1")], tmp_path, FINFOCUS_CORE_STANDIN_BIND_SECONDS="0.3"
    )
    assert report["plugins"] == []
    assert log.count("plugin failed to bind to port") == 6
    assert report["seconds"] >= 6 * 0.3


def test_trace_id_supports_and_plugin_info_are_answered_for_todays_core(tmp_path):
    """The core's x-finfocus-trace-id reaches the deployment; Supports declines what no port can price."""
    seen: list[tuple] = []

    def projected(request: bytes, context: grpc.ServicerContext) -> bytes:
        seen.append(tuple(context.invocation_metadata()))
        return messages.GetProjectedCostResponse(cost_per_month=1.0).SerializeToString()

    deployment = grpc.server(ThreadPoolExecutor(max_workers=2))
    handler = grpc.unary_unary_rpc_method_handler(projected)
    deployment.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"GetProjectedCost": handler}),))
    port = deployment.add_insecure_port("127.0.0.1:0")
    deployment.start()
    settings = {"host": "127.0.0.1", "region_ports": {"us-east-1": port}, "version": "0.1.8", "spec_version": "v0.6.0"}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        local_port = probe.getsockname()[1]
    plugin = serve(settings, local_port)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{local_port}") as channel:

            def call(method: str, request):
                described = METHODS[method]
                stub = channel.unary_unary(
                    described.path, request_serializer=described.request.SerializeToString,
                    response_deserializer=described.response.FromString,
                )  # fmt: skip
                return stub(request, timeout=5, metadata=[("x-finfocus-trace-id", "trace-42")])

            call(
                "GetProjectedCost", messages.GetProjectedCostRequest(resource=resource("ec2", "t3.micro", "us-east-1"))
            )
            answers = {
                case: call(
                    "Supports", messages.SupportsRequest(resource=resource(kind, "t3.micro", region, provider=provider))
                )
                for case, (kind, region, provider) in {
                    "served": ("aws:ec2/instance:Instance", "us-east-1", "aws"),
                    "other region": ("ec2", "eu-central-1", "aws"),
                    "unpriced type": ("aws:sqs/queue:Queue", "us-east-1", "aws"),
                    "other cloud": ("ec2", "us-east-1", "gcp"),
                }.items()
            }
            info = call("GetPluginInfo", messages.GetPluginInfoRequest())
    finally:
        plugin.stop(0)
        deployment.stop(0)
    assert ("x-finfocus-trace-id", "trace-42") in seen[0]
    assert answers["served"].supported and list(answers["served"].supported_metrics) == [
        messages.METRIC_KIND_CARBON_FOOTPRINT
    ]
    assert answers["other region"].reason == (
        "region eu-central-1 is not served by the deployment at 127.0.0.1 (it serves us-east-1)"
    )
    assert answers["unpriced type"].reason == 'Resource type "aws:sqs/queue:Queue" not supported'
    assert answers["other cloud"].reason == 'Provider "gcp" not supported (only "aws" is supported)'
    assert dict(info.metadata) == {"type": "multi-region-router", "deployment": "127.0.0.1", "regions": "us-east-1"}


def test_connect_replaces_its_own_plugin_and_an_older_unprefixed_one(deployment, tmp_path):
    plugins = tmp_path / "plugins"
    old = plugins / "aws-public" / "0.1.8"  # where connect wrote before: the core's `plugin inspect` misses it
    old.mkdir(parents=True)
    (old / "finfocus-ecs.json").write_text(
        json.dumps({"written_by": "finfocus-ecs connect", "files": ["finfocus-ecs.json"]})
    )
    assert connect(plugins, deployment).returncode == 0
    assert connect(plugins, {"us-east-1": deployment["us-east-1"]}).returncode == 0
    assert sorted(path.name for path in (plugins / "aws-public").iterdir()) == ["v0.1.8"]
    settings = json.loads((plugins / VERSION_DIR / "finfocus-ecs.json").read_text())
    assert settings["region_ports"] == {"us-east-1": deployment["us-east-1"]}


def test_connect_refuses_a_deployment_whose_ports_answer_as_other_regions(deployment, tmp_path):
    plugins = tmp_path / "plugins"
    swapped = {**deployment, "us-east-1": deployment["eu-west-1"], "eu-west-1": deployment["us-east-1"]}
    completed = connect(plugins, swapped)
    assert completed.returncode == 1
    assert "did not answer as the deployment on 2 of 3 ports: nothing written" in completed.stderr
    assert "us-east-1 (port" in completed.stderr and "does not match the image" in completed.stderr
    assert not plugins.exists()


def test_connect_refuses_a_name_that_does_not_resolve(tmp_path):
    completed = run_cli("connect", "aws-public.finfocus.invalid", "--plugin-dir", str(tmp_path / "plugins"))
    assert completed.returncode == 1
    assert "does not resolve" in completed.stderr or "name does not resolve" in completed.stderr
    assert not (tmp_path / "plugins").exists()


def test_connect_without_a_host_takes_the_deployments_name_and_says_so(tmp_path):
    """What `up` deployed from this checkout, else the module's default name: here neither resolves."""
    completed = run_cli("connect", "--plugin-dir", str(tmp_path / "plugins"))
    assert completed.returncode == 1
    assert "note: HOST: aws-public.finfocus.local, the " in completed.stderr
    assert not (tmp_path / "plugins").exists()
