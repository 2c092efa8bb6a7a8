"""DuckDB column types to Iceberg types, with the cast that makes the data exactly representable.

Products are flat tables of scalar columns; a type Iceberg cannot hold (INTERVAL, nested types)
is refused with the column named, so the owning team casts it in the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IcebergType,
    IntegerType,
    LongType,
    StringType,
    TimestampType,
    TimestamptzType,
    TimeType,
)

from governance.errors import ExitCode, MeshError


@dataclass(frozen=True)
class MappedType:
    iceberg: IcebergType
    cast_to: str | None  # DuckDB type to cast to before writing; None when Arrow already matches


# DuckDB type name -> (Iceberg type, DuckDB cast or None). Aliases are normalised by DuckDB's DESCRIBE.
_SCALARS: dict[str, MappedType] = {
    "BOOLEAN": MappedType(BooleanType(), None),
    "TINYINT": MappedType(IntegerType(), "INTEGER"),
    "SMALLINT": MappedType(IntegerType(), "INTEGER"),
    "INTEGER": MappedType(IntegerType(), None),
    "UTINYINT": MappedType(IntegerType(), "INTEGER"),
    "USMALLINT": MappedType(IntegerType(), "INTEGER"),
    "UINTEGER": MappedType(LongType(), "BIGINT"),
    "BIGINT": MappedType(LongType(), None),
    "UBIGINT": MappedType(DecimalType(20, 0), "DECIMAL(20, 0)"),
    "HUGEINT": MappedType(DecimalType(38, 0), "DECIMAL(38, 0)"),
    "UHUGEINT": MappedType(DecimalType(38, 0), "DECIMAL(38, 0)"),
    "FLOAT": MappedType(FloatType(), None),
    "DOUBLE": MappedType(DoubleType(), None),
    "VARCHAR": MappedType(StringType(), None),
    "UUID": MappedType(StringType(), "VARCHAR"),
    "JSON": MappedType(StringType(), "VARCHAR"),
    "BLOB": MappedType(BinaryType(), None),
    "DATE": MappedType(DateType(), None),
    "TIME": MappedType(TimeType(), None),
    "TIMESTAMP": MappedType(TimestampType(), None),
    "TIMESTAMP_S": MappedType(TimestampType(), "TIMESTAMP"),
    "TIMESTAMP_MS": MappedType(TimestampType(), "TIMESTAMP"),
    "TIMESTAMP_NS": MappedType(TimestampType(), "TIMESTAMP"),  # Iceberg v2 keeps microseconds
    "TIMESTAMP WITH TIME ZONE": MappedType(TimestamptzType(), None),
}

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def iceberg_type(duckdb_type: str, column: str, relation: str) -> MappedType:
    """The Iceberg type for a DuckDB column type as DESCRIBE prints it."""
    normalised = duckdb_type.strip().upper()
    if normalised in _SCALARS:
        return _SCALARS[normalised]
    if normalised.startswith("ENUM("):
        return MappedType(StringType(), "VARCHAR")
    match = _DECIMAL.fullmatch(normalised)
    if match:
        return MappedType(DecimalType(int(match[1]), int(match[2])), None)
    raise MeshError(
        f"{relation}.{column}: type {duckdb_type} has no Iceberg equivalent the publisher writes; "
        "cast it to a scalar type (varchar, bigint, decimal, timestamp, ...) in the model",
        ExitCode.FAILED,
    )


def duckdb_type_for(kind: IcebergType) -> str:
    """The DuckDB type that reads an Iceberg type back (for typed empty views)."""
    if isinstance(kind, DecimalType):
        return f"DECIMAL({kind.precision}, {kind.scale})"
    names = {
        BooleanType: "BOOLEAN",
        IntegerType: "INTEGER",
        LongType: "BIGINT",
        FloatType: "FLOAT",
        DoubleType: "DOUBLE",
        StringType: "VARCHAR",
        BinaryType: "BLOB",
        DateType: "DATE",
        TimeType: "TIME",
        TimestampType: "TIMESTAMP",
        TimestamptzType: "TIMESTAMPTZ",
    }
    for iceberg_class, duckdb_name in names.items():
        if isinstance(kind, iceberg_class):
            return duckdb_name
    return "VARCHAR"
