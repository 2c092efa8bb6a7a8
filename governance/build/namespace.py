"""An isolated namespace per pull request, so a pull-request build never writes production objects.

Every catalog the mesh writes gets the suffix `__pr_<id>` (macros/naming/domain_catalog.sql reads it from
`MESH_CATALOG_SUFFIX`): on Databricks `orders_dev__pr_42`, on DuckDB `orders__pr_42`, which is the name of
a separate database file under `<data>/pr/<id>/warehouse/`. Production's DuckDB files are attached
read-only under their own names, so deferred refs and unchanged upstream products read production.
Everything a pull-request build writes (database files, dbt artifacts, generated profiles and dbt-loom
configurations) lives under `<data>/pr/<id>/`; `mesh clean --pr ID` removes it.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from governance.errors import MeshError
from governance.project import data_dir

PR_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
SUFFIX_ENV = "MESH_CATALOG_SUFFIX"
_READABLE = re.compile(r"[a-z0-9-]+")
LOCK_WAIT_SECONDS = 2.0


def checked_pr_id(text: str) -> str:
    if not PR_ID.fullmatch(text):
        raise MeshError(
            f"--pr {text!r}: use the pull request's number or a name of letters, digits, '-' and '_' "
            "(at most 40 characters)"
        )
    return text


@dataclass(frozen=True)
class PullRequestNamespace:
    pr_id: str
    root: Path  # <data>/pr/<id>

    @classmethod
    def of(cls, mesh_root: Path, pr_id: str) -> PullRequestNamespace:
        pr_id = checked_pr_id(pr_id)
        return cls(pr_id, data_dir(mesh_root) / "pr" / pr_id)

    @property
    def suffix(self) -> str:
        """Appended to every catalog the pull request writes; a valid identifier on every engine.

        One id, one suffix: catalog names are folded to lower case (Unity Catalog) and allow no `-`. An id
        of lower-case letters, digits and `-` keeps its readable name (`42` -> `__pr_42`, `feature-x` ->
        `__pr_feature_x`, as before); an id holding `_` or capitals, which would fold onto another's name
        (`a_1` and `A-1` onto `a-1`'s `__pr_a_1`), gets 8 hex digits of a hash of the exact id appended, so
        cleaning one pull request never drops another's catalogs.
        """
        folded = self.pr_id.lower().replace("-", "_")
        if _READABLE.fullmatch(self.pr_id):
            return "__pr_" + folded
        import hashlib

        return f"__pr_{folded}_{hashlib.sha256(self.pr_id.encode()).hexdigest()[:8]}"

    def catalog(self, project: str) -> str:
        """The DuckDB catalog (= database file name) of a project in this namespace."""
        return project + self.suffix

    def warehouse_file(self, project: str) -> Path:
        return self.root / "warehouse" / f"{self.catalog(project)}.duckdb"

    def target_dir(self, project: str) -> Path:
        """dbt's target path for the project's pull-request artifacts (the working tree's stays as it is)."""
        return self.root / "target" / project

    def plan_dir(self, project: str) -> Path:
        """dbt's target path for planning: the pull request parsed with production's names."""
        return self.root / "plan" / project

    @property
    def env(self) -> dict[str, str]:
        return {SUFFIX_ENV: self.suffix}


@contextlib.contextmanager
def pr_lock(namespace: PullRequestNamespace, command: str, *, exclusive: bool = False) -> Iterator[None]:
    """One lock per pull-request namespace, shared by `mesh build --pr`, `mesh clean --pr`, `pr-summary`
    and `diff`: a build or a clean holds it alone (`exclusive`), the readers together.

    The lock file sits beside the namespace (`<data>/pr/.<id>.lock`), so `mesh clean` can remove the
    folder while holding it. A conflict waits `LOCK_WAIT_SECONDS`, then is one line naming the command and
    process that hold it. The lock dies with its process (flock): a killed build never blocks the next.
    """
    import fcntl

    lock_path = namespace.root.parent / f".{namespace.pr_id}.lock"
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError as exc:
        raise MeshError(
            f"{lock_path}: cannot open the pull request's lock ({exc.strerror}); check the data folder"
        ) from None
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another mesh command"
                    raise MeshError(
                        f"pull request {namespace.pr_id}'s namespace is in use by {holder}; wait for it to "
                        f"finish, then run mesh {command} again"
                    ) from None
                time.sleep(0.1)
        if exclusive:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"`mesh {command}` (pid {os.getpid()})".encode(), 0)
        yield
    finally:
        os.close(fd)
