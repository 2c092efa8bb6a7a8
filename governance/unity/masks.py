"""PII column masks in Unity Catalog: the access matrix's `withheld` enforced on Databricks.

Decision (docs/unity-catalog-conformance.md, "Column masks"): Unity Catalog column masks, not ABAC.
A column mask is a SQL UDF applied with `ALTER TABLE t ALTER COLUMN c SET MASK f` (or `MASK f` in
CREATE TABLE); it receives the column value and returns what the reader sees
(https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-column-mask). ABAC needs
governed tags, policies on catalogs and compute of recent versions
(https://docs.databricks.com/aws/en/data-governance/unity-catalog/abac/), which a workspace opts into;
masks work on every Unity Catalog workspace the sync already supports.

One function per domain schema, column type and set of groups that read in clear (the product's
owner and its PII-cleared groups, as the matrix says), in the product's own schema, which its domain
owns:

    CREATE OR REPLACE FUNCTION `orders`.`gold`.`mesh_mask_string_1a2b3c4d5e`(v STRING) RETURNS STRING
    COMMENT 'mesh: PII in clear for orders-team, orders-pii-readers; NULL for every other reader'
    RETURN CASE WHEN is_account_group_member('orders-team') OR ... THEN v ELSE NULL END

The name carries a digest of the groups, so a function of that name with any other body is not the
mesh's: the plan reports it and never replaces it. An uncleared reader gets NULL: the value is
withheld, as Trino withholds the column.
"""

from __future__ import annotations

import hashlib
import re

from governance.access import product_access
from governance.errors import MeshError
from governance.model import Model
from governance.unity.config import UnityConfig
from governance.unity.sql import quote_ident, quote_literal, quote_name
from governance.unity.state import MaskFunction

PREFIX = "mesh_mask_"
PARAMETER = "v"
COMMENT = "mesh: PII column mask (governance/unity/masks.py); NULL for readers not cleared"
# A Databricks SQL type as a column declares it: a name, optionally with (precision[, scale]).
_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?")


def sql_type(model: Model, column: str, declared: str | None) -> str:
    """The column's type for the mask's parameter and result; one line for a type that is not one."""
    if declared is None or not declared.strip():
        return "STRING"
    text = declared.strip()
    if not _TYPE.fullmatch(text):
        raise MeshError(
            f"{model.fix_location}: {model.display_name} column {column!r} has data_type {declared!r}, "
            "which cannot type a column mask; declare a plain SQL type (string, int, date, decimal(10,2))"
        )
    return re.sub(r"\s+", "", text).upper()


def body(groups: list[str]) -> str:
    """The mask: the value for members of `groups`, NULL for everyone else."""
    members = " OR ".join(f"is_account_group_member({quote_literal(g)})" for g in sorted(set(groups)))
    return f"CASE WHEN {members} THEN {PARAMETER} ELSE NULL END" if members else "NULL"


def mask_function(catalog: str, schema: str, data_type: str, groups: list[str]) -> MaskFunction:
    """The mesh's mask function for one schema, type and set of groups reading in clear."""
    digest = hashlib.sha256("\n".join(sorted(set(groups))).encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9]+", "_", data_type.lower()).strip("_")
    name = f"{catalog}.{schema}.{PREFIX}{slug}_{digest}".lower()
    return MaskFunction(name, data_type, body(groups))


def product_masks(model: Model, config: UnityConfig) -> dict[str, MaskFunction]:
    """Column -> the mesh's mask for every column the access matrix withholds from uncleared readers.

    The one place a product's mask names are decided: the sync sets them (`governance.unity.desired`)
    and the build declares them (`dbt_mesh.masks`, dbt-databricks `column_mask`).
    """
    access = product_access(model, config.access_policy())
    withheld = access.withheld_columns
    if not withheld:
        return {}
    catalog, schema, _ = model.relation.lower().split(".")
    clear = sorted({config.unity_principal(g) or g for g in access.cleared})
    return {
        column: mask_function(
            catalog, schema, sql_type(model, column, model.columns[column].data_type), clear
        )
        for column in withheld
    }


def is_mesh_function(full_name: str | None) -> bool:
    return bool(full_name) and str(full_name).rsplit(".", 1)[-1].lower().startswith(PREFIX)


def create_function(function: MaskFunction) -> str:
    """CREATE OR REPLACE FUNCTION: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-sql-function"""
    return (
        f"CREATE OR REPLACE FUNCTION {quote_name(function.full_name)}({quote_ident(PARAMETER)} "
        f"{function.data_type}) RETURNS {function.data_type} "
        f"COMMENT {quote_literal(COMMENT)} RETURN {function.body}"
    )


def create_function_if_missing(function: MaskFunction) -> str:
    """The build's statement: the mesh's function when it does not exist yet (first deploy), else nothing.
    IF NOT EXISTS never replaces a function (a foreign one of that name stays, and the sync reports it)."""
    return create_function(function).replace("CREATE OR REPLACE FUNCTION", "CREATE FUNCTION IF NOT EXISTS", 1)


def set_mask(table: str, column: str, function: str) -> str:
    return (
        f"ALTER TABLE {quote_name(table)} ALTER COLUMN {quote_ident(column)} SET MASK {quote_name(function)}"
    )


def drop_mask(table: str, column: str) -> str:
    return f"ALTER TABLE {quote_name(table)} ALTER COLUMN {quote_ident(column)} DROP MASK"
