"""Two `mesh new` at once: each reads, extends and writes the shared profiles.yml under one lock, so
neither profile is lost (before, both said they updated it and the first one's profile was gone)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from governance.scaffold import SCAFFOLD_LOCK

SCAFFOLD = Path(__file__).resolve().parents[1] / "fixtures" / "scaffold"


def test_a_concurrent_mesh_new_domain_keeps_both_profiles(tmp_path: Path) -> None:
    root = Path(shutil.copytree(SCAFFOLD / "mesh", tmp_path / "repo"))
    profiles = root / "profiles" / "profiles.yml"
    lock = root / SCAFFOLD_LOCK
    lock.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MESH_ROOT": str(root), "MESH_DATA_DIR": str(tmp_path / "data")}
    with lock.open("a") as held:
        # Another `mesh new` in the middle of its read-modify-write of profiles.yml.
        fcntl.flock(held, fcntl.LOCK_EX)
        read_before = profiles.read_text(encoding="utf-8")
        other = subprocess.Popen(
            [sys.executable, "-m", "governance", "new", "domain", "billing", "--platform", "external"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)  # long enough for an unlocked writer to finish
        profiles.write_text(read_before + "\nledger:\n  target: ci\n  outputs: {}\n", encoding="utf-8")
        fcntl.flock(held, fcntl.LOCK_UN)
    _, err = other.communicate(timeout=120)
    assert other.returncode == 0, err
    written = yaml.safe_load(profiles.read_text(encoding="utf-8"))
    assert {"billing", "ledger"} <= set(written), sorted(written)
