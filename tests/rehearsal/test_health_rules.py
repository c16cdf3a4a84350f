"""The rehearsal's health checks follow ECS's rules, as ../shared/reference/fargate-runtime.md gives them.

- A container is UNHEALTHY after `retries` consecutive failures, not before.
- Failures during `startPeriod` do not count; a success during it makes the container HEALTHY (and ends it).
- A HEALTHY dependency that is UNHEALTHY is waited for: the dependent stays PENDING (the ECS agent treats
  only a stopped dependency as final; containers-roadmap#2379).

Every expectation below is written out from those rules, never computed with the rehearsal's own
functions. Each container's check counts its runs in its /tmp and passes or fails by that count, so
the outcome of every check is known in advance; the report's record of each check then shows what
the container's health was after it.
"""

from __future__ import annotations

import pytest

from tests.rehearsal.conftest import TIME_SCALE, failure_report

pytestmark = pytest.mark.rehearsal

# Written for a time scale of 0.05: ECS's shortest interval, 5 s, runs every second, and
# "interval 100" every 5 s (100 x 0.05). The start periods are never scaled.
assert TIME_SCALE == 0.05

COUNT = 'n=$(($(cat /tmp/checks 2>/dev/null || echo 0) + 1)); echo "$n" > /tmp/checks; '

# name => (pass condition on the check's run number n, interval, retries, startPeriod, healths after each check)
CASES = {
    # UNHEALTHY exactly after `retries` consecutive failures, not before.
    "fails-twice": ('[ "$n" -gt 2 ]', 5, 3, 0, ["UNKNOWN", "UNKNOWN", "HEALTHY"]),
    "fails-three-times": ('[ "$n" -gt 3 ]', 5, 3, 0, ["UNKNOWN", "UNKNOWN", "UNHEALTHY", "HEALTHY"]),
    # Consecutive: a pass starts the count again.
    "passes-every-third": ("[ $((n % 3)) -eq 0 ]", 5, 3, 0, ["UNKNOWN", "UNKNOWN", *["HEALTHY"] * 7]),
    # Failures in the start period do not count: one retry, two failures, still never UNHEALTHY.
    "fails-in-start-period": ('[ "$n" -gt 2 ]', 5, 1, 300, ["UNKNOWN", "UNKNOWN", "HEALTHY"]),
    # A pass in the start period makes the container HEALTHY and ends it: the next failure counts.
    "passes-then-fails": ('[ "$n" -eq 1 ]', 5, 1, 300, ["HEALTHY", "UNHEALTHY"]),
    # Checks 5 s apart (the first 5 s after start) against a 14 s start period: the first two
    # fail inside it, the third (about 15 s after start) counts. Checks run four times as far
    # apart would put the first one after the start period already.
    "every-five-seconds": ("false", 100, 1, 14, ["UNKNOWN", "UNKNOWN", "UNHEALTHY"]),
}


def container(name: str, passes: str, interval: int, retries: int, start_period: int) -> dict:
    return {
        "name": name,
        "image": "haproxy:3.2-alpine",
        "essential": True,
        "entryPoint": ["/bin/sh", "-c"],
        "command": ["exec sleep 600"],
        "healthCheck": {
            "command": ["CMD-SHELL", COUNT + passes],
            "interval": interval,
            "timeout": 2,
            "retries": retries,
            "startPeriod": start_period,
        },
    }


TASK = {
    "family": "health-rules",
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        *(container(name, *case[:4]) for name, case in CASES.items()),
        # Waits for a container that turns UNHEALTHY without ever passing.
        {
            "name": "waits-for-healthy",
            "image": "haproxy:3.2-alpine",
            "essential": True,
            "entryPoint": ["/bin/sh", "-c"],
            "command": ["exec sleep 600"],
            "dependsOn": [{"containerName": "every-five-seconds", "condition": "HEALTHY"}],
        },
    ],
}


def test_health_follows_ecs_rules_check_by_check(rehearse):
    with rehearse(TASK) as task:

        def healths() -> dict[str, list[str]]:
            report = task.report()
            return {
                name: [c.health for c in report.container(name).health_checks][: len(case[4])]
                for name, case in CASES.items()
            }

        def done() -> bool:
            """Every container has run its checks, or one has already left what the rules say."""
            seen = healths()
            return all(len(seen[name]) == len(case[4]) for name, case in CASES.items()) or any(
                seen[name] != case[4][: len(seen[name])] for name, case in CASES.items()
            )

        assert task.wait_until(done, 90), failure_report(task)
        assert healths() == {name: case[4] for name, case in CASES.items()}, failure_report(task)
        report = task.report()
        # An UNHEALTHY dependency does not stop the task: its dependent waits, and the task stays PENDING.
        waiting = report.container("waits-for-healthy")
        assert (waiting.state, waiting.started_at) == ("PENDING", None)
        assert (report.last_status, report.stopped_reason) == ("PENDING", ""), failure_report(task)
        assert report.container("every-five-seconds").health == "UNHEALTHY"
