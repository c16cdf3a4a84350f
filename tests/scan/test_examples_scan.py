"""checkov and parliament over the examples a user copies (examples/existing-network, examples/production).

test_scan.py checks that checkov parses their files. A file of its own, so that pytest-xdist runs
these scans beside test_scan.py's instead of after them.
"""

from __future__ import annotations

import pytest

from finfocus_ecs.scan import scan
from tests.plan.examples import EXAMPLES, EXAMPLES_DIR

pytestmark = pytest.mark.scan

# What each example skips, each with its reason inline: the module's own two and parliament's one, and the
# alarm topic's encryption (examples/production/main.tf says why).
MODULE_SKIPS = ["CKV_AWS_158", "CKV_AWS_336", "RESOURCE_STAR"]
SKIPPED = {"existing-network": MODULE_SKIPS, "production": sorted(["CKV_AWS_26", *MODULE_SKIPS])}


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_scan_is_clean_with_reasoned_skips_only(example):
    result = scan(EXAMPLES_DIR / example)
    assert result.failures == []
    assert result.passed > 90
    assert sorted(skip["check_id"] for skip in result.skipped) == SKIPPED[example]
    assert all(len(skip["reason"]) > 40 for skip in result.skipped)
    assert "calls" in result.policy_audit.scope and result.policy_audit.findings == 0
