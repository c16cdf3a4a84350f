"""The guide's browser example (docs/ecs-deployment.md section 11, "A browser") in headless Chromium.

The deployment is the module planned with `cors_allowed_origins` naming the
page's origin: the us-east-1 region stand-in runs on the task host with the
plugin container's planned environment, behind the module's rendered port
bridge, as in tests/netns. Chromium runs on the client host, where a page
server answers for two origins; Chromium's resolver sends the Cloud Map name
to the task's address, so the guide's code runs as written, URL included
(taken from the guide at test time). The page catches what the guide's code
logs and shows it.

What the browser does, from its own events (DevTools protocol):
- from the allowed origin, the preflight is answered 204 and the price shows
  in the page, the stand-in's price for t3.micro in us-east-1;
- a call with Connect's headers (`Connect-Protocol-Version`,
  `Connect-Timeout-Ms`, as connect-web sends them) passes its preflight too;
- from another origin the browser blocks the call: its preflight gets 405
  with no CORS headers (as the real plugin answers it, calling-the-plugin.md
  section 7), Chromium reports a CORS error, and the page's fetch fails.
"""

from __future__ import annotations

import json
import os
import re
import sys

import pytest

from finfocus_ecs.evaluate import plan_module
from finfocus_ecs.rehearsal.network import BROWSER, IP, TASK_IP
from finfocus_ecs.rehearsal.region_service import price_table
from tests.browser.chromium import Chromium, binary
from tests.docs.test_calling import HOST, blocks
from tests.netns.harness import TwoHosts

# Skipped where namespaces cannot be built, never in CI (tests/conftest.py).
pytestmark = [pytest.mark.netns, pytest.mark.usefixtures("rehearsal_available")]

PAGE_PORT = 8080
ALLOWED_ORIGIN = f"http://pricing.example.test:{PAGE_PORT}"
OTHER_ORIGIN = f"http://elsewhere.example.test:{PAGE_PORT}"
REGION = "us-east-1"
# What connect-web adds to a unary call (connectrpc.com/docs/protocol: Connect-Protocol-Version, Connect-Timeout-Ms).
CONNECT_HEADERS = {"Content-Type": "application/json", "Connect-Protocol-Version": "1", "Connect-Timeout-Ms": "10000"}
PAGE = """<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>FinFocus price</title>
<p id="price">waiting</p>
<p id="connect">waiting</p>
<script type="module">
const show = (id, text) => { document.getElementById(id).textContent = text; };
const failed = (id) => (error) => { show(id, `${error.name}: ${error.message}`); return "failed"; };
console.log = (...words) => show("price", words.join(" "));
window.guide = (async () => {
GUIDE_CODE
})().then(() => "done", failed("price"));
window.connect = fetch(CONNECT_URL, { method: "POST", headers: CONNECT_HEADERS, body: "{}" }).then(
  async (response) => {
    show("connect", `${response.status} ${(await response.json()).metadata.region}`);
    return "done";
  },
  failed("connect"),
);
</script>
"""


@pytest.fixture(scope="module")
def chromium_available() -> None:
    """Skip without Chromium, but never in CI, where tools/system-packages.sh must have installed it."""
    if binary() is None:
        reason = f"{BROWSER} is not installed (tools/system-packages.sh installs it as root: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test, but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def guide_code() -> str:
    [code] = blocks("js")
    return code


