"""One data product version as an Open Data Contract Standard v3.1.0 document.

The mapping (docs/architecture.md, "Catalog and contracts"): owner (`MeshModel.owner`) -> `team` and the
owner role, `meta.sla` -> `slaProperties`, column classification -> `classification`, `relationships`
tests -> `relationships`, `not_null`/`unique`/`accepted_values` -> library `quality` metrics (other dbt
tests -> custom quality run by dbt), grants and PII clearance -> `roles`, platform -> `servers`, version
and deprecation date -> `version`/`status`/`endOfSupport`. A contract holds no run results or timestamps,
so exporting an unchanged product gives the same bytes (the drift rule compares them).
"""

from __future__ import annotations

import re
from typing import Any

from governance.contracts import yaml_out
from governance.contracts.facts import (
    ProductFacts,
    Surroundings,
    contract_id,
    product_facts,
    shares_of,
)
from governance.model import Column, DataTest, MeshModel, Model
from governance.project import Platform

API_VERSION = "v3.1.0"

# dbt/SQL type (first word, lower case) -> ODCS logicalType
_LOGICAL = {
    **dict.fromkeys(("string", "varchar", "text", "char", "character", "nvarchar", "uuid", "json"), "string"),
    **dict.fromkeys(
        ("int", "integer", "bigint", "smallint", "tinyint", "long", "short", "hugeint"), "integer"
    ),
    **dict.fromkeys(("double", "float", "real", "decimal", "numeric", "number"), "number"),
    **dict.fromkeys(("boolean", "bool"), "boolean"),
    "date": "date",
    **dict.fromkeys(("timestamp", "timestamp_ntz", "timestamp_ltz", "timestamptz", "datetime"), "timestamp"),
    "time": "time",
    **dict.fromkeys(("array", "list"), "array"),
    **dict.fromkeys(("struct", "map", "object", "variant", "row"), "object"),
}
_TYPE_HEAD = re.compile(r"[a-z_]+")
_SHORTHAND_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# kwargs dbt adds to every generic test: the tested relation and column, not arguments of the check
_IMPLICIT_KWARGS = frozenset({"model", "column_name"})


def logical_type(data_type: str | None) -> str | None:
    if not data_type:
        return None
    head = _TYPE_HEAD.match(data_type.strip().lower())
    return _LOGICAL.get(head.group(0)) if head else None


def test_arguments(test: DataTest) -> dict[str, Any]:
    """A generic test's own arguments (dbt 1.10+ nests them under `arguments`)."""
    kwargs = dict(test.kwargs)
    nested = kwargs.pop("arguments", None)
    if isinstance(nested, dict):
        kwargs.update(nested)
    return {k: v for k, v in kwargs.items() if k not in _IMPLICIT_KWARGS}


def test_label(test: DataTest) -> str:
    """The test node's own name (`not_null_fct_orders_order_id`), from its unique_id."""
    parts = test.unique_id.split(".")
    return parts[2] if len(parts) > 2 else test.unique_id


def relationship_target(mesh: MeshModel, test: DataTest) -> tuple[Model, str] | None:
    """(referenced model, its column) of a `relationships` test, when the model is in the mesh."""
    field_name = test_arguments(test).get("field")
    if not isinstance(field_name, str):
        return None
    for uid in test.depends_on:
        target = mesh.model(uid)
        if target is not None and uid != test.attached_node:
            return target, field_name
    return None


def _quality(test: DataTest) -> dict[str, Any] | None:
    """The ODCS quality entry of one dbt test (relationships become `relationships` instead)."""
    label = test_label(test)
    if test.name == "not_null":
        return {
            "name": label,
            "type": "library",
            "metric": "nullValues",
            "mustBe": 0,
            "dimension": "completeness",
        }
    if test.name == "unique":
        return {
            "name": label,
            "type": "library",
            "metric": "duplicateValues",
            "mustBe": 0,
            "dimension": "uniqueness",
        }
    if test.name == "accepted_values":
        values = test_arguments(test).get("values")
        entry: dict[str, Any] = {"name": label, "type": "library", "metric": "invalidValues", "mustBe": 0}
        if isinstance(values, list):
            entry["arguments"] = {"validValues": values}
        entry["dimension"] = "conformity"
        return entry
    if test.name == "relationships":
        return None
    arguments = test_arguments(test)
    implementation: dict[str, Any] = {"test": test.name}
    if arguments:
        implementation["arguments"] = arguments
    return {"name": label, "type": "custom", "engine": "dbt", "implementation": implementation}


