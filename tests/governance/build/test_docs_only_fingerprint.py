"""`mesh build --changed` decides "documentation only, nothing to build" without dbt only when production's
fingerprint proves it (governance/build/fingerprint.py): a description edit is proven; every other edit of
a property file (a test, a contract, a column type, a config, a description dbt persists), of SQL, of the
file set, of the environment or of the state falls back to dbt's own planning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from governance.build import fingerprint
from governance.model import Platform
from governance.project import DbtProject

PROJECT_YML = """\
name: shop
profile: shop
model-paths: ["models"]
macro-paths: ["macros"]
models:
  shop:
    +persist_docs: {relation: false, columns: false}
"""
MODEL_YML = """\
models:
  - name: orders
    description: Every order placed.
    config:
      contract: {enforced: true}
      materialized: table
      meta: {description: owned by sales}
    columns:
      - name: order_id
        description: The order's key.
        data_type: integer
        data_tests: [unique]
      - name: amount
        description: What the customer paid.
        data_type: decimal(18, 2)
    versions:
      - v: 1
        description: The first shape.
unit_tests:
  - name: orders_keep_amounts
    description: Amounts pass through.
    model: orders
    given: []
    expect: {rows: []}
"""
SOURCES_YML = """\
sources:
  - name: raw
    description: Landed files.
    tables:
      - name: raw_orders
        description: One row per order event.
        columns:
          - name: id
            description: The event's order.
