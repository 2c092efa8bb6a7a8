"""The UniForm stand-in writes what Unity Catalog's Iceberg REST endpoint would serve: not a product
that opts out of Iceberg reads (`meta.iceberg_reads: false`), even one an earlier run wrote."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from governance.iceberg.catalog import open_catalog
from governance.iceberg.standin import databricks_domains, domain_settings, uc_identifier, write_domain
from governance.model import Domain
from tests.governance.iceberg.conftest import make_settings
from tests.governance.iceberg.mesh_fixture import BuiltMesh

pytestmark = pytest.mark.dbt


def _opted_out(domain: Domain, unique_id: str) -> Domain:
    model = domain.models[unique_id]
    models = {
        **domain.models,
        unique_id: dataclasses.replace(model, meta={**model.meta, "iceberg_reads": False}),
    }
    return dataclasses.replace(domain, models=models)


def test_a_product_that_opts_out_of_iceberg_reads_is_not_served(mesh: BuiltMesh, tmp_path: Path) -> None:
    base = make_settings(tmp_path, f"sqlite:///{tmp_path / 'catalog.db'}", mesh.warehouse)
    (domain,) = databricks_domains(mesh.mesh)
    (product,) = domain.products
    catalog, schema, table = uc_identifier(product)

    assert write_domain(domain, base) == (catalog, 1)
    iceberg = open_catalog(domain_settings(base, catalog))
    assert iceberg.table_exists((schema, table))

    # the product opts out: the stand-in serves the domain's catalog without it, as Unity Catalog would
    assert write_domain(_opted_out(domain, product.unique_id), base) == (catalog, 0)
    assert not open_catalog(domain_settings(base, catalog)).table_exists((schema, table))