def _present(*pairs: tuple[str, Any]) -> dict[str, Any]:
    """The pairs whose value is set, in order (None, "", [] and {} are left out; False and 0 stay)."""
    return {key: value for key, value in pairs if value is not None and value not in ("", [], {})}


def _relationships(mesh: MeshModel, tests: list[DataTest]) -> list[dict[str, Any]]:
    found = []
    for test in tests:
        target = relationship_target(mesh, test) if test.name == "relationships" else None
        if target and all(_SHORTHAND_PART.fullmatch(p) for p in (target[0].alias, target[1])):
            found.append({"type": "foreignKey", "to": f"{target[0].alias}.{target[1]}"})
    return found


def _property(mesh: MeshModel, facts: ProductFacts, column: Column, keys: list[str]) -> dict[str, Any]:
    tests = facts.tests_on(column.name)
    names = {t.name for t in tests} | set(column.constraint_types)
    pii = [{"property": "pii", "value": True}, {"property": "masked", "value": column.is_masked}]
    return _present(
        ("name", column.name),
        ("physicalName", column.name),
        ("logicalType", logical_type(column.data_type)),
        ("physicalType", column.data_type),
        ("description", column.description.strip()),
        ("required", "not_null" in names or column.name in keys),
        ("unique", "unique" in names),
        ("primaryKey", True if column.name in keys else None),
        ("primaryKeyPosition", keys.index(column.name) + 1 if column.name in keys else None),
        ("classification", column.classification),
        ("tags", list(column.tags)),
        ("customProperties", pii if column.is_pii else None),
        ("relationships", _relationships(mesh, tests)),
        ("quality", [q for q in (_quality(t) for t in tests) if q is not None]),
    )


def contract_version(model: Model) -> str:
    """The contract's semantic version: the dbt model version as the major, 1.0.0 when unversioned."""
    if model.version is None:
        return "1.0.0"
    return f"{model.version}.0.0" if model.version.isdigit() else model.version


def status_of(model: Model) -> str:
    if model.deprecation_date is not None:
        return "deprecated"
    return "active"


def _servers(facts: ProductFacts, surroundings: Surroundings) -> list[dict[str, Any]]:
    model = facts.model
    catalog = model.database or model.project
    # Where the project's own profile puts it, and only the platforms its profile has a target for.
    where = surroundings.locations.get(model.project)
    duckdb_file = f"data/warehouse/{catalog}.duckdb" if where is None else where.duckdb_file
    servers: list[dict[str, Any]] = []
    if duckdb_file is not None:
        servers.append(
            {
                "server": "embedded-duckdb",
                "type": "duckdb",
                "description": "The mesh's embedded engine (`mesh query`); the domain's DuckDB file.",
                "database": duckdb_file,
                "schema": model.schema,
            }
        )
    if facts.domain.platform is Platform.EXTERNAL:
        trino = next((e for e in facts.endpoints if e.engine == "trino"), None)
        if trino is not None:
            trino_catalog, trino_schema, _ = trino.name.split(".", 2)
            servers.append(
                {
                    "server": "trino",
                    "type": "trino",
                    "description": "Iceberg catalog published by `mesh publish`, read through Trino.",
                    "host": surroundings.trino_host,
                    "port": surroundings.trino_port,
                    "catalog": trino_catalog,
                    "schema": trino_schema,
                }
            )
        return servers
    if where is not None and not where.on_databricks:
        return servers  # no Databricks target and no platform declared: the mesh does not serve it there
    servers.append(
        {
            "server": "databricks",
            "type": "databricks",
            "description": "Unity Catalog (catalog = domain, schema = layer).",
            "catalog": catalog,
            "schema": model.schema,
        }
    )
    for share in shares_of(model):
        recipients = surroundings.shares.get(share, ())
        entry: dict[str, Any] = {
            "server": f"delta-sharing-{share}",
            "type": "custom",
            "description": f"Delta Sharing share {share}: the table is {share}.{model.shared_as}.",
            "customProperties": [{"property": "share", "value": share}],
        }
        if recipients:
            entry["customProperties"].append({"property": "recipients", "value": list(recipients)})
        servers.append(entry)
    return servers


