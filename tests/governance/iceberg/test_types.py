"""DuckDB to Iceberg types: every scalar DuckDB writes, and a clear refusal for the rest."""

from __future__ import annotations

import duckdb
import pytest

from governance.errors import ExitCode, MeshError
from governance.iceberg.types import duckdb_type_for, iceberg_type


def described(sql_type: str) -> str:
    """The type name exactly as DuckDB's DESCRIBE prints it, so the mapping is tested on real output."""
    with duckdb.connect() as connection:
        return str(connection.execute(f"DESCRIBE SELECT CAST(NULL AS {sql_type}) AS c").fetchone()[1])


@pytest.mark.parametrize(
    ("sql_type", "iceberg", "cast"),
    [
        ("integer", "int", None),
        ("smallint", "int", "INTEGER"),
        ("bigint", "long", None),
        ("hugeint", "decimal(38, 0)", "DECIMAL(38, 0)"),
        ("ubigint", "decimal(20, 0)", "DECIMAL(20, 0)"),
        ("decimal(12, 2)", "decimal(12, 2)", None),
        ("numeric", "decimal(18, 3)", None),
        ("real", "float", None),
        ("double", "double", None),
        ("text", "string", None),
        ("uuid", "string", "VARCHAR"),
        ("blob", "binary", None),
        ("boolean", "boolean", None),
        ("date", "date", None),
        ("time", "time", None),
        ("timestamp", "timestamp", None),
        ("timestamp_ns", "timestamp", "TIMESTAMP"),
        ("timestamptz", "timestamptz", None),
    ],
)
def test_duckdb_types_map_to_iceberg(sql_type: str, iceberg: str, cast: str | None) -> None:
    mapped = iceberg_type(described(sql_type), "c", "d.gold.t")
    assert str(mapped.iceberg) == iceberg
    assert mapped.cast_to == cast
    # Reading back: the DuckDB type for the Iceberg type is the type written (after the cast).
    assert described(duckdb_type_for(mapped.iceberg)) == described(cast or sql_type)


@pytest.mark.parametrize("sql_type", ["interval", "integer[]", "struct(a integer)", "map(varchar, integer)"])
def test_types_iceberg_cannot_hold_are_refused_naming_the_column(sql_type: str) -> None:
    with pytest.raises(MeshError) as error:
        iceberg_type(described(sql_type), "lead_time", "shipping.gold.fct_shipments")
    assert error.value.code is ExitCode.FAILED
    assert "shipping.gold.fct_shipments.lead_time" in str(error.value)