"""
DOCS_MD = "{% docs orders %}\nEvery order placed.\n{% enddocs %}\n"
MACRO_SQL = "{% macro landing() %}{{ env_var('SHOP_LANDING', 'data') }}{% endmacro %}\n"
PROFILES = "shop:\n  target: ci\n  outputs:\n    ci: {type: duckdb, path: shop.duckdb}\n"
ENV = {"SHOP_LANDING": "/landing", "PATH": "/usr/bin"}


def make_project(tmp_path: Path) -> DbtProject:
    root = tmp_path / "shop"
    files = {
        "dbt_project.yml": PROJECT_YML,
        "models/orders.sql": "select 1 as order_id, 2.0 as amount\n",
        "models/orders.yml": MODEL_YML,
        "models/sources.yml": SOURCES_YML,
        "models/docs.md": DOCS_MD,
        "macros/landing.sql": MACRO_SQL,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "profiles.yml").write_text(PROFILES, encoding="utf-8")
    return DbtProject("shop", root, (), Platform.DATABRICKS, profiles_dir=tmp_path / "profiles")


def production_state(tmp_path: Path, project: DbtProject, *, persist_docs: bool = False) -> Path:
    """What a production `mesh build` leaves in the state: its manifest and the fingerprint beside it."""
    persist = {"relation": persist_docs, "columns": persist_docs}
    manifest = {
        "metadata": {"invocation_id": "prod-1"},
        "nodes": {"model.shop.orders": {"config": {"persist_docs": persist}}},
    }
    project.target_dir.mkdir(parents=True, exist_ok=True)
    project.manifest_path.write_bytes(orjson.dumps(manifest))
    assert project.profiles_dir is not None
    taken = fingerprint.fingerprint(project, project.profiles_dir, ENV, target="ci", vars=None)
    assert fingerprint.record(project, project.profiles_dir, ENV, taken, target="ci", vars=None)
    state = tmp_path / "state"
    (state / "shop").mkdir(parents=True)
    for name in ("manifest.json", fingerprint.FILE_NAME):
        (state / "shop" / name).write_bytes((project.target_dir / name).read_bytes())
    return state


def why_dbt(
    project: DbtProject, state: Path, env: dict[str, str] = ENV, vars: str | None = None
) -> str | None:
    assert project.profiles_dir is not None
    dirs = {project.name: project.profiles_dir}
    found = fingerprint.compare([project], state, dirs, env, target="ci", vars=vars)
    return fingerprint.documentation_only(found)


def edit(project: DbtProject, name: str, old: str, new: str) -> None:
    path = project.path / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (name, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


DOCUMENTATION = {
    "model description": ("models/orders.yml", "Every order placed.", "All orders placed."),
    "column description": ("models/orders.yml", "What the customer paid.", "Paid, in EUR."),
    "version description": ("models/orders.yml", "The first shape.", "The original shape."),
    "source description": ("models/sources.yml", "Landed files.", "Files as landed."),
    "source table description": ("models/sources.yml", "One row per order event.", "An event a row."),
    "source column description": ("models/sources.yml", "The event's order.", "Its order."),
    "docs block": ("models/docs.md", "Every order placed.", "All orders placed."),
}


@pytest.mark.parametrize("change", DOCUMENTATION.values(), ids=list(DOCUMENTATION))
def test_a_description_change_is_proven_without_dbt(tmp_path: Path, change: tuple[str, str, str]) -> None:
    project = make_project(tmp_path)
    state = production_state(tmp_path, project)
    assert why_dbt(project, state) is None  # nothing changed at all
    edit(project, *change)
    assert why_dbt(project, state) is None


BUILDS = {
    "a column's data test": ("models/orders.yml", "data_tests: [unique]", "data_tests: [unique, not_null]"),
    "a contract": ("models/orders.yml", "contract: {enforced: true}", "contract: {enforced: false}"),
    "a column type": ("models/orders.yml", "data_type: integer", "data_type: bigint"),
    "a config": ("models/orders.yml", "materialized: table", "materialized: view"),
    "a description in meta": ("models/orders.yml", "owned by sales", "owned by finance"),
    "a unit test's description": ("models/orders.yml", "Amounts pass through.", "Amounts stay."),
    "a column added": (
        "models/orders.yml",
        "      - name: amount\n",
        "      - name: note\n        description: A note.\n      - name: amount\n",
    ),
    "a source table's column": ("models/sources.yml", "- name: id", "- name: order_id"),
    "the model's SQL": ("models/orders.sql", "2.0 as amount", "3.0 as amount"),
    "a macro": ("macros/landing.sql", "'data'", "'landing'"),
    "dbt_project.yml": ("dbt_project.yml", "relation: false", "relation: true"),
    "the profile": ("../profiles/profiles.yml", "shop.duckdb", "other.duckdb"),
    # dbt renders descriptions and docs blocks: a doc() naming a missing block fails its parse
    "a description rendering a docs block": (
        "models/orders.yml",
        "What the customer paid.",
        "\"{{ doc('paid') }}\"",  # quoted, as YAML needs it
    ),
    "a docs block renamed": ("models/docs.md", "{% docs orders %}", "{% docs all_orders %}"),
    "Jinja in a docs block": ("models/docs.md", "Every order placed.", "Every {{ var('kind') }} order."),
    "text outside the docs blocks": ("models/docs.md", "{% enddocs %}\n", "{% enddocs %}\n{% docs x %}\n"),
}


@pytest.mark.parametrize("change", BUILDS.values(), ids=list(BUILDS))
def test_any_other_change_is_left_to_dbt(tmp_path: Path, change: tuple[str, str, str]) -> None:
    project = make_project(tmp_path)
    state = production_state(tmp_path, project)
    edit(project, *change)
    assert why_dbt(project, state) is not None


def add_file(project: DbtProject) -> None:
    (project.path / "models" / "new.sql").write_text("select 1 as id\n", encoding="utf-8")


def remove_file(project: DbtProject) -> None:
    (project.path / "models" / "docs.md").unlink()


@pytest.mark.parametrize("change", [add_file, remove_file], ids=["file added", "file removed"])
def test_a_file_added_or_removed_is_left_to_dbt(tmp_path: Path, change: Callable[[DbtProject], None]) -> None:
    project = make_project(tmp_path)
    state = production_state(tmp_path, project)
    change(project)
    assert why_dbt(project, state) == "shop: files added or removed"


def test_another_environment_or_vars_is_left_to_dbt(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    state = production_state(tmp_path, project)
    assert why_dbt(project, state, {**ENV, "PATH": "/elsewhere"}) is None  # a variable no file reads
    assert why_dbt(project, state, {**ENV, "SHOP_LANDING": "/other"}) == "shop: env differs"
    assert why_dbt(project, state, vars="{day: 1}") == "shop: vars differs"


def test_persisted_descriptions_are_left_to_dbt(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    state = production_state(tmp_path, project, persist_docs=True)
    edit(project, *DOCUMENTATION["column description"])
    assert why_dbt(project, state) == "shop: descriptions are persisted (persist_docs)"


def test_a_missing_or_stale_fingerprint_is_left_to_dbt(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    state = production_state(tmp_path, project)
    manifest = state / "shop" / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b"prod-1", b"prod-2"))  # a later production build
    assert why_dbt(project, state) == f"shop: {fingerprint.FILE_NAME} describes another manifest"
    (state / "shop" / fingerprint.FILE_NAME).unlink()
    assert why_dbt(project, state) == f"shop: no {fingerprint.FILE_NAME} in the state"


def test_a_computed_environment_variable_name_is_left_to_dbt(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project.path / "macros" / "pick.sql").write_text(
        "{% macro pick(name) %}{{ env_var(name) }}{% endmacro %}\n", encoding="utf-8"
    )
    state = production_state(tmp_path, project)
    assert why_dbt(project, state) == "shop: macros/pick.sql reads an environment variable by a computed name"


def test_a_file_changed_while_production_parsed_leaves_no_fingerprint(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.target_dir.mkdir()
    project.manifest_path.write_bytes(orjson.dumps({"metadata": {"invocation_id": "prod-1"}}))
    assert project.profiles_dir is not None
    taken = fingerprint.fingerprint(project, project.profiles_dir, ENV, target="ci", vars=None)
    edit(project, *BUILDS["the model's SQL"])  # during the build
    assert not fingerprint.record(project, project.profiles_dir, ENV, taken, target="ci", vars=None)
    assert not (project.target_dir / fingerprint.FILE_NAME).exists()


def test_a_prefixed_environment_variable_is_recorded_by_prefix_and_secrets_never(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project.path / "macros" / "catalog.sql").write_text(
        "{% macro catalog(d) %}{{ env_var('SHOP_CATALOG_' ~ d, d) }}{{ env_var('SHOP_TOKEN', '') }}"
        "{% endmacro %}\n",
        encoding="utf-8",
    )
    env = {**ENV, "SHOP_TOKEN": "s3cr3t"}
    state = production_state(tmp_path, project)
    recorded = orjson.loads((state / "shop" / fingerprint.FILE_NAME).read_bytes())
    assert set(recorded["env"]) == {"SHOP_LANDING", "SHOP_CATALOG_*"}
    assert why_dbt(project, state, env) is None
    assert why_dbt(project, state, {**env, "SHOP_CATALOG_EU": "eu"}) == "shop: env differs"
