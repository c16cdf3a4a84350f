"""`finfocus-ecs connect`: the local plugin it installs, as the FinFocus core finds, launches and calls it.

The deployment is region stand-ins on loopback (tests/cli/standins.py); the
FinFocus core is tests/core_standin.py (its docstring lists what it does
not reproduce), in both its modes: v0.2.6 as measured, and today's core
(v0.4) as read from its source. The same core runs through the port bridge
in network namespaces in tests/netns/test_clients_through_bridge.py.

Here the core gives a plugin one launch and 10 s to take its port
(FINFOCUS_CORE_STANDIN_RELAUNCHES, _BIND_SECONDS): the real one waits 60 s
and relaunches it five times, so a plugin that misses its first bind has
already cost a user five minutes, and fails here at once. The machines
that lack a Python (tests/cli/machines.py) are built in a mount namespace.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from finfocus_ecs import go_build_info
from finfocus_ecs.connect import ConnectError, check_plugin
from finfocus_ecs.finfocus_plugins import finfocus_home, plugin_directory, upstream_binary
from finfocus_ecs.local_plugin import serve
from finfocus_ecs.plugin_api import METHODS, SERVICE, messages, resource
from finfocus_ecs.rehearsal.region_service import price_table
from tests.checkouts import checkout_copy
from tests.cli.machines import core_runner, machine_path, uninstalled_interpreter
from tests.cli.standins import (
    go_build_info_blob,
    installed_plugin,
    listener,
    refused,
    start_region,
    stop,
    upstream_build_info,
)
from tests.commands import run_cli
from tests.core_standin import MODES

CORE = Path(__file__).parents[1] / "core_standin.py"
MACHINES = Path(__file__).with_name("machines.py")
# One launch, 10 s to bind (see the module's docstring); a test may ask for the core's own figures.
FAIL_AT_FIRST_BIND = {"FINFOCUS_CORE_STANDIN_RELAUNCHES": "0", "FINFOCUS_CORE_STANDIN_BIND_SECONDS": "10"}
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


def run_core(
    mode: str,
    plugins: Path,
    resources: list[dict],
    tmp_path: Path,
    machine: list[str] | None = None,
    python: list[str] | None = None,
    **env: str,
) -> tuple[dict, str]:
    """The core stand-in over a plugin directory (FINFOCUS_PLUGIN_DIR today, FINFOCUS_HOME/plugins in v0.2.6).

    machine: the arguments of tests/cli/machines.py, to run it on a machine that lacks a Python; python: the
    command that runs machines.py there (machines.core_runner).
    """
    resources_file = tmp_path / f"resources-{mode}.json"
    resources_file.write_text(json.dumps(resources))
    where = {"FINFOCUS_PLUGIN_DIR": str(plugins)} if mode == "v0.4" else {"FINFOCUS_HOME": str(plugins.parent)}
    assert mode == "v0.4" or plugins.name == "plugins", "v0.2.6 reads HOME/plugins only"
    if machine is None:
        command = [sys.executable, str(CORE)]
    else:
        command = [*(python or [sys.executable, str(MACHINES)]), *machine, "--"]
    # Files, not pipes: a plugin process that outlives the core cannot keep the test waiting on them.
    with (tmp_path / "core.out").open("w+") as stdout, (tmp_path / "core.err").open("w+") as stderr:
        completed = subprocess.run(
            [*command, "--mode", mode, str(resources_file)],
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, **where, **FAIL_AT_FIRST_BIND, **env},
            timeout=120,  # a hang guard only: a run takes seconds
        )
        stdout.seek(0)
        stderr.seek(0)
        output, log = stdout.read(), stderr.read()
    assert completed.returncode == 0, log
    return json.loads(output), log


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
    assert written["warnings"] == [], "its copy of Python stands alone"
    assert os.access(directory / "finfocus-plugin-aws-public", os.X_OK)

    with refused() as dead_port, listener(close_at_once=False) as silent_port:
        # Three live regions, and by hand one whose port refuses (its process is down) and one that never answers.
        settings = json.loads((directory / "finfocus-ecs.json").read_text())
        settings["region_ports"] |= {"us-west-2": dead_port, "us-west-1": silent_port}
        (directory / "finfocus-ecs.json").write_text(json.dumps(settings))
        resources = [instance(r) for r in (*REGIONS, "eu-central-1", "us-west-2", "us-west-1")]
        report, log = run_core(mode, plugins, resources, tmp_path)
    [plugin] = report["plugins"]
    assert (plugin["name"], plugin["version"], plugin["launches"]) == ("aws-public", "v0.1.8", 1)
    assert plugin["plugin_name"] == "finfocus-plugin-aws-public"
    assert "region" not in plugin["info"]["metadata"], "no region of its own: the core asks it for every resource"
    results = by_region(report)
    assert {region: results[region]["cost_per_month"] for region in REGIONS} == {
        region: pytest.approx(monthly(region)) for region in REGIONS
    }
    missing, down, silent = results["eu-central-1"], results["us-west-2"], results["us-west-1"]
    assert missing["shown"] == down["shown"] == silent["shown"] == "plugin call failed: no cost data available"
    if mode == "v0.4":  # Supports declines the region, so the core never asks for a price there
        assert missing["errors"] == []
        assert "eu-central-1 is not served by the deployment at 127.0.0.1" in log
    else:
        assert [error["code"] for error in missing["errors"]] == ["FAILED_PRECONDITION"]
        assert "eu-central-1 is not served by the deployment at 127.0.0.1" in missing["errors"][0]["message"]
    assert [(error["code"], error["message"].split(": ")[0]) for error in down["errors"]] == [
        ("UNAVAILABLE", f"127.0.0.1:{dead_port} did not answer")
    ]
    # The plugin's own bound ends the call (v0.2.6 sets none on this path; v0.4's 5 s would say DEADLINE_EXCEEDED).
    assert [(error["code"], error["message"].split(": ")[0]) for error in silent["errors"]] == [
        ("UNAVAILABLE", f"no answer from 127.0.0.1:{silent_port} within 3.0 s")
    ]
    assert report["outlived_sigkill"] == {"aws-public": []}, "the script execs the plugin: the kill ends it all"
    with socket.socket() as again:  # nothing listens there any more (the closed connections may wait in TIME_WAIT)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", plugin["port"]))


def regional_plugin(plugins: Path, region: str) -> Path:
    """A wrapper script named as upstream's regional plugins are (aws-public-REGION/v0.1.8/...): no build to read."""
    binary = plugins / f"aws-public-{region}" / "v0.1.8" / f"finfocus-plugin-aws-public-{region}"
    return installed_plugin(binary, region)


