"""rules.json from the fixture mesh's grants: valid against Trino's documented format, and it means what
the conventions say when read with Trino's documented semantics (first matching rule wins, regexes match
the whole name, a rule applies when any of the user's groups matches, nothing matching means denied)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from governance.trino.config import TrinoSettings, load_trino_settings
from governance.trino.rules import ProductAccess, RulesBuilder, exact
from tests.governance.iceberg.mesh_fixture import BuiltMesh
from tests.governance.trino import FIXTURE_TRINO
from tests.governance.trino.rules_semantics import first, table_access

pytestmark = pytest.mark.dbt

SCHEMA = json.loads((Path(__file__).parent / "rules.schema.json").read_text(encoding="utf-8"))
PUBLISHER = "mesh-publisher"


@pytest.fixture(scope="module")
def trino() -> TrinoSettings:
    return load_trino_settings(FIXTURE_TRINO)


@pytest.fixture(scope="module")
def rules(mesh: BuiltMesh, trino: TrinoSettings) -> dict[str, Any]:
    return RulesBuilder(mesh.mesh, trino, PUBLISHER).build()


def test_rules_are_valid_trino_file_based_access_control(rules: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(rules)
    assert set(rules) == {
        "catalogs",
        "schemas",
        "tables",
        "procedures",
    }  # every section present: deny by default


def test_granted_group_reads_without_pii_columns(rules: dict[str, Any]) -> None:
    privileges, hidden = table_access(rules, "alice", {"data-consumers"}, "shipping.gold.fct_shipments")
    assert privileges == {"SELECT"}
    assert hidden == {"recipient_email"}


def test_pii_cleared_group_sees_every_column_even_when_also_a_consumer(rules: dict[str, Any]) -> None:
    assert table_access(rules, "petra", {"shipping-pii-readers"}, "shipping.gold.fct_shipments") == (
        {"SELECT"},
        set(),
    )
    both = table_access(
        rules, "petra", {"data-consumers", "shipping-pii-readers"}, "shipping.gold.fct_shipments"
    )
    assert both == ({"SELECT"}, set())


def test_owner_reads_its_product_with_pii_in_clear_and_never_writes_it(
    rules: dict[str, Any],
) -> None:
    # The access matrix (governance.access): the owner reads its PII in clear, as on Unity Catalog.
    # Products are written by the publisher alone: no OWNERSHIP (DDL), INSERT, DELETE or UPDATE.
    privileges, hidden = table_access(rules, "sam", {"shipping-team"}, "shipping.gold.fct_shipments")
    assert privileges == {"SELECT"}
    assert hidden == set()
    assert table_access(rules, "alice", {"data-consumers"}, "shipping.gold.fct_shipments")[1] == {
        "recipient_email"
    }
    assert table_access(rules, PUBLISHER, set(), "shipping.gold.fct_shipments")[0] >= {
        "INSERT",
        "DELETE",
        "UPDATE",
        "OWNERSHIP",
    }
    # A schema owner may DROP SCHEMA ... CASCADE: only admins and the publisher own schemas.
    assert first(rules["schemas"], "sam", {"shipping-team"}, catalog="shipping", schema="gold") is None
    assert first(rules["schemas"], "sam", {"shipping-team"}, catalog="billing", schema="gold") is None


def test_owner_has_every_privilege_on_the_other_tables_of_its_schema_only(rules: dict[str, Any]) -> None:
    everything = {"SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP"}
    assert table_access(rules, "sam", {"shipping-team"}, "shipping.gold.scratch")[0] == everything
    assert table_access(rules, "sam", {"shipping-team"}, "shipping.other.scratch") == (set(), set())
    assert table_access(rules, "alice", {"data-consumers"}, "shipping.gold.scratch") == (set(), set())
    # A product's name is taken before it is published: creating it needs OWNERSHIP, which nobody has.
    assert table_access(rules, "sam", {"shipping-team"}, "shipping.gold.dim_carriers_v2")[0] == {"SELECT"}


def test_owning_another_product_in_the_schema_grants_nothing_on_this_one(
    mesh: BuiltMesh, trino: TrinoSettings
) -> None:
    builder = RulesBuilder(mesh.mesh, trino, PUBLISHER)
    shipments = next(p for p in builder.products if p.table.table == "fct_shipments")
    shipments.owner = "other-team"
    shipments.readers = [g for g in shipments.readers if g != "shipping-team"]
    shipments.cleared = [g for g in shipments.cleared if g != "shipping-team"]
    rules = builder.build()
    # shipping-team still owns dim_carriers (same schema), so it owns the schema's other tables...
    assert "OWNERSHIP" in table_access(rules, "sam", {"shipping-team"}, "shipping.gold.scratch")[0]
    # ...but not fct_shipments, which it is not granted at all.
    assert table_access(rules, "sam", {"shipping-team"}, "shipping.gold.fct_shipments") == (set(), set())
    assert table_access(rules, "x", {"other-team"}, "shipping.gold.fct_shipments")[0] == {"SELECT"}


def test_a_pii_column_declared_in_mixed_case_is_hidden_under_the_name_trino_gives_it(
    mesh: BuiltMesh, trino: TrinoSettings
) -> None:
    """Trino names every column in lower case (its identifiers are case-insensitive; the Iceberg connector
    lower-cases `Recipient_Email`) and compares a rule's column names as written: on Trino 476 a rule
    hiding `Recipient_Email` hides nothing, the reader sees `recipient_email` in clear. The matrix says
    withheld (governance.access), so the rule must name the column as Trino does."""
    domain = mesh.mesh.domains["shipping"]
    model = next(m for m in domain.products if m.name == "fct_shipments")
    columns = {
        (name := "Recipient_Email" if key == "recipient_email" else key): msgspec.structs.replace(
            c, name=name
        )
        for key, c in model.columns.items()
    }
    access = ProductAccess.of(dataclasses.replace(model, columns=columns), domain, trino)
    hidden = {c["name"] for rule in access.table_rules() for c in rule.get("columns", [])}
    assert hidden == {"recipient_email"}


def test_products_without_pii_hide_nothing_and_databricks_products_are_read_only(
    rules: dict[str, Any],
) -> None:
    assert table_access(rules, "alice", {"data-consumers"}, "shipping.gold.dim_carriers_v2") == (
        {"SELECT"},
        set(),
    )
    assert table_access(rules, "alice", {"data-consumers"}, "billing.gold.fct_invoices") == (
        {"SELECT"},
        set(),
    )
    catalog_rule = first(rules["catalogs"], "alice", {"data-consumers"}, catalog="billing")
    assert catalog_rule is not None and catalog_rule["allow"] == "read-only"


def test_anything_not_granted_is_denied(rules: dict[str, Any]) -> None:
    assert table_access(rules, "frank", {"finance-analysts"}, "shipping.gold.dim_carriers_v2") == (
        set(),
        set(),
    )
    assert table_access(rules, "mallory", set(), "shipping.gold.fct_shipments") == (set(), set())
    assert table_access(rules, "alice", {"data-consumers"}, "shipping.gold.int_legs") == (set(), set())
    assert (
        first(
            rules["procedures"],
            "alice",
            {"data-consumers"},
            catalog="shipping",
            schema="system",
            procedure="register_table",
        )
        is None
    )


def test_publisher_may_register_and_unregister_tables_only(rules: dict[str, Any]) -> None:
    for procedure in ("register_table", "unregister_table"):
        rule = first(
            rules["procedures"], PUBLISHER, set(), catalog="shipping", schema="system", procedure=procedure
        )
        assert rule is not None and rule["privileges"] == ["EXECUTE"]
    assert (
        first(
            rules["procedures"],
            PUBLISHER,
            set(),
            catalog="shipping",
            schema="system",
            procedure="rollback_to_snapshot",
        )
        is None
    )


def test_admins_may_do_everything(rules: dict[str, Any]) -> None:
    privileges, hidden = table_access(rules, "admin", {"mesh-admins"}, "shipping.gold.fct_shipments")
    assert "OWNERSHIP" in privileges and hidden == set()


@pytest.mark.parametrize("name", ["data-consumers", "a.b", "team|all", "x(y)", "back\\slash", "[z]", "n+1"])
def test_names_are_escaped_into_exact_regexes(name: str) -> None:
    assert re.fullmatch(exact(name), name)
    assert not re.fullmatch(exact(name), name + "x")
    assert not re.fullmatch(exact("a.b"), "axb")
