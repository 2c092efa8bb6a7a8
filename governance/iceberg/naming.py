"""Where a product lives in the Iceberg catalog database: one Iceberg catalog per domain, named after it
(the `catalog_name` column, Trino's catalog of the same name), namespace = its layer (schema), table = its
name (+ version): `logistics.gold.fct_shipments`, the product's name on every engine.

Namespaces are flat and lower-case because Trino's JDBC catalog lower-cases namespace names.
A versioned product publishes one table per version, `<name>_v<N>`: a breaking change to a public
product is only ever published as a new version, so an existing table only evolves additively.
"""

from __future__ import annotations

import re

from governance.errors import MeshError
from governance.model import Model

_SAFE = re.compile(r"[a-z_][a-z0-9_]*")


def _checked(name: str, what: str, model: Model) -> str:
    if not _SAFE.fullmatch(name):
        raise MeshError(
            f"{model.fix_location}: {what} {name!r} of {model.display_name} is not a lower-case SQL name "
            "([a-z0-9_]); Trino could not address it; rename it"
        )
    return name


def catalog_for(model: Model) -> str:
    """The Iceberg (and Trino) catalog of the product: its domain."""
    return _checked(model.domain.lower(), "domain", model)


def namespace_for(model: Model) -> str:
    """The namespace (Trino schema) of the product: its layer, as its schema on every other engine."""
    return _checked(model.schema.lower(), "schema", model)


def table_name_for(model: Model) -> str:
    name = model.name.lower()
    if model.version:
        name = f"{name}_v{model.version.lower().replace('.', '_')}"
    return _checked(name, "table name", model)


def identifier_for(model: Model) -> tuple[str, str]:
    return namespace_for(model), table_name_for(model)
