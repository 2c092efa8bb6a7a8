"""Read a product out of its domain's DuckDB file as a stream of Arrow record batches.

The file is attached read-only under the domain's name, so `model.relation` resolves as written;
only the contract's columns are read, in the order the Iceberg table wants them, cast where
Iceberg needs another physical type. Memory stays bounded by the batch size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from governance.engines.quoting import quote_ident, quote_literal
from governance.errors import ExitCode, MeshError
from governance.iceberg.types import MappedType, iceberg_type
from governance.model import Model


@dataclass(frozen=True)
class SourceColumn:
    name: str
    duckdb_type: str
    mapped: MappedType

    @property
    def select_expression(self) -> str:
        column = quote_ident(self.name)
        if self.mapped.cast_to is None:
            return column
        return f"CAST({column} AS {self.mapped.cast_to}) AS {column}"


class ProductSource:
    """An open read-only connection to a product's DuckDB relation."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, model: Model) -> None:
        self._connection = connection
        self.model = model
        self.relation_sql = ".".join(
            quote_ident(part) for part in (model.database or model.project, model.schema, model.alias)
        )

    def columns(self) -> list[SourceColumn]:
        """The contract's columns with their DuckDB types; a contract column missing in DuckDB is an error."""
        try:
            described = self._connection.execute(f"DESCRIBE SELECT * FROM {self.relation_sql}").fetchall()
        except duckdb.Error as error:
            raise MeshError(
                f"{self.model.relation}: cannot read the built product ({str(error).splitlines()[0]}); "
                f"run `mesh build --domain {self.model.project}` first",
                ExitCode.FAILED,
            ) from None
        types = {str(row[0]): str(row[1]) for row in described}
        wanted = list(self.model.columns) or list(types)
        missing = [name for name in wanted if name not in types]
        if missing:
            raise MeshError(
                f"{self.model.relation}: contract column(s) {', '.join(missing)} missing from the built "
                f"table; rebuild the domain ({self.model.fix_location})",
                ExitCode.FAILED,
            )
        return [
            SourceColumn(name, types[name], iceberg_type(types[name], name, self.model.relation))
            for name in wanted
        ]

    def count(self) -> int:
        row = self._connection.execute(f"SELECT count(*) FROM {self.relation_sql}").fetchone()
        return int(row[0]) if row else 0

    def batches(self, columns: Sequence[SourceColumn], batch_rows: int) -> pa.RecordBatchReader:
        select = ", ".join(column.select_expression for column in columns)
        return self._connection.sql(f"SELECT {select} FROM {self.relation_sql}").to_arrow_reader(batch_rows)


@contextmanager
def open_source(duckdb_file: Path, model: Model) -> Iterator[ProductSource]:
    if not duckdb_file.is_file():
        raise MeshError(
            f"{duckdb_file}: the {model.project} warehouse is missing; "
            f"run `mesh build --domain {model.project}`"
        )
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("SET TimeZone = 'UTC'")  # timestamptz leaves DuckDB as UTC, as Iceberg stores it
        alias = model.database or model.project
        connection.execute(f"ATTACH {quote_literal(str(duckdb_file))} AS {quote_ident(alias)} (READ_ONLY)")
        yield ProductSource(connection, model)
    finally:
        connection.close()
