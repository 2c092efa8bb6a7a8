"""The access matrix (governance.access): one table of cases, then the same matrix through `mesh access`,
the Trino rules and the catalog site, which all read it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from governance.access import AccessPolicy, Grant, access_matrix, product_access
from governance.cli import main
from governance.model import Access, Column, Domain, Layer, Location, MeshModel, Model, Platform
from governance.trino.config import load_trino_settings
from governance.trino.rules import ProductAccess as TrinoAccess

REPO = Path(__file__).resolve().parents[2]
C, M, W, D = Grant.CLEAR, Grant.MASKED, Grant.WITHHELD, Grant.DENIED


def product(meta: dict[str, Any], grants: dict[str, tuple[str, ...]] | None = None) -> Model:
    columns = {
        "customer_id": Column("customer_id", "int"),
        "email": Column("email", "string", meta={"pii": True}),
        "email_hash": Column("email_hash", "string", meta={"pii": True, "masked": True}),
    }
    return Model(
        unique_id="model.orders.dim_customers",
        project="orders",
        name="dim_customers",
        version=None,
        latest_version=None,
        deprecation_date=None,
        access=Access.PUBLIC,
        group="orders",
        layer=Layer.GOLD,
        description="",
        columns=columns,
        contract_enforced=True,
        materialized="table",
        database="orders",
        schema="gold",
        alias="dim_customers",
        tags=(),
        meta={"owner": "orders-team", **meta},
        grants=grants if grants is not None else {"select": ("analysts",)},
        constraints=(),
        depends_on=(),
        sql_path=Location("x.sql"),
    )


POLICY = AccessPolicy(
    consumer_group="data-consumers",
    restricted_readers={"restricted": ("restricted-readers",)},
    shares={"partner": ("partner-co",)},
)
CLEARED = {"pii_cleared_groups": ["pii-readers"]}

# (case, product meta, policy, principal) -> (via, customer_id, email, email_hash)
CASES: list[tuple[str, dict[str, Any], AccessPolicy, str, tuple[str, Grant, Grant, Grant]]] = [
    ("owner reads PII in clear", CLEARED, POLICY, "orders-team", ("owner", C, C, M)),
    ("dbt grantee: PII withheld", CLEARED, POLICY, "analysts", ("dbt grants", C, W, M)),
    ("consumer group: PII withheld", CLEARED, POLICY, "data-consumers", ("consumer group", C, W, M)),
    ("cleared group reads PII in clear", CLEARED, POLICY, "pii-readers", ("PII clearance", C, C, M)),
    (
        "share recipient: PII withheld",
        {"shares": ["partner"]},
        POLICY,
        "partner-co",
        ("share partner", C, W, M),
    ),
    ("unknown principal: denied", CLEARED, POLICY, "someone-else", ("", D, D, D)),
    ("no consumer group without policy", {}, AccessPolicy(), "data-consumers", ("", D, D, D)),
    (
        "restricted: dbt grantee denied",
        {"classification": "restricted"},
        POLICY,
        "analysts",
        ("dbt grants", D, D, D),
    ),
    (
        "restricted: consumer group denied",
        {"classification": "restricted"},
        POLICY,
        "data-consumers",
        ("consumer group", D, D, D),
    ),
    (
        "restricted: cleared group not a restricted reader denied",
        {"classification": "restricted", **CLEARED},
        POLICY,
        "pii-readers",
        ("PII clearance", D, D, D),
    ),
    (
        "restricted reader: PII withheld",
        {"classification": "restricted"},
        POLICY,
        "restricted-readers",
        ("restricted readers", C, W, M),
    ),
    (
        "restricted reader cleared: PII in clear",
        {"classification": "restricted", "pii_cleared_groups": "restricted-readers"},
        POLICY,
        "restricted-readers",
        ("restricted readers, PII clearance", C, C, M),
    ),
    (
        "restricted: share recipient denied",
        {"classification": "restricted", "shares": ["partner"]},
        POLICY,
        "partner-co",
        ("share partner", D, D, D),
    ),
    ("restricted: owner reads", {"classification": "restricted"}, POLICY, "orders-team", ("owner", C, C, M)),
]


@pytest.mark.parametrize(
    ("meta", "policy", "principal", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_access_matrix(
    meta: dict[str, Any], policy: AccessPolicy, principal: str, expected: tuple[Any, ...]
) -> None:
    row = product_access(product(meta), policy).principal(principal)
    via, *grants = expected
    assert ", ".join(row.via) == via
    assert [row.columns[c] for c in ("customer_id", "email", "email_hash")] == grants
    assert row.reads == (grants[0] is not D)


def test_owner_first_then_cleared_then_readers_then_denied() -> None:
    access = product_access(product({"classification": "restricted", **CLEARED}), POLICY)
    assert [p.name for p in access.principals] == [
        "orders-team", "restricted-readers", "analysts", "data-consumers", "pii-readers",
    ]  # fmt: skip
    assert access.readers == ["orders-team", "restricted-readers"]
    assert access.cleared == ["orders-team"]
    assert access.principal("analysts").summary == "denied"
    assert access.principal("restricted-readers").summary == "clear; withheld: email; masked: email_hash"


@pytest.mark.parametrize(
    ("meta", "policy", "principal", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_trino_rules_follow_the_matrix(
    meta: dict[str, Any], policy: AccessPolicy, principal: str, expected: tuple[Any, ...]
) -> None:
    """Trino's rule for a principal: SELECT when the matrix says it reads, PII columns hidden unless clear."""
    model = product(meta)
    domain = Domain("orders", "domains/orders", Platform.EXTERNAL, False, (), "1.10")
    rules = TrinoAccess.of(
        model, domain, load_trino_settings(REPO / "governance" / "trino.yml"), policy
    ).table_rules()
    matched = next((r for r in rules if r.get("group") == principal), rules[-1])  # last: everyone else
    matrix = product_access(model, policy).principal(principal)
    assert bool(matched["privileges"]) == matrix.reads
    hidden = {c["name"] for c in matched.get("columns", [])}
    if matrix.reads:
        assert hidden == set(matrix.columns_with(Grant.WITHHELD))


def test_mesh_access_command(
    clean_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MESH_ROOT", str(clean_root))
    assert main(["access", "--product", "orders.dim_customers.v2", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    got = {(r["principal"], r["column"]): r["access"] for r in rows}
    assert got[("orders-team", "email")] == "clear"
    assert got[("orders-pii-readers", "email")] == "clear"
    assert got[("data-consumers", "email")] == "withheld"
    assert got[("data-consumers", "customer_id")] == "clear"
    assert main(["access", "--principal", "nobody", "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert table and {r["access"] for r in table} == {"denied"}
    assert main(["access", "--principal", "data-consumers"]) == 0
    out = capsys.readouterr().out
    assert "withheld: email" in out
    assert main(["access", "--product", "nope"]) == 2
    assert "--product 'nope' is not a product of the mesh" in capsys.readouterr().err


def test_matrix_covers_every_product_column_and_principal(clean_mesh: MeshModel) -> None:
    matrix = access_matrix(clean_mesh, POLICY)
    assert {p.model.unique_id for p in matrix} == {m.unique_id for m in clean_mesh.products()}
    for entry in matrix:
        for row in entry.principals:
            assert set(row.columns) == set(entry.model.columns)
