"""An isolated namespace per pull request, so a pull-request build never writes production objects.

Every catalog the mesh writes gets the suffix `__pr_<id>` (macros/naming/domain_catalog.sql reads it from
`MESH_CATALOG_SUFFIX`): on Databricks `orders_dev__pr_42`, on DuckDB `orders__pr_42`, which is the name of
a separate database file under `<data>/pr/<id>/warehouse/`. Production's DuckDB files are attached
read-only under their own names, so deferred refs and unchanged upstream products read production.
Everything a pull-request build writes (database files, dbt artifacts, generated profiles and dbt-loom
configurations) lives under `<data>/pr/<id>/`; `mesh clean --pr ID` removes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from governance.errors import MeshError
from governance.project import data_dir

PR_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
SUFFIX_ENV = "MESH_CATALOG_SUFFIX"


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
        """Appended to every catalog the pull request writes; a valid identifier on every engine."""
        return "__pr_" + self.pr_id.lower().replace("-", "_")

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
