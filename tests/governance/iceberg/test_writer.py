"""The streaming data-file writer: rolls files at the target size, labels field ids, reports every path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.io import load_file_io
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.types import DecimalType, LongType, NestedField, StringType

from governance.iceberg.writer import DataFileWriter

SQL = "SELECT i AS id, 'name-' || i AS label, (i / 100)::DECIMAL(12, 2) AS amount FROM range(100000) t(i)"


@pytest.fixture
def table(tmp_path: Path) -> Table:
    catalog = SqlCatalog("w", uri=f"sqlite:///{tmp_path / 'c.db'}", warehouse=tmp_path.as_uri())
    catalog.create_namespace("ns")
    schema = Schema(
        NestedField(1, "id", LongType()),
        NestedField(2, "label", StringType()),
        NestedField(3, "amount", DecimalType(12, 2)),
    )
    return catalog.create_table(("ns", "t"), schema)


def stream(batch_rows: int = 8192) -> pa.RecordBatchReader:
    return duckdb.connect().sql(SQL).to_arrow_reader(batch_rows)


def test_streams_into_several_files_with_field_ids_and_statistics(table: Table) -> None:
    writer = DataFileWriter(load_file_io({}, table.location()), table.metadata, 256 * 1024, workers=2)
    seen: list[int] = []
    result = writer.write(stream(), seen.append)
    assert result.rows == sum(seen) == 100_000
    assert len(result.data_files) > 2
    assert sorted(f.file_path for f in result.data_files) == sorted(writer.written)
    assert sum(f.record_count for f in result.data_files) == 100_000
    first = result.data_files[0]
    schema = pq.read_schema(first.file_path.removeprefix("file://"))
    assert [f.metadata[b"PARQUET:field_id"] for f in schema] == [b"1", b"2", b"3"]
    assert first.lower_bounds and first.upper_bounds  # column statistics for pruning

    with table.transaction() as transaction, transaction.update_snapshot().fast_append() as append:
        for data_file in result.data_files:
            append.append_data_file(data_file)
    read_back = table.refresh().scan().to_arrow()
    assert read_back.num_rows == 100_000
    assert pa.compute.sum(read_back["id"]).as_py() == sum(range(100_000))


def test_a_failing_stream_raises_and_lists_what_it_wrote(table: Table) -> None:
    source = stream(4096)

    def failing() -> Iterator[pa.RecordBatch]:
        for index, batch in enumerate(source):
            if index == 10:
                raise OSError("source went away")
            yield batch

    reader = pa.RecordBatchReader.from_batches(source.schema, failing())
    writer = DataFileWriter(load_file_io({}, table.location()), table.metadata, 64 * 1024, workers=2)
    with pytest.raises(OSError, match="source went away"):
        writer.write(reader)
    assert writer.written  # the publisher deletes these
    assert table.refresh().current_snapshot() is None
