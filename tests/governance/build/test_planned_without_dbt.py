"""Which projects a pull request plans without dbt: unchanged against production's fingerprint (at most
documentation), and so is every selected upstream (governance/build/slim.py `proven_unchanged`)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from governance.build.fingerprint import Verdict
from governance.build.slim import proven_unchanged

# orders <- logistics, orders <- marketing, (orders, logistics, marketing) <- hub; finance stands alone
UPSTREAM = {
    "orders": [],
    "logistics": ["orders"],
    "marketing": ["orders"],
    "hub": ["orders", "logistics", "marketing"],
    "finance": [],
}


def mesh() -> Any:
    return SimpleNamespace(projects={name: SimpleNamespace(upstream=up) for name, up in UPSTREAM.items()})


def verdicts(**why: Verdict) -> dict[str, Verdict]:
    return {name: why.get(name, Verdict(None)) for name in UPSTREAM}


def test_a_leaf_change_leaves_its_upstreams_and_unrelated_projects_to_production() -> None:
    found = verdicts(marketing=Verdict("marketing: models/x.sql changed", edited=True))
    assert proven_unchanged(mesh(), found) == {"orders", "logistics", "finance"}


def test_an_unchanged_reader_of_a_changed_project_is_planned_by_dbt() -> None:
    """Its files are production's, yet a product it reads may be gone or have a new latest version."""
    found = verdicts(orders=Verdict("orders: models/stg_orders.sql changed", edited=True))
    assert proven_unchanged(mesh(), found) == {"finance"}


def test_an_unsure_upstream_is_planned_by_dbt_and_so_are_its_readers() -> None:
    found = verdicts(logistics=Verdict("logistics: no mesh_sources.json in the state"))
    assert proven_unchanged(mesh(), found) == {"orders", "marketing", "finance"}


def test_an_upstream_outside_the_selection_reads_as_production() -> None:
    found = verdicts()
    del found["orders"]  # not selected: its readers read production's manifest of it
    assert proven_unchanged(mesh(), found) == {"logistics", "marketing", "hub", "finance"}
