"""One us-east-1 region stand-in on loopback, shared by the tests of a file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.standins import start_region, stop


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    """The port of a us-east-1 stand-in in web mode, as the image runs it."""
    process, bound = start_region("us-east-1")
    yield bound
    stop(process)
