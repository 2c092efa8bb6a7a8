"""The machine-readable side of the site: `mesh.json` (the whole mesh, for tools and agents) and the
browser search index (`assets/search-index.js`, products with their columns, tags, owners and
classifications)."""

from __future__ import annotations

from typing import Any

import orjson

from governance.lineage import to_json
from governance.model import Exposure, Model
from governance.site.catalog import Catalog, ProductEntry

SCHEMA_VERSION = 1


def _product(entry: ProductEntry) -> dict[str, Any]:
    model = entry.model
    facts = entry.facts
    owner = facts.owner
    return {
        "id": model.unique_id,
        "name": model.display_name,
        "kind": entry.kind.value,
        "domain": model.project,
        "version": model.version,
        "latest_version": None if model.latest_version is None else str(model.latest_version),
        "deprecation_date": model.deprecation_date.date().isoformat() if model.deprecation_date else None,
        "description": model.description,
        "owner": {
            "group": owner.group,
            "name": owner.team,
            "email": owner.email,
            "contact": owner.contact,
            "principal": owner.principal,
        },
        "classification": model.classification,
        "sla_freshness_hours": facts.sla_hours,
        "tags": list(model.tags),
        "columns": [
            {
                "name": c.name,
                "data_type": c.data_type,
                "description": c.description,
                "primary_key": c.name in model.primary_key,
                "pii": c.is_pii,
                "masked": c.is_masked,
                "classification": c.classification,
            }
            for c in model.columns.values()
        ],
        "health": {"signal": entry.health.signal, "reasons": list(entry.health.reasons)},
        "tests": [
            {
                "id": t.unique_id,
                "name": t.name,
                "column": t.column_name,
                "status": t.result.status if t.result else None,
                "failures": t.result.failures if t.result else None,
            }
            for t in entry.tests
        ],
        "freshness": [
            {
                "source": r.source.unique_id,
                "status": r.status,
                "max_loaded_at": r.max_loaded_at.isoformat() if r.max_loaded_at else None,
                "age_hours": None if r.age_hours is None else round(r.age_hours, 2),
                "within_sla": r.within_sla,
            }
            for r in entry.freshness
        ],
        "endpoints": [{"engine": e.engine, "name": e.name, "note": e.note} for e in facts.endpoints],
        "readers": [
            {"principal": r.principal, "access": r.access, "from": r.source, "pii_unmasked": r.pii}
            for r in facts.readers
        ],
        "consumers": [{"id": c.node.unique_id, "kind": c.kind} for c in entry.consumers],
        "findings": [
            {"code": f.code, "severity": f.severity.value, "message": f.message, "location": str(f.location)}
            for f in entry.findings
        ],
        "page": entry.url,
        "contract": entry.contract_url,
    }


def mesh_index(catalog: Catalog) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": catalog.generated_at.isoformat(timespec="seconds"),
        "domains": [
            {
                "name": d.name,
                "platform": d.platform,
                "is_hub": d.is_hub,
                "owners": [{"group": g, "name": n, "email": e} for g, n, e in d.owners],
                "upstream": d.upstream,
                "downstream": d.downstream,
                "products": [p.model.unique_id for p in d.products],
                "exposures": [_exposure(e) for e in d.exposures],
                "findings": {
                    "total": len(d.findings),
                    "by_rule": {c: [e, w, i] for c, e, w, i in d.scorecard()},
                },
                "page": d.url,
            }
            for d in catalog.domains.values()
        ],
        "products": [_product(p) for p in sorted(catalog.products.values(), key=lambda p: p.model.unique_id)],
        "lineage": to_json(catalog.lineage),
        "health": dict(sorted(catalog.health_counts().items())),
    }


def _exposure(exposure: Exposure) -> dict[str, Any]:
    return {
        "id": exposure.unique_id,
        "name": exposure.name,
        "type": exposure.type,
        "owner": exposure.owner_email or exposure.owner_name,
        "depends_on": list(exposure.depends_on),
    }


def search_index(catalog: Catalog) -> dict[str, Any]:
    products = []
    for entry in sorted(catalog.products.values(), key=lambda p: p.model.unique_id):
        model: Model = entry.model
        found = entry.facts.owner
        owner = " ".join(
            dict.fromkeys(v for v in (found.group, found.team, found.contact, found.principal) if v)
        )
        products.append(
            {
                "name": model.display_name,
                "domain": model.project,
                "url": entry.url,
                "owner": owner,
                "classification": model.classification or "",
                "tags": list(model.tags),
                "columns": list(model.columns),
                "column_classes": sorted(
                    {c.classification for c in model.columns.values() if c.classification}
                ),
                "health": entry.health.signal,
            }
        )
    return {"products": products}


def search_script(catalog: Catalog) -> bytes:
    """`window.MESH_INDEX = {...};` with <, >, & and line separators escaped, so no text can end the
    script or break the JavaScript parser."""
    raw = orjson.dumps(search_index(catalog))
    for char, code in (
        (b"<", b"\\u003c"),
        (b">", b"\\u003e"),
        (b"&", b"\\u0026"),
        ("\u2028".encode(), b"\\u2028"),
        ("\u2029".encode(), b"\\u2029"),
    ):
        raw = raw.replace(char, code)
    return b"window.MESH_INDEX = " + raw + b";\n"