def plugin_origin(guide_code: str) -> str:
    """Where the guide's code calls the plugin (`http://aws-public.finfocus.local:8001`)."""
    [origin] = set(re.findall(rf'"(http://{re.escape(HOST)}:\d+)/', guide_code))
    return origin


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """The us-east-1 region behind the module's bridge, planned for the page's origin, and the page server."""
    planned = plan_module({"cors_allowed_origins": [ALLOWED_ORIGIN]})
    containers = json.loads(planned.resource("aws_ecs_task_definition.this")["container_definitions"])
    [plugin] = [container for container in containers if container["name"] == "finfocus-plugin"]
    environment = {item["name"]: item["value"] for item in plugin["environment"]}
    region_ports = {region: int(port) for region, port in planned.outputs["region_ports"].items()}
    pages = tmp_path_factory.mktemp("pages")
    with TwoHosts("browser") as hosts:
        hosts.start_plugins({REGION: region_ports[REGION]}, environment)
        metadata = hosts.start_metadata()
        script = planned.outputs["port_bridge_script"]
        hosts.start_bridge(script, {"ECS_CONTAINER_METADATA_URI_V4": metadata}, tmp_path_factory.mktemp("bridge"))
        assert hosts.wait_for_listeners(len(region_ports)) == set(region_ports.values())
        server = hosts.spawn(
            hosts.client_ns,
            [
                sys.executable,
                "-u",
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                "--directory",
                str(pages),
                str(PAGE_PORT),
            ],
        )
        assert server.stdout.readline().startswith("Serving HTTP"), server.stderr.read()
        yield hosts, pages, environment, region_ports


@pytest.fixture(scope="module")
def browser(chromium_available, deployment, guide_code, tmp_path_factory):
    """Chromium on the client host; the page, written with the guide's code, loaded from each origin."""
    hosts, pages, _, region_ports = deployment
    origin = plugin_origin(guide_code)
    assert origin.endswith(f":{region_ports[REGION]}"), f"the guide calls {origin}, {REGION}'s port"
    url = f"{origin}/finfocus.v1.CostSourceService/GetPluginInfo"
    page = PAGE.replace("GUIDE_CODE", guide_code)
    page = page.replace("CONNECT_URL", json.dumps(url)).replace("CONNECT_HEADERS", json.dumps(CONNECT_HEADERS))
    (pages / "index.html").write_text(page)
    rules = ", ".join(
        [f"MAP {HOST} {TASK_IP}", "MAP pricing.example.test 127.0.0.1", "MAP elsewhere.example.test 127.0.0.1"]
    )
    chromium = Chromium(
        [IP, "netns", "exec", hosts.client_ns],
        tmp_path_factory.mktemp("chromium") / "profile",
        [f"--host-resolver-rules={rules}"],
    )
    try:
        results = {origin: load(chromium, origin) for origin in (ALLOWED_ORIGIN, OTHER_ORIGIN)}
        yield chromium, results
    finally:
        chromium.close()


def load(chromium: Chromium, origin: str) -> dict:
    """Open the page from origin in a tab of its own; what it shows once both calls have settled."""
    session = chromium.open_page()
    for domain in ("Log", "Network", "Page", "Runtime"):
        chromium.call(f"{domain}.enable", session=session)
    chromium.call("Page.navigate", {"url": f"{origin}/index.html"}, session=session)
    # Module scripts run before the load event: from then on both promises exist.
    chromium.wait_for("the page's load", lambda events: in_session(events, session, "Page.loadEventFired"))
    states = evaluate(chromium, session, "Promise.all([window.guide, window.connect])")
    shown = {
        name: evaluate(chromium, session, f"document.getElementById('{name}').textContent")
        for name in ("price", "connect")
    }
    return {"session": session, "states": states, "shown": shown}


def in_session(events: list[dict], session: str, method: str) -> list[dict]:
    return [event["params"] for event in events if event.get("sessionId") == session and event["method"] == method]


def evaluate(chromium: Chromium, session: str, expression: str):
    """The value of a JavaScript expression in the page, once its promise (if any) settles."""
    params = {"expression": expression, "awaitPromise": True, "returnByValue": True}
    return chromium.call("Runtime.evaluate", params, session=session)["result"].get("value")


def network(chromium: Chromium, session: str, method: str, kind: str) -> list[dict]:
    """The page's events of one method for one kind of request ("Preflight", "Fetch")."""
    return [params for params in in_session(chromium.events, session, method) if params.get("type") == kind]


