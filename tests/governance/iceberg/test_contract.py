"""Contract fingerprint and table properties, on the fixture mesh's real products."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from governance.errors import MeshError
from governance.iceberg.contract import contract_fingerprint, product_properties
from governance.iceberg.naming import identifier_for
from tests.governance.iceberg.mesh_fixture import BuiltMesh

pytestmark = pytest.mark.dbt


def shipments(mesh: BuiltMesh):  # type: ignore[no-untyped-def]
    return mesh.mesh.model("model.shipping.fct_shipments")


def test_fingerprint_changes_with_a_type_but_not_with_a_description(mesh: BuiltMesh) -> None:
    model = shipments(mesh)
    columns = dict(model.columns)
    retyped = dict(columns, cost_eur=msgspec.structs.replace(columns["cost_eur"], data_type="double"))
    reworded = dict(columns, cost_eur=msgspec.structs.replace(columns["cost_eur"], description="other words"))
    base = contract_fingerprint(model)
    assert contract_fingerprint(dataclasses.replace(model, columns=retyped)) != base
    assert contract_fingerprint(dataclasses.replace(model, columns=reworded)) == base
    assert len(base) == 64


def test_pii_columns_skip_masked_ones(mesh: BuiltMesh) -> None:
    model = shipments(mesh)
    assert model.pii_in_clear == ["recipient_email"]
    email = model.columns["recipient_email"]
    masked = dict(
        model.columns, recipient_email=msgspec.structs.replace(email, meta={**email.meta, "masked": True})
    )
    assert dataclasses.replace(model, columns=masked).pii_in_clear == []


def test_properties_name_the_publisher_and_leave_no_empty_version(mesh: BuiltMesh) -> None:
    properties = product_properties(shipments(mesh), "bot")
    assert properties["mesh.published-by"] == "bot"
    assert properties["mesh.managed-by"] == "lakehouse-mesh"
    assert "mesh.version" not in properties


def test_identifiers_are_flat_lower_case_and_versioned(mesh: BuiltMesh) -> None:
    assert identifier_for(shipments(mesh)) == ("gold", "fct_shipments")
    assert identifier_for(mesh.mesh.model("model.shipping.dim_carriers.v1")) == (
        "gold",
        "dim_carriers_v1",
    )
    odd = dataclasses.replace(shipments(mesh), name="fct shipments")
    with pytest.raises(MeshError, match="not a lower-case SQL name"):
        identifier_for(odd)
