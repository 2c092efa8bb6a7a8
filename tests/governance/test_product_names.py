"""`--product P` when two projects publish the same name: one line asking for `<domain>.<name>`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from governance.commands.health import selected
from governance.errors import MeshError
from governance.health.causes import HealthReport, ProductHealth


def _report(*ids: str) -> HealthReport:
    products = {}
    for unique_id in ids:
        _, project, name, *version = unique_id.split(".")
        display = f"{project}.{name}" + (f".{version[0]}" if version else "")
        products[unique_id] = ProductHealth(unique_id, display, project, None, None)
    return HealthReport(datetime(2026, 1, 1, tzinfo=UTC), products)


REPORT = _report(
    "model.crm.customers", "model.billing.customers", "model.crm.accounts.v1", "model.crm.accounts.v2"
)


def _ids(*products: str, domains: tuple[str, ...] = ()) -> list[str]:
    return sorted(h.product for h in selected(REPORT, list(products), list(domains)))


def test_a_bare_name_two_projects_publish_asks_for_the_domain() -> None:
    with pytest.raises(MeshError) as caught:
        selected(REPORT, ["customers"], [])
    assert str(caught.value) == (
        "--product 'customers': 'customers' is published by billing and crm; "
        "name one as billing.customers or crm.customers"
    )


def test_qualified_names_and_a_bare_name_one_project_publishes_are_accepted() -> None:
    assert _ids("crm.customers") == ["model.crm.customers"]
    assert _ids("model.billing.customers") == ["model.billing.customers"]
    assert _ids("accounts.v2") == ["model.crm.accounts.v2"]
    both = ["model.billing.customers", "model.crm.accounts.v1"]
    assert _ids("crm.accounts.v1", "billing.customers") == both
    assert _ids("crm.customers", domains=("billing",)) == []
    with pytest.raises(MeshError, match="--product nope: not in the health history"):
        selected(REPORT, ["nope"], [])