def renamed_upstream_binary(plugins: Path) -> Path:
    """Upstream's us-east-1 binary installed under another name, as measured on v0.2.6 ("aws-pricing 0.1.8 aws")."""
    binary = plugins / "aws-pricing" / "v1.0.0" / "finfocus-plugin-aws-pricing"
    return installed_plugin(binary, "us-east-1", upstream_build_info("us-east-1", "use1"))


def run_printed(line: str) -> subprocess.CompletedProcess[str]:
    """A command as connect printed it, run as a user pastes it (finfocus-ecs being this package's entry point)."""
    words = shlex.split(line)
    command = [sys.executable, "-m", "finfocus_ecs.cli", *words[1:]] if words[0] == "finfocus-ecs" else words
    return subprocess.run(command, capture_output=True, text=True)


@pytest.mark.parametrize("mode", MODES)
def test_other_aws_plugins_count_every_price_again_until_set_aside(deployment, tmp_path, mode):
    """v0.2.6 adds every plugin's answer, whatever it is called: connect refuses, or sets them aside until --remove.

    Upstream's us-east-1 binary installed as aws-pricing is known by its Go
    build information; a wrapper script named aws-public-us-east-1 has none
    to read, and is known by its name.
    """
    plugins = tmp_path / "plugins"
    assert connect(plugins, deployment).returncode == 0
    renamed, regional = renamed_upstream_binary(plugins), regional_plugin(plugins, "us-east-1")  # installed later
    counted, _ = run_core(mode, plugins, [instance("us-east-1")], tmp_path)
    assert sorted(answer["plugin"] for answer in by_region(counted)["us-east-1"]["answers"]) == [
        "aws-pricing",
        "aws-public",
        "aws-public-us-east-1",
    ]
    assert by_region(counted)["us-east-1"]["cost_per_month"] == pytest.approx(3 * monthly("us-east-1"))

    refusal = connect(plugins, deployment)
    assert refusal.returncode == 1
    lines = refusal.stderr.splitlines()
    text = " ".join(refusal.stderr.split())
    assert (
        f"{renamed}: upstream's aws-public us-east-1 binary v0.1.8, installed as aws-pricing: FinFocus asks it too, "
        "and v0.2.6 adds both answers, counting every AWS price twice" in text
    )
    assert f"{regional}: finfocus-plugin-aws-public-us-east-1, named as upstream's aws-public plugins are" in text
    [delete] = [line.strip() for line in lines if line.strip().startswith("rm ")]
    assert shlex.split(delete) == ["rm", "-r", str(renamed), str(regional)], "one command, runnable as printed"
    [set_aside] = [line.strip() for line in lines if line.strip().endswith("--set-aside")]
    assert shlex.split(set_aside)[:3] == ["finfocus-ecs", "connect", "127.0.0.1"]

    aside = run_printed(set_aside + " --json")
    assert aside.returncode == 0, aside.stderr
    assert [entry["from"] for entry in json.loads(aside.stdout)["set_aside"]] == [str(renamed), str(regional)]
    assert not renamed.exists() and not regional.exists()
    single, _ = run_core(mode, plugins, [instance("us-east-1")], tmp_path)
    assert by_region(single)["us-east-1"]["cost_per_month"] == pytest.approx(monthly("us-east-1"))

    removed = run_cli("connect", "--remove", "--plugin-dir", str(plugins), "--json")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["restored"] == [str(renamed), str(regional)]
    assert sorted(path.relative_to(plugins) for path in plugins.rglob("*") if path.is_file()) == sorted(
        directory.relative_to(plugins) / name
        for directory, binary in ((renamed, "finfocus-plugin-aws-pricing"),
                                  (regional, "finfocus-plugin-aws-public-us-east-1"))
        for name in (binary, "region.py")
    )  # fmt: skip


