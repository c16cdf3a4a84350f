"""The region stand-ins the commands that call a deployment are tested against."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.cli.standins import REGIONS, start_region, stop


@pytest.fixture(scope="module")
def standins() -> Iterator[dict[str, int]]:
    """Twelve region stand-ins, started at once; region => port."""
    with ThreadPoolExecutor(max_workers=len(REGIONS)) as pool:
        started = dict(zip(REGIONS, pool.map(start_region, REGIONS), strict=True))
    yield {region: port for region, (_, port) in started.items()}
    for process, _ in started.values():
        process.terminate()
    for process, _ in started.values():
        stop(process)
