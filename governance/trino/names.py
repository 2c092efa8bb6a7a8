"""Where a product appears in Trino.

Every product keeps its mesh name `<domain>.<layer>.<table>`: an external domain's products are in the
JDBC catalog named after the domain (one Iceberg catalog per domain in the catalog database, namespace =
layer, see governance/iceberg/naming.py); a Databricks domain's are read through the REST catalog named
after it (Unity Catalog's Iceberg REST endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.iceberg.naming import catalog_for, identifier_for
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
        return TrinoTable(catalog_for(model), namespace, table)
    return TrinoTable((model.database or model.project).lower(), model.schema.lower(), model.alias.lower())
