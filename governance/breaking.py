"""Cross-domain breaking changes: each public product now versus the same product in previous manifests.

A consumer in another domain, the hub or an exposure pins a product by name (and version), so any
change that makes its query fail or change meaning is breaking: a column removed or renamed, a type
changed, the contract switched off, access narrowed, a version or the whole product removed before its
deprecation date. Additive changes (new columns, products, versions) are not. A breaking change that
ships as a new version leaves the old version untouched, so it passes.

Every finding names, in its message and `impact`, all transitive downstream consumers across projects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from governance.findings import Finding, Severity
from governance.model import ACCESS_RANK, Exposure, MeshModel, Model

if TYPE_CHECKING:
    from governance.project import Projects

# The codes this comparison reports; each is an ordinary rule (governance/checks/rules/breaking.py:
# title, rationale, severity and scope configurable in policies.yml like any other).
COLUMN_REMOVED = "MESH101"
TYPE_CHANGED = "MESH102"
CONTRACT_DISABLED = "MESH103"
ACCESS_NARROWED = "MESH104"
VERSION_REMOVED_EARLY = "MESH105"
PRODUCT_REMOVED = "MESH106"
BREAKING_CODES = (
    COLUMN_REMOVED,
    TYPE_CHANGED,
    CONTRACT_DISABLED,
    ACCESS_NARROWED,
    VERSION_REMOVED_EARLY,
    PRODUCT_REMOVED,
)

MAX_NAMED_IN_MESSAGE = 10  # the full list is always in `impact`


def find_breaking_changes(
    current: MeshModel, previous: MeshModel, now: datetime | None = None
) -> list[Finding]:
    """Findings for every public product of `previous` that `current` breaks, in stable order."""
    return _Comparison(current, previous, now or datetime.now(UTC)).run()


@dataclass(frozen=True, slots=True)
class _Comparison:
    current: MeshModel
    previous: MeshModel
    today: datetime

    def run(self) -> list[Finding]:
        findings: list[Finding] = []
        for old in sorted(self.previous.products(), key=lambda m: m.unique_id):
            new = self._counterpart(old)
            findings.extend(self._removed(old) if new is None else self._changed(old, new))
        return findings

    def _counterpart(self, old: Model) -> Model | None:
        """The same product now; an unversioned product that became versioned maps to its latest
        version, which is what an unpinned ref resolves to."""
        same = self.current.model(old.unique_id)
        if same is not None or old.version is not None:
            return same
        return next(
            (m for m in self._versions_now(old) if m.version == m.latest_version),
            None,
        )

    def _versions_now(self, old: Model) -> list[Model]:
        domain = self.current.domains.get(old.project)
        if domain is None:
            return []
        return [m for m in domain.models.values() if m.name == old.name and m.version is not None]

    def _removed(self, old: Model) -> list[Finding]:
        deprecation = old.deprecation_date
        if deprecation is not None and _as_utc(deprecation) <= self.today:
            return []  # announced and past its date: removal is the expected end of life
        before = f" before its deprecation date {deprecation:%Y-%m-%d}" if deprecation else ""
        if old.version is not None and self._versions_now(old):
            when = before or " without a deprecation date"
            return [self._finding(VERSION_REMOVED_EARLY, old, f"version {old.version} removed{when}")]
        return [self._finding(PRODUCT_REMOVED, old, f"product removed{before}")]

    def _changed(self, old: Model, new: Model) -> list[Finding]:
        findings: list[Finding] = []
        if ACCESS_RANK[new.access] < ACCESS_RANK[old.access]:
            what = f"access narrowed from {old.access} to {new.access}"
            findings.append(self._finding(ACCESS_NARROWED, old, what, new))
        if old.contract_enforced and not new.contract_enforced:
            findings.append(self._finding(CONTRACT_DISABLED, old, "contract no longer enforced", new))
        for name, column in old.columns.items():
            now_column = new.columns.get(name)
            if now_column is None:
                what = f"column `{name}` removed or renamed"
                findings.append(self._finding(COLUMN_REMOVED, old, what, new, f"column:{name}"))
            elif column.data_type and _normal_type(column.data_type) != _normal_type(now_column.data_type):
                was, now = column.data_type, now_column.data_type or "none"
                what = f"column `{name}` type changed from {was} to {now}"
                findings.append(self._finding(TYPE_CHANGED, old, what, new, f"column:{name}"))
        return findings

    def _finding(
        self, code: str, old: Model, what: str, new: Model | None = None, subject: str | None = None
    ) -> Finding:
        model = new or old
        affected = impact(self.current, self.previous, old.unique_id)
        named = ", ".join(_label(node) for node in affected[:MAX_NAMED_IN_MESSAGE])
        more = len(affected) - MAX_NAMED_IN_MESSAGE
        named += f" and {more} more" if more > 0 else ""
        breaks = f"; breaks {len(affected)} downstream: {named}" if affected else "; no known consumers"
        owner = _contact(self.current, model) or _contact(self.previous, model)
        return Finding(
            code=code,
            severity=Severity.ERROR,
            message=f"{old.display_name}: {what}{breaks}",
            domain=model.domain,
            owner=owner,
            location=model.fix_location,
            node_id=old.unique_id,
            impact=tuple(node.unique_id for node in affected),
            subject=subject,
        )


def impact(current: MeshModel, previous: MeshModel, unique_id: str) -> list[Model | Exposure]:
    """Transitive consumers of a product that still exist now, across projects, in a stable order.

    The current graph is authoritative; the previous one adds consumers whose edge to a removed
    product is only recorded there (a downstream manifest may not have been re-parsed yet).
    """
    found: dict[str, Model | Exposure] = {}
    for node in chain(current.downstream(unique_id), previous.downstream(unique_id)):
        live = current.nodes.get(node.unique_id)
        if isinstance(live, Model | Exposure) and node.unique_id not in found:
            found[node.unique_id] = live
    return sorted(found.values(), key=lambda n: (n.project, isinstance(n, Exposure), n.unique_id))


def _label(node: Model | Exposure) -> str:
    if isinstance(node, Exposure):
        return f"exposure {node.project}.{node.name}"
    return node.display_name


def _contact(mesh: MeshModel, model: Model) -> str | None:
    return mesh.owner(model).contact if model.project in mesh.domains else None


def _normal_type(data_type: str | None) -> str:
    """Compare types as the warehouse does: case- and whitespace-insensitive."""
    return "".join((data_type or "").lower().split())


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# What `mesh check --state` could not compare, said rather than skipped ------------------------------

SOURCE_SUFFIXES = frozenset({".sql", ".yml", ".yaml", ".csv", ".py", ".md"})
_NOT_SOURCES = frozenset({"target", "dbt_packages", "dbt_modules", "logs", "node_modules", "__pycache__"})


def state_gaps(state_dir: Path, projects: Projects) -> list[str]:
    """One sentence per project the comparison cannot cover, or covers with a stale manifest: absent
    from the state folder (nothing of it is compared), or built before its sources were last edited."""
    notes: list[str] = []
    for name in projects.order:
        project = projects.projects[name]
        if not (state_dir / name / "manifest.json").is_file():
            why = (
                f"{state_dir / name} has no manifest.json"
                if (state_dir / name).is_dir()
                else f"no folder {state_dir / name}"
            )
            notes.append(
                f"{name}: not compared, {why} (a project new since that deployment, or its artifacts "
                f"were not copied: copy production's target/manifest.json to {state_dir / name}/)"
            )
        stale = newer_source(project.path, project.manifest_path)
        if stale is not None:
            shown = stale.relative_to(projects.root) if stale.is_relative_to(projects.root) else stale
            notes.append(
                f"{name}: {project.manifest_path.relative_to(project.path)} is older than {shown} "
                f"(edited since the last build), so the comparison does not see that edit; run "
                f"`mesh build --domain {name}` first"
            )
    return notes


def newer_source(folder: Path, manifest: Path) -> Path | None:
    """A source file of the project edited after its manifest was written (None: none, or no manifest)."""
    try:
        built = manifest.stat().st_mtime
    except OSError:
        return None
    for current, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(
            d
            for d in subfolders
            if not d.startswith(".")
            and d not in _NOT_SOURCES
            and not (Path(current, d) / "dbt_project.yml").is_file()  # a project nested in this one
        )
        for file in sorted(files):
            path = Path(current, file)
            if path.suffix in SOURCE_SUFFIXES:
                try:
                    if path.stat().st_mtime > built:
                        return path
                except OSError:
                    continue
    return None