def _roles(facts: ProductFacts) -> list[dict[str, Any]]:
    owner = facts.owner.principal
    roles = []
    for reader in facts.readers:
        role: dict[str, Any] = {"role": reader.principal, "access": reader.access}
        scope = "all columns, PII unmasked" if reader.pii else "PII columns masked or withheld"
        role["description"] = f"{reader.source}; {scope}"
        if owner and reader.access != "owner":
            role["firstLevelApprovers"] = owner
        roles.append(role)
    return roles


def _sla(model: Model, hours: float | None) -> list[dict[str, Any]]:
    sla: list[dict[str, Any]] = []
    if hours is not None:
        sla.append(
            {
                "property": "freshness",
                "value": int(hours) if hours.is_integer() else hours,
                "unit": "h",
                "description": "How stale the product may be (meta.sla.freshness_hours).",
            }
        )
    if model.deprecation_date is not None:
        sla.append({"property": "endOfSupport", "value": model.deprecation_date.date().isoformat()})
    return sla


def _team(facts: ProductFacts) -> dict[str, Any] | None:
    owner = facts.owner
    if not (owner.group or owner.contact):
        return None
    contact = owner.contact
    members = [{"username": contact, "name": owner.team or contact, "role": "owner"}] if contact else None
    return _present(
        ("name", owner.group or facts.model.domain), ("description", owner.team), ("members", members)
    )


def _custom(model: Model) -> list[dict[str, Any]]:
    custom: list[dict[str, Any]] = [
        {"property": "dbtUniqueId", "value": model.unique_id},
        {"property": "access", "value": model.access.value},
    ]
    if model.classification:
        custom.append({"property": "classification", "value": model.classification})
    if model.latest_version is not None:
        custom.append({"property": "latestVersion", "value": str(model.latest_version)})
        custom.append({"property": "isLatest", "value": model.version == str(model.latest_version)})
    return custom


def _schema_object(mesh: MeshModel, facts: ProductFacts) -> dict[str, Any]:
    model = facts.model
    keys = model.primary_key
    table_tests = [t for t in facts.tests if t.column_name is None]
    return _present(
        ("name", model.alias),
        ("physicalName", model.alias),
        ("physicalType", "view" if model.materialized == "view" else "table"),
        ("logicalType", "object"),
        ("description", model.description.strip()),
        ("tags", list(model.tags)),
        ("properties", [_property(mesh, facts, c, keys) for c in model.columns.values()]),
        ("quality", [q for q in (_quality(t) for t in table_tests) if q is not None]),
    )


def build_contract(
    mesh: MeshModel, model: Model, surroundings: Surroundings, facts: ProductFacts | None = None
) -> dict[str, Any]:
    """The ODCS document of one product version (a plain dict, in ODCS key order); `facts` when the
    caller has them already."""
    facts = facts or product_facts(mesh, model, surroundings)
    email = facts.owner.contact_email
    usage = "; ".join(f"{e.label}: {e.name}" for e in facts.endpoints)
    limitations = (
        f"Deprecated: removed after {model.deprecation_date.date().isoformat()}; "
        f"move to version {model.latest_version}."
        if model.deprecation_date is not None
        else None
    )
    description = _present(
        ("purpose", model.description.strip()),
        ("usage", f"Query it as {usage}."),
        ("limitations", limitations),
    )
    support = [{"channel": "owner", "tool": "email", "url": f"mailto:{email}"}] if email else None
    return _present(
        ("apiVersion", API_VERSION),
        ("kind", "DataContract"),
        ("id", contract_id(model)),
        ("name", model.display_name),
        ("version", contract_version(model)),
        ("status", status_of(model)),
        ("domain", model.domain),
        ("dataProduct", model.name),
        ("description", description),
        ("tags", list(model.tags)),
        ("schema", [_schema_object(mesh, facts)]),
        ("team", _team(facts)),
        ("roles", _roles(facts)),
        ("slaProperties", _sla(model, facts.sla_hours)),
        ("servers", _servers(facts, surroundings)),
        ("support", support),
        ("customProperties", _custom(model)),
    )


def to_yaml(contract: dict[str, Any]) -> str:
    return yaml_out.dump(contract)
