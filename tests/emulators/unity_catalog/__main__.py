"""`python -m tests.emulators.unity_catalog --port 8765 [--seed-root PATH] [--latency 0.05] [--faults 0.2]`"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tests.emulators.unity_catalog import UnityCatalogEmulator, seed_from_mesh


def main() -> None:
    parser = argparse.ArgumentParser(description="Unity Catalog emulator for demos and manual tests")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="dapi-emulator-token")
    parser.add_argument("--warehouse-id", default="emulator-warehouse")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--faults", type=float, default=0.0, help="share of requests answered with a fault")
    parser.add_argument("--principal", default="sync-bot@example.com", help="who the token identifies")
    parser.add_argument("--group", action="append", default=[], help="an account group the principal is in")
    parser.add_argument("--seed-root", type=Path, help="create the tables of this mesh's products")
    parser.add_argument(
        "--recipient", action="append", default=[], help="a Delta Sharing recipient that exists"
    )
    args = parser.parse_args()
    emulator = UnityCatalogEmulator(
        token=args.token,
        warehouse_id=args.warehouse_id,
        latency=args.latency,
        principal=args.principal,
        groups=tuple(args.group),
    )
    emulator.metastore.recipients.update(args.recipient)
    if args.faults:
        emulator.set_faults(args.faults)
    if args.seed_root:
        from governance.errors import MeshError
        from governance.loader import load_mesh

        try:
            mesh = load_mesh(args.seed_root.resolve())
        except MeshError as error:
            raise SystemExit(f"error: {error}") from None
        print(f"seeded {len(seed_from_mesh(emulator, mesh))} tables")
    emulator.start(args.port)
    print(f"Unity Catalog emulator on {emulator.url}")
    print(
        f"  export DATABRICKS_HOST={emulator.url} DATABRICKS_TOKEN=<the --token value> "
        f"MESH_WAREHOUSE_ID={args.warehouse_id}"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
