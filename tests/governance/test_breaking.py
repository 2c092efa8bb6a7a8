"""Breaking changes on a real parsed mesh: parse, keep manifests as production state, edit YAML, re-parse."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from governance.breaking import BREAKING_CODES, find_breaking_changes
from governance.checks.registry import all_rules
from governance.findings import Finding, Severity
from governance.loader import load_mesh, load_state
from governance.project import Projects
from tests.governance.dbt_fixture import parse, parsed_fixture

pytestmark = pytest.mark.dbt

ORDERS_MARTS = "domains/orders/models/marts"
FCT_ORDERS_CONSUMERS = (
    "model.hub.mart_customer_value",
    "exposure.hub.weekly_revenue",
    "model.marketing.fct_campaign_attribution",
    "model.marketing.int_order_touches",
)


@pytest.fixture
def deployed() -> Path:
    """The fixture mesh as parsed and deployed; production state is in `<root>/../state`."""
    return parsed_fixture("breaking")


Edit = Callable[[Path], None]


def compare(
    deployed: Path, tmp_path: Path, edit: Edit, *reparse: str, now: datetime | None = None
) -> list[Finding]:
    root = tmp_path / "mesh"
    shutil.copytree(deployed, root, ignore=shutil.ignore_patterns("logs"))
    edit(root)
    parse(root, *reparse)
    previous = load_state(deployed.parent / "state", Projects.discover(root))
    return find_breaking_changes(load_mesh(root), previous, now=now)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def by_code(findings: list[Finding]) -> dict[str, Finding]:
    codes = [f.code for f in findings]
    assert len(codes) == len(set(codes)), codes
    return {f.code: f for f in findings}


def test_removed_column_changed_type_and_early_version_removal(deployed: Path, tmp_path: Path) -> None:
    def edit(root: Path) -> None:
        marts = root / ORDERS_MARTS
        yml = marts / "fct_orders.yml"
        text = yml.read_text()
        yml.write_text(re.sub(r"      - name: amount\n(        .*\n)+?(?=      - name:)", "", text))
        replace(
            yml,
            "        data_type: integer\n        description: Customer key.",
            "        data_type: bigint\n        description: Customer key.",
        )
        replace(marts / "fct_orders.sql", "amount, ", "")
        dim = marts / "dim_customers.yml"
        dim.write_text(re.sub(r"      - v: 1\n(        .*\n)+", "", dim.read_text()))
        (marts / "dim_customers.sql").unlink()

    findings = compare(deployed, tmp_path, edit, "domains/orders")
    found = by_code(findings)
    assert set(found) == {"MESH101", "MESH102", "MESH105"}
    assert all(f.severity is Severity.ERROR for f in findings)

    removed = found["MESH101"]
    assert removed.node_id == "model.orders.fct_orders"
    assert "column `amount` removed or renamed" in removed.message
    assert removed.impact == FCT_ORDERS_CONSUMERS
    assert "hub.mart_customer_value" in removed.message
    assert "exposure hub.weekly_revenue" in removed.message
    assert "marketing.int_order_touches" in removed.message
    assert str(removed.location) == f"{ORDERS_MARTS}/fct_orders.yml:2"
    assert removed.owner == "orders-team@example.com"
    assert removed.domain == "orders"

    retyped = found["MESH102"]
    assert "column `customer_id` type changed from integer to bigint" in retyped.message
    assert retyped.impact == FCT_ORDERS_CONSUMERS

    early = found["MESH105"]
    assert early.node_id == "model.orders.dim_customers.v1"
    assert "before its deprecation date 2999-01-01" in early.message
    assert early.impact == ("exposure.hub.customer_directory",)
    assert early.location.path == f"{ORDERS_MARTS}/dim_customers.yml"

    # Once the announced date has passed, removing the version is its planned end of life.
    later = find_breaking_changes(
        load_mesh(tmp_path / "mesh"),
        load_state(deployed.parent / "state", Projects.discover(tmp_path / "mesh")),
        now=datetime(3000, 1, 1, tzinfo=UTC),
    )
    assert {f.code for f in later} == {"MESH101", "MESH102"}


def test_contract_disabled_and_access_narrowed(deployed: Path, tmp_path: Path) -> None:
    def edit(root: Path) -> None:
        replace(
            root / ORDERS_MARTS / "fct_orders.yml",
            "contract: {enforced: true}",
            "contract: {enforced: false}",
        )
        attribution = root / "domains/marketing/models/marts/fct_campaign_attribution.yml"
        replace(attribution, "access: public", "access: protected")

    found = by_code(compare(deployed, tmp_path, edit, "domains/orders", "domains/marketing"))
    assert set(found) == {"MESH103", "MESH104"}
    assert found["MESH103"].node_id == "model.orders.fct_orders"
    assert found["MESH103"].impact == FCT_ORDERS_CONSUMERS
    narrowed = found["MESH104"]
    assert narrowed.node_id == "model.marketing.fct_campaign_attribution"
    assert "access narrowed from public to protected" in narrowed.message
    assert narrowed.impact == ("model.hub.mart_customer_value", "exposure.hub.weekly_revenue")
    assert narrowed.owner == "marketing-team@example.com"
    assert narrowed.domain == "marketing"


def test_product_removed(deployed: Path, tmp_path: Path) -> None:
    def edit(root: Path) -> None:
        (root / ORDERS_MARTS / "fct_orders.yml").unlink()
        (root / ORDERS_MARTS / "fct_orders.sql").unlink()

    findings = compare(deployed, tmp_path, edit, "domains/orders")
    assert [f.code for f in findings] == ["MESH106"]
    removed = findings[0]
    assert removed.node_id == "model.orders.fct_orders"
    assert removed.impact == FCT_ORDERS_CONSUMERS
    assert removed.message.startswith("orders.fct_orders: product removed; breaks 4 downstream: ")
    assert removed.location.path == f"{ORDERS_MARTS}/fct_orders.yml"


def test_additive_changes_and_new_versions_pass(deployed: Path, tmp_path: Path) -> None:
    def edit(root: Path) -> None:
        marts = root / ORDERS_MARTS
        replace(
            marts / "fct_orders.yml",
            "        description: When the order was placed.\n",
            "        description: When the order was placed.\n"
            "      - name: currency\n        data_type: varchar\n        description: ISO currency.\n",
        )
        replace(marts / "fct_orders.sql", "ordered_at from", "ordered_at, 'EUR' as currency from")
        (marts / "fct_refunds.sql").write_text("select order_id from {{ ref('stg_orders') }}\n")
        (marts / "fct_refunds.yml").write_text(
            "models:\n  - name: fct_refunds\n"
            "    config: {group: orders, access: public, contract: {enforced: true}}\n"
            "    columns:\n      - name: order_id\n        data_type: integer\n"
        )
        # v3 drops `email`: breaking in shape, but shipped as a new version while v2 stays as it was.
        (marts / "dim_customers_v3.sql").write_text(
            "select customer_id, upper(country) as country_code from {{ ref('stg_customers') }}\n"
        )
        dim = marts / "dim_customers.yml"
        replace(dim, "latest_version: 2", "latest_version: 3")
        dim.write_text(
            dim.read_text()
            + "      - v: 3\n        columns:\n          - include: all\n            exclude: [email]\n"
        )

    assert compare(deployed, tmp_path, edit, "domains/orders") == []


def test_rule_catalog_entries_are_complete_and_stable() -> None:
    assert list(BREAKING_CODES) == ["MESH101", "MESH102", "MESH103", "MESH104", "MESH105", "MESH106"]
    rules = all_rules()
    for code in BREAKING_CODES:  # ordinary rules of the one registry
        entry = rules[code]
        assert entry.needs_state and entry.check is not None
        assert entry.title and entry.rationale and entry.remediation and entry.example