def test_go_build_information_is_read_from_the_file_never_run(tmp_path):
    """What `go version -m` prints, read at any offset; None for a file that is no Go binary or predates Go 1.18."""
    go_version, module_info = upstream_build_info("ap-southeast-2", "apse2", "0.1.8")
    binary = tmp_path / "binary"
    binary.write_bytes(b"\x7fELF" + bytes(4093) + go_build_info_blob(go_version, module_info) + bytes(64))
    binary.chmod(0o644)  # not even executable: it is read, not run
    info = go_build_info.read(binary)
    assert (info.go_version, info.path, info.module, info.module_version) == (
        "go1.25.8",
        "github.com/rshade/finfocus-plugin-aws-public/cmd/finfocus-plugin-aws-public",
        "github.com/rshade/finfocus-plugin-aws-public",
        "v0.1.8",
    )
    assert info.settings["-tags"] == "region_apse2" and info.settings["-ldflags"] == "-s -w -X main.version=0.1.8"
    assert upstream_binary(binary) == "upstream's aws-public ap-southeast-2 binary v0.1.8"
    pointers = tmp_path / "go1.17"  # the same magic, with the strings behind pointers (flags bit 2 clear)
    pointers.write_bytes(go_build_info_blob(go_version, module_info).replace(b"\x08\x02", b"\x08\x00", 1))
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\nexec true\n")
    assert [go_build_info.read(path) for path in (pointers, script, tmp_path / "missing")] == [None, None, None]


def test_a_plugin_of_another_provider_is_left_alone(deployment, tmp_path):
    """Known by its build information as another module: not refused, not set aside, whatever FinFocus asks it."""
    plugins = tmp_path / "plugins"
    binary = plugins / "gcp-public" / "v0.2.0" / "finfocus-plugin-gcp-public"
    go_version, module_info = upstream_build_info()
    module_info = module_info.replace("rshade/finfocus-plugin-aws-public", "example/finfocus-plugin-gcp-public")
    other = installed_plugin(binary, "us-east-1", (go_version, module_info))
    completed = connect(plugins, deployment, "--set-aside", "--json")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["set_aside"] == []
    assert binary.is_file() and other.is_dir()


@pytest.mark.parametrize(
    ("version", "build", "what", "why"),
    [
        (
            "v0.1.10",
            upstream_build_info(version="0.1.10", router=True),
            "upstream's aws-public router v0.1.10",
            "FinFocus launches only the highest version of a plugin name, so one of the two would never run",
        ),
        (
            "v0.1.8",
            upstream_build_info("us-east-1", "use1"),
            "upstream's aws-public us-east-1 binary v0.1.8",
            "it is in the directory connect writes, and connect never writes beside a plugin it did not",
        ),
    ],
    ids=["router, another version", "regional binary, the same version"],
)
def test_upstreams_own_aws_public_is_refused_and_kept(deployment, tmp_path, version, build, what, why):
    """`finfocus plugin install aws-public` puts upstream's router (or, in v0.2.6, a regional binary) in aws-public/."""
    plugins = tmp_path / "plugins"
    name = "finfocus-plugin-aws-public" if version == "v0.1.10" else "finfocus-plugin-aws-public-us-east-1"
    upstream = plugins / "aws-public" / version / name
    installed_plugin(upstream, "us-east-1", build)
    before = upstream.read_bytes()
    completed = connect(plugins, deployment)
    assert completed.returncode == 1
    assert f"{upstream.parent}: {what}: {why}" in " ".join(completed.stderr.split())
    assert sorted(path.name for path in plugins.rglob("*") if path.is_file()) == [name, "region.py"]
    assert upstream.read_bytes() == before
    removed = run_cli("connect", "--remove", "--plugin-dir", str(plugins))
    assert removed.returncode == 0 and upstream.exists(), "--remove leaves a plugin it did not write"