def preflights(chromium: Chromium, session: str) -> dict[str, tuple[str, int, dict]]:
    """Path => (the preflight's Access-Control-Request-Headers, its answer's status, its CORS headers)."""
    asked = {
        params["requestId"]: params["request"]
        for params in in_session(chromium.events, session, "Network.requestWillBeSent")
        if params["request"]["method"] == "OPTIONS"
    }
    answers = chromium.wait_for(
        "both preflights' answers",
        lambda events: len(found := network(chromium, session, "Network.responseReceived", "Preflight")) == 2 and found,
    )
    # Header names in any case, as HTTP has them: the plugin (Go) writes them in canonical case.
    return {
        answer["response"]["url"].rsplit("/", 1)[1]: (
            _lowered(asked[answer["requestId"]]["headers"])["access-control-request-headers"],
            answer["response"]["status"],
            {
                name: value
                for name, value in _lowered(answer["response"]["headers"]).items()
                if name.startswith("access-control-")
            },
        )
        for answer in answers
    }


def _lowered(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def guide_asks(guide_code: str, field: str) -> str:
    """A field of the resource the guide's code prices (`sku: "t3.micro"`)."""
    [found] = re.findall(rf'{field}: "([^"]+)"', guide_code)
    return found


def test_an_allowed_origin_gets_a_price_in_the_page(browser, guide_code):
    _, results = browser
    allowed = results[ALLOWED_ORIGIN]
    service, sku, region = (guide_asks(guide_code, field) for field in ("resourceType", "sku", "region"))
    # The stand-in's hourly price for the month (region_service.py: 730 hours), as the guide's code prints it.
    monthly = price_table()[service]["prices"][region][sku] * 730
    assert allowed["states"][0] == "done"
    cors_errors = [
        params
        for params in in_session(browser[0].events, allowed["session"], "Log.entryAdded")
        if params["entry"].get("category") == "cors"
    ]
    assert cors_errors == []
    assert allowed["shown"]["price"] == f"{monthly} USD a month"


def test_the_preflight_passes_for_the_guides_call_and_connects_headers(browser, deployment):
    chromium, results = browser
    _, _, environment, _ = deployment
    asked = preflights(chromium, results[ALLOWED_ORIGIN]["session"])
    assert {path: (headers, status) for path, (headers, status, _) in asked.items()} == {
        "GetProjectedCost": ("content-type", 204),
        "GetPluginInfo": ("connect-protocol-version,connect-timeout-ms,content-type", 204),
    }
    assert {cors["access-control-allow-origin"] for _, _, cors in asked.values()} == {ALLOWED_ORIGIN}
    assert environment["FINFOCUS_CORS_ALLOWED_ORIGINS"] == ALLOWED_ORIGIN, "as the module renders it"
    assert results[ALLOWED_ORIGIN]["states"][1] == "done"
    assert results[ALLOWED_ORIGIN]["shown"]["connect"] == f"200 {REGION}"


def test_another_origin_is_blocked_by_the_browser(browser, guide_code):
    chromium, results = browser
    other = results[OTHER_ORIGIN]
    session = other["session"]
    # The plugin answers a preflight from an origin it does not allow with 405 and no CORS headers
    # (calling-the-plugin.md section 7, measured on the built plugin); the browser then never sends the call.
    assert {path: (status, cors) for path, (_, status, cors) in preflights(chromium, session).items()} == {
        "GetProjectedCost": (405, {}),
        "GetPluginInfo": (405, {}),
    }
    failed = chromium.wait_for(
        "both calls to fail",
        lambda events: len(found := network(chromium, session, "Network.loadingFailed", "Fetch")) == 2 and found,
    )
    assert [item["corsErrorStatus"]["corsError"] for item in failed] == ["PreflightMissingAllowOriginHeader"] * 2
    assert network(chromium, session, "Network.responseReceived", "Fetch") == [], "no call got through"
    console = [params["entry"]["text"] for params in in_session(chromium.events, session, "Log.entryAdded")]
    guide_call = f"{plugin_origin(guide_code)}/finfocus.v1.CostSourceService/GetProjectedCost"
    assert (
        f"Access to fetch at '{guide_call}' from origin '{OTHER_ORIGIN}' has been blocked by CORS policy: Response to "
        "preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present "
        "on the requested resource."
    ) in console
    assert other["states"] == ["failed", "failed"]
    assert other["shown"] == {"price": "TypeError: Failed to fetch", "connect": "TypeError: Failed to fetch"}
