"""What a published table says about its product: comment, owner, tags, contract fingerprint.

Descriptions go where Trino shows them (table property `comment`, field `doc`); the rest go in
`mesh.*` table properties, visible in Trino's `"<table>$properties"`. `mesh.managed-by` marks tables
this tool owns: it never rewrites a table without it.
"""

from __future__ import annotations

import hashlib
import json

from governance.model import Model

MANAGED_KEY = "mesh.managed-by"
MANAGED_VALUE = "lakehouse-mesh"
PREFIX = "mesh."


def _normalised_type(data_type: str | None) -> str:
    return " ".join((data_type or "").lower().split())


def contract_fingerprint(model: Model) -> str:
    """sha256 over column names, declared types and constraints (order-independent for constraints)."""
    payload = {
        "columns": [
            [column.name, _normalised_type(column.data_type), sorted(column.constraint_types)]
            for column in model.columns.values()
        ],
        "constraints": sorted(json.dumps(c, sort_keys=True, default=str) for c in model.constraints),
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def product_properties(model: Model, publisher: str) -> dict[str, str]:
    owner = model.principal or ""
    properties = {
        "comment": model.description,
        "owner": str(owner),
        MANAGED_KEY: MANAGED_VALUE,
        "mesh.domain": model.domain,
        "mesh.product": model.name,
        "mesh.relation": model.relation,
        "mesh.dbt-unique-id": model.unique_id,
        "mesh.classification": model.classification or "",
        "mesh.tags": ",".join(sorted(model.tags)),
        "mesh.pii-columns": ",".join(model.pii_in_clear),
        "mesh.contract-fingerprint": contract_fingerprint(model),
        "mesh.published-by": publisher,
    }
    if model.version:
        properties["mesh.version"] = model.version
    return properties