@pytest.fixture(scope="module")
def connected_from_a_gone_checkout(deployment, tmp_path_factory) -> dict[str, Path]:
    """Mode => a plugin directory that `connect` wrote from a copy of this checkout, since deleted with its .venv.

    The copy is a user's clone after `make up` (requirements/up.txt), made once for both modes.
    """
    moved_checkout = checkout_copy(tmp_path_factory.mktemp("checkout"))
    written = {}
    for mode in MODES:
        # v0.2.6 reads HOME/plugins only.
        plugins = tmp_path_factory.mktemp(f"home-{mode}") / "plugins"

        def from_copy(*arguments: str, where: Path = plugins.parent) -> subprocess.CompletedProcess[str]:
            command = [str(moved_checkout / ".venv" / "bin" / "finfocus-ecs"), *arguments]
            return subprocess.run(command, capture_output=True, text=True, cwd=where)

        completed = connect(plugins, deployment, cli=from_copy)
        assert completed.returncode == 0, completed.stderr
        assert str(moved_checkout) not in (plugins / VERSION_DIR / "finfocus-plugin-aws-public").read_text()
        written[mode] = plugins
    shutil.rmtree(moved_checkout)
    return written


@pytest.mark.parametrize("mode", MODES)
def test_the_plugin_keeps_working_when_the_checkout_is_gone(connected_from_a_gone_checkout, tmp_path, mode):
    """Launched from lib/ with its own Python: deleting the checkout and its .venv changes nothing."""
    plugins = connected_from_a_gone_checkout[mode]
    report, _ = run_core(mode, plugins, [instance(region) for region in REGIONS], tmp_path)
    assert [plugin["launches"] for plugin in report["plugins"]] == [1], "bound at its first launch"
    assert {region: result.get("cost_per_month") for region, result in by_region(report).items()} == {
        region: pytest.approx(monthly(region)) for region in REGIONS
    }


@pytest.fixture(scope="module")
def core_on_a_copy(tmp_path_factory) -> list[str]:
    """tests/cli/machines.py on a copy of this interpreter: the core must run where this one is gone."""
    return core_runner(tmp_path_factory.mktemp("core") / "python")


@pytest.mark.usefixtures("rehearsal_available")
@pytest.mark.parametrize("machine", ["no Python anywhere", "a python3 that exits 1", "a moved home"])
def test_no_finfocus_command_waits_on_the_plugin_whatever_python_the_machine_lacks(
    deployment, tmp_path, core_on_a_copy, machine
):
    """The Python connect ran on uninstalled, and PATH without a working python3: it prices at its first launch.

    What the plugin needs is in its own directory, so the machine is built
    around the core stand-in (tests/cli/machines.py) after connect, as a
    user's machine changes after it. v0.2.6, which waits five minutes on a
    plugin that never binds (measured: 301.5 s with no working python3).
    """
    home = tmp_path / "finfocus"
    assert connect(home / "plugins", deployment).returncode == 0
    if machine == "a moved home":
        (tmp_path / "moved").mkdir()
        home = home.rename(tmp_path / "moved" / "finfocus")
    built = [argument for path in uninstalled_interpreter() for argument in ("--hide", path)]
    built += ["--path", machine_path(tmp_path / "bin", broken_python3=machine == "a python3 that exits 1")]
    resources = [instance(region) for region in REGIONS]
    report, log = run_core("v0.2.6", home / "plugins", resources, tmp_path, built, core_on_a_copy)
    assert report["machine"] == {"interpreter_runs": False, "python3_runs": False}, "the machine asked for"
    assert [plugin["launches"] for plugin in report["plugins"]] == [1], log
    assert {region: result.get("cost_per_month") for region, result in by_region(report).items()} == {
        region: pytest.approx(monthly(region)) for region in REGIONS
    }
    assert report["outlived_sigkill"] == {"aws-public": []}


