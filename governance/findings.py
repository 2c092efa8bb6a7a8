"""What every check, breaking-change comparison and sync validation reports: a Finding."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from governance.model import Location


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation, named so its owner can route and fix it.

    `node_id` is the dbt unique_id of the offending resource (None for project-level findings);
    `impact` lists affected downstream resources (cross-domain breaking changes).
    """

    code: str  # stable rule code, e.g. MESH006
    severity: Severity
    message: str
    domain: str
    owner: str | None  # owner e-mail or group of the resource
    location: Location  # YAML (or SQL) file and line to fix
    node_id: str | None = None
    impact: tuple[str, ...] = ()
    subject: str | None = None  # what in the resource: "column:email", "test:<unique_id>", "edge:<unique_id>"

    @property
    def fingerprint(self) -> str:
        """Stable identity for baselines and SARIF: code + resource + subject (the column, test or edge),
        independent of the message wording and line. A new finding on another column of a baselined
        model is a new fingerprint."""
        base = f"{self.code}:{self.node_id or self.location.path}"
        return f"{base}:{self.subject}" if self.subject else base
