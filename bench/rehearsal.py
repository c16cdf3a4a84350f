"""The Fargate rehearsal of the module's default task definition: how soon ECS would see it healthy, and a dead region.

At real timing (time scale 1) the figure is what Fargate would show after the
image pull: the plugin's first health check runs one interval after start, and
the bridge, which starts once the plugin is HEALTHY, one interval after its own
start, so it is bounded below by the sum of the two intervals (recorded with
the figures, from the definition). At the tests' time scale it shows how long
the rehearsal itself takes. Stop time is the same either way: stopTimeout, the
start script's grace and the port bridge's linger are never scaled, so it is
mostly the linger: HAProxy keeps listening for the DNS TTL (60 s) after ECS's
stop signal, for clients that still hold the task's address.

Health timing, at Fargate's own timing: from the moment every region answers
(the start script's "regions answer /healthz" line) to task HEALTHY, and from
the moment a region's process dies to task UNHEALTHY, the two delays the
health checks' interval and retries decide.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import Summary
from finfocus_ecs.evaluate import plan_module
from finfocus_ecs.rehearsal.network import namespaces_unavailable
from finfocus_ecs.rehearsal.run import rehearse
from finfocus_ecs.rehearsal.task import TaskRehearsal
from finfocus_ecs.taskdef import PLACEHOLDER_EXECUTION_ROLE_ARN, render_task_definition

TEST_TIME_SCALE = 0.05
ANSWERED = "regions answer /healthz"
DEAD_REGION = "eu-west-1"


def health_timing(definition: dict[str, Any]) -> dict[str, float]:
    """At Fargate's timing: regions answering -> task HEALTHY, and a region's death -> task UNHEALTHY."""
    with (
        tempfile.TemporaryDirectory(prefix="finfocus-bench-") as scratch,
        TaskRehearsal(definition, Path(scratch), tag="bhealth") as task,
    ):
        task.start()
        if not task.wait_until(lambda: any(ANSWERED in line for line in task.log("finfocus-plugin")), 300):
            raise RuntimeError("the regions never answered")
        answered = task.elapsed()
        if not task.wait_for_health("HEALTHY", 300):
            raise RuntimeError("the default task did not turn HEALTHY")
        healthy = task.elapsed()
        task.kill_process("finfocus-plugin", f"finfocus-plugin-aws-public-{DEAD_REGION}")
        killed = time.monotonic()
        if not task.wait_for_health("UNHEALTHY", 300):
            raise RuntimeError("the task never turned UNHEALTHY with a dead region")
        unhealthy = time.monotonic() - killed
    return {"answering_to_healthy_s": healthy - answered, "dead_region_to_unhealthy_s": unhealthy}


def measure(scaled_runs: int = 3, real_runs: int = 1) -> dict[str, Any]:
    reason = namespaces_unavailable()
    if reason:
        return {"skipped": reason}
    definition = render_task_definition(plan_module({"execution_role_arn": PLACEHOLDER_EXECUTION_ROLE_ARN}))
    figures: dict[str, Any] = {
        "test_time_scale": TEST_TIME_SCALE,
        "health_intervals_s": {
            container["name"]: container["healthCheck"]["interval"]
            for container in definition["containerDefinitions"]
            if "healthCheck" in container
        },
    }
    for name, scale, runs in (("real", 1.0, real_runs), ("scaled", TEST_TIME_SCALE, scaled_runs)):
        healthy, stops = [], []
        for _ in range(runs):
            result = rehearse(definition, time_scale=scale, timeout=300)
            if not result.ok:
                raise RuntimeError(f"the default task did not rehearse cleanly: {result.report.stopped_reason}")
            healthy.append(result.seconds_to_healthy)
            stops.append(result.stop_seconds)
        figures[name] = {"healthy_s": Summary.of(healthy).__dict__, "stop_s": Summary.of(stops).__dict__}
    figures["health_timing"] = health_timing(definition)
    return figures
