"""Where the repository's parts live.

The tool works from a checkout (the package is installed editable), because
the Terraform module it evaluates is the repository's own, not a copy.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(os.environ.get("FINFOCUS_REPO_ROOT", Path(__file__).resolve().parents[2]))
MODULE_DIR = REPO_ROOT / "modules" / "finfocus_ecs"
QUICKSTART_DIR = REPO_ROOT / "examples" / "quickstart"
POLICIES_DIR = REPO_ROOT / "policies"
DOCS_DIR = REPO_ROOT / "docs"
# Everything the tool generates at run time stays here, never in $HOME.
CACHE_DIR = REPO_ROOT / ".cache"
RUN_DIR = REPO_ROOT / ".finfocus"
PACKAGE_DIR = Path(__file__).resolve().parent
