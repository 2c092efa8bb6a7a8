"""What a rule sees: the mesh, its effective severity and parameters, and helpers that build findings
with domain, owner and the YAML file:line to fix already filled in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from governance.checks.registry import Rule
from governance.findings import Finding, Severity
from governance.model import Column, Exposure, Group, Location, MeshModel, Model, Source


@dataclass(frozen=True)
class RuleContext:
    mesh: MeshModel
    rule: Rule
    severity: Severity
    params: Mapping[str, Any]
    today: date
    previous: MeshModel | None = None  # the last deployed mesh (`--state`), for breaking-change rules

    def _finding(  # noqa: PLR0917 - one private helper, called with the fields in Finding's order
        self,
        message: str,
        domain: str,
        owner: str | None,
        location: Location,
        node_id: str | None,
        subject: str | None = None,
    ) -> Finding:
        return Finding(
            self.rule.code, self.severity, message, domain, owner, location, node_id, subject=subject
        )

    def model(
        self,
        model: Model,
        message: str,
        column: Column | None = None,
        *,
        at_sql: bool = False,
        subject: str | None = None,
    ) -> Finding:
        """A finding on a model: at the column's line, the model's yml entry, or (`at_sql`) its SQL file.
        Its subject (what the baseline remembers besides the model) is the column, else `subject`."""
        location = (
            model.sql_path
            if at_sql
            else (model.column_location(column.name) if column else None) or model.fix_location
        )
        return self._finding(
            f"{model.display_name}: {message}",
            model.project,
            self.contact_of(model),
            location,
            model.unique_id,
            subject or (f"column:{column.name}" if column is not None else None),
        )

    def source(self, source: Source, message: str, column: Column | None = None) -> Finding:
        location = source.column_location(column.name) if column else source.location
        name = f"source {source.project}.{source.source_name}.{source.name}"
        return self._finding(
            f"{name}: {message}",
            source.project,
            self.domain_owner(source.project),
            location,
            source.unique_id,
            f"column:{column.name}" if column is not None else None,
        )

    def exposure(self, exposure: Exposure, message: str, subject: str | None = None) -> Finding:
        owner = exposure.owner_email or exposure.owner_name or self.domain_owner(exposure.project)
        return self._finding(
            f"exposure {exposure.name}: {message}",
            exposure.project,
            owner,
            exposure.location,
            exposure.unique_id,
            subject,
        )

    def group(self, group: Group, message: str) -> Finding:
        return self._finding(
            f"group {group.name}: {message}",
            group.project,
            group.owner_email or self.domain_owner(group.project),
            group.location,
            f"group.{group.project}.{group.name}",
        )

    def contact_of(self, model: Model) -> str | None:
        """Whom a finding on `model` reaches: its owner's contact (`MeshModel.owner`)."""
        return self.mesh.owner(model).contact

    def domain_owner(self, project: str) -> str | None:
        return self.mesh.domain_contact(project)
