"""Fixtures for rehearsing planned task definitions under Fargate's rules (root and namespaces needed)."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from finfocus_ecs.rehearsal.task import ContainerReport, TaskRehearsal

# Health-check interval and timeout at a twentieth, within the rehearsal's floors (1 s, 2 s).
TIME_SCALE = 0.05
# A limit, not a goal: on a loaded machine ten Python region stand-ins take long to bind.
HEALTHY_WITHIN = 60
_tags = itertools.count()


@pytest.fixture
def rehearse(rehearsal_available, tmp_path) -> Callable[..., contextlib.AbstractContextManager[TaskRehearsal]]:
    """rehearse(task_definition, **options) -> a started TaskRehearsal, stopped and removed afterwards."""

    @contextlib.contextmanager
    def run(task_definition: Mapping[str, Any], **options: Any) -> Iterator[TaskRehearsal]:
        workdir = tmp_path / f"task-{next(_tags)}"
        tag = f"{os.getpid() % 1000}{next(_tags)}"
        with TaskRehearsal(task_definition, workdir, time_scale=TIME_SCALE, tag=tag, **options) as task:
            task.start()
            yield task

    return run


def healths_since_last_pass(container: ContainerReport) -> list[str]:
    """The container's health after each failed check since its last passing one."""
    checks = container.health_checks
    last_pass = max((index for index, check in enumerate(checks) if check.exit_code == 0), default=-1)
    return [check.health for check in checks[last_pass + 1 :]]


def failure_report(task: TaskRehearsal) -> str:
    """Everything a failed assertion should show: the task report and each container's log."""
    report = task.report()
    lines = [f"task {report.last_status} {report.health}: {report.stopped_reason}"]
    lines += [f"  {seconds:7.2f} s  {text.splitlines()[0]}" for seconds, text in report.events]
    for name in task.containers:
        lines.append(f"--- {name} log")
        lines += task.log(name)[-12:]
    return "\n".join(lines)
