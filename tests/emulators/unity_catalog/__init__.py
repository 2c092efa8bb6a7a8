"""A Unity Catalog + statement-execution emulator driven by the real databricks-sdk over HTTP.

    emulator = UnityCatalogEmulator(latency=0.05).start()
    WorkspaceClient(host=emulator.url, token=emulator.token)

Run standalone for demos: `python -m tests.emulators.unity_catalog --port 8765 --seed-root .`
"""

from tests.emulators.unity_catalog.seed import seed_from_mesh
from tests.emulators.unity_catalog.server import FAULT_KINDS, UnityCatalogEmulator

__all__ = ["FAULT_KINDS", "UnityCatalogEmulator", "seed_from_mesh"]