@pytest.mark.parametrize("mode", MODES)
def test_a_plugin_whose_own_python_is_damaged_fails_at_once_and_says_what_to_run(deployment, tmp_path, mode):
    """lib/python deleted: a working python3 on the PATH takes the port and refuses every call; no relaunch."""
    plugins = tmp_path / "plugins"
    assert connect(plugins, deployment).returncode == 0
    shutil.rmtree(plugins / VERSION_DIR / "lib" / "python")
    report, log = run_core(mode, plugins, [instance("us-east-1")], tmp_path, FINFOCUS_CORE_STANDIN_TERMINAL="1")
    assert report["plugins"] == [], "dropped after its first call failed"
    assert log.count("plugin failed to bind to port") == 0, "it took the port at its first launch"
    assert "plugin aws-public: Name failed: UNAVAILABLE" in log
    assert by_region(report)["us-east-1"]["shown"] == "plugin call failed: no cost data available"
    assert "its Python (lib/python/bin/python3" in log and "in the plugin's directory) does not start" in log
    assert "Run `finfocus-ecs connect 127.0.0.1` again from a finfocus-ecs checkout" in log


def test_connect_refuses_a_launcher_whose_plugin_outlives_the_kill(deployment, tmp_path):
    """connect's own launch ends the plugin as the core does: a launcher that does not exec it is caught there."""
    plugins = tmp_path / "plugins"
    assert connect(plugins, deployment).returncode == 0
    binary = plugins / VERSION_DIR / "finfocus-plugin-aws-public"
    binary.write_text(binary.read_text().replace('  exec "$python"', '  "$python"'))
    with pytest.raises(ConnectError, match="outlives the SIGKILL FinFocus ends it with"):
        check_plugin(binary, [])


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


def test_remove_takes_the_plugin_directory_it_created_and_left_empty(deployment, tmp_path):
    home = tmp_path / "finfocus"
    assert connect(home / "plugins", deployment).returncode == 0
    removed = run_cli("connect", "--remove", "--plugin-dir", str(home / "plugins"), "--json")
    assert removed.returncode == 0, removed.stderr
    assert str(home / "plugins") in json.loads(removed.stdout)["removed"]
    assert not home.exists(), "created by connect (FinFocus's home too), left empty: removed"
    (home / "plugins" / "kept").mkdir(parents=True)
    assert connect(home / "plugins", deployment).returncode == 0
    assert run_cli("connect", "--remove", "--plugin-dir", str(home / "plugins")).returncode == 0
    assert sorted(home.rglob("*")) == [home / "plugins", home / "plugins" / "kept"], "a directory it found stays"


def test_a_plugin_directory_only_later_cores_read_is_warned_about(deployment, tmp_path):
    """FINFOCUS_PLUGIN_DIR: v0.2.6 ignores it (measured) and finds no plugin there."""
    home, elsewhere = tmp_path / "finfocus", tmp_path / "elsewhere"
    environment = {**os.environ, "FINFOCUS_HOME": str(home), "FINFOCUS_PLUGIN_DIR": str(elsewhere)}
    command = [sys.executable, "-m", "finfocus_ecs.cli", "connect", "127.0.0.1", "--region-ports", mapping(deployment)]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert completed.returncode == 0, completed.stderr
    assert (elsewhere / VERSION_DIR / "finfocus-plugin-aws-public").is_file()
    assert (
        f"warning: FINFOCUS_PLUGIN_DIR sets FinFocus's plugin directory to {elsewhere}: FinFocus v0.3 and later read "
        f"it there, but v0.2.6 ignores FINFOCUS_PLUGIN_DIR and reads only {home / 'plugins'}"
    ) in " ".join(completed.stderr.split())
    resources = [instance("us-east-1")]
    unseen, _ = run_core("v0.2.6", home / "plugins", resources, tmp_path, FINFOCUS_PLUGIN_DIR=str(elsewhere))
    assert unseen["plugins"] == [], "v0.2.6 looks in HOME/plugins only"


def test_connect_without_a_host_takes_the_deployments_name_and_says_so(tmp_path):
    """What `up` deployed from this checkout, else the module's default name: here neither resolves."""
    completed = run_cli("connect", "--plugin-dir", str(tmp_path / "plugins"))
    assert completed.returncode == 1
    assert "note: HOST: aws-public.finfocus.local, the " in completed.stderr
    assert not (tmp_path / "plugins").exists()
