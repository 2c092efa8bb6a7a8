"""A dbt interpreter's collector (governance/build/worker.py `import_dbt`): dbt's modules and classes are set
aside once imported, and young collections run less often, so dbt's parse and build do not traverse what
lives as long as the interpreter (docs/benchmarks.md, "The collector in dbt's interpreters")."""

from __future__ import annotations

import json
import subprocess
import sys

from governance.build import worker

PROBE = """
import gc, json
from governance.build.worker import import_dbt
before = gc.get_freeze_count()
import_dbt()
print(json.dumps({"frozen_before": before, "frozen": gc.get_freeze_count(), "enabled": gc.isenabled(),
                  "threshold": gc.get_threshold(), "dbt": "dbt.cli.main" in __import__("sys").modules}))
"""


def test_dbt_is_imported_with_the_collector_off_then_set_aside_and_the_collector_is_back_on() -> None:
    # its own interpreter: freezing the test process's heap would change every later test's collections
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["dbt"]
    assert seen["frozen_before"] == 0
    assert seen["frozen"] > 100_000  # dbt's import: several hundred thousand objects
    assert seen["enabled"]
    assert seen["threshold"][0] == worker.YOUNG_GENERATION
