"""Deploy-job step after `dbt build`: sync governance metadata to Unity Catalog.

    .venv/bin/python scripts/governance_sync.py            # dry run: print the plan, change nothing
    .venv/bin/python scripts/governance_sync.py --apply    # apply it, audit to .mesh/audit/unity-sync.jsonl

Other flags pass through to `mesh sync --platform unity` (--prune, --plan-file F, --allow-missing,
--config F, --format json). Auth comes from the Databricks SDK environment (DATABRICKS_HOST and a
token or profile) and the warehouse from MESH_WAREHOUSE_ID. Exit codes are mesh's: 0, 1, 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script from any folder

from governance.cli import main, redacted_traceback  # noqa: E402

DEFAULT_AUDIT_LOG = ROOT / ".mesh" / "audit" / "unity-sync.jsonl"


def sync_args(argv: list[str]) -> list[str]:
    args = ["sync", "--platform", "unity", *argv]
    if "--apply" in argv and "--audit-log" not in argv:
        args += ["--audit-log", str(DEFAULT_AUDIT_LOG)]
    return args


if __name__ == "__main__":
    sys.excepthook = redacted_traceback  # a bug's traceback never shows a credential
    sys.exit(main(sync_args(sys.argv[1:])))
