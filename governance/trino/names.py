"""Where a product appears in Trino.

External products live in the JDBC catalog: `<external_catalog>.<domain>.<table>` (namespace = domain,
see governance/iceberg/naming.py). Databricks products are read through one REST catalog per domain,
named after the domain, so they keep their mesh name `<domain>.<layer>.<table>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.iceberg.naming import identifier_for
from governance.model import Domain, Model
from governance.project import Platform
from governance.trino.config import TrinoSettings


@dataclass(frozen=True)
class TrinoTable:
    catalog: str
    schema: str
    table: str

    def __str__(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.table}"


def trino_table(model: Model, domain: Domain, settings: TrinoSettings) -> TrinoTable:
    if domain.platform is Platform.EXTERNAL:
        namespace, table = identifier_for(model)
        return TrinoTable(settings.external_catalog, namespace, table)
    return TrinoTable((model.database or model.project).lower(), model.schema.lower(), model.alias.lower())
