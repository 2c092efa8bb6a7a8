"""Stream Arrow record batches into Iceberg Parquet data files with bounded memory.

pyiceberg's own `append(RecordBatchReader)` groups a whole target-size file of batches in memory and
hands every group to a thread pool at once (`Executor.map` drains the reader), so memory grows with
the table. Here one reader thread feeds a bounded queue and each worker appends batches to its own
Parquet file (field ids, codec and pyiceberg's own column statistics, as pyiceberg writes them):
memory is bounded by the queue plus one row group per worker, whatever the table size.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, cast

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.io import FileIO
from pyiceberg.io.pyarrow import (
    compute_statistics_plan,
    data_file_statistics_from_parquet_metadata,
    parquet_path_to_id_mapping,
)
from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
from pyiceberg.schema import Schema
from pyiceberg.table.locations import load_location_provider
from pyiceberg.table.metadata import TableMetadata
from pyiceberg.typedef import Record

if TYPE_CHECKING:
    from pyiceberg.io.pyarrow import DataFileStatistics

FIELD_ID_KEY = b"PARQUET:field_id"
_DONE = None


class _ParquetFile:
    """One Parquet data file written incrementally, closed into pyiceberg's column statistics."""

    def __init__(self, io: FileIO, path: str, arrow_schema: pa.Schema, options: dict[str, Any]) -> None:
        self.path = path
        self.bytes = 0
        self._stream = io.new_output(path).create(overwrite=True)
        self._writer = pq.ParquetWriter(cast(IO[bytes], self._stream), arrow_schema, **options)

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)
        self.bytes += batch.nbytes

    def close(self, schema: Schema, properties: dict[str, str]) -> DataFileStatistics:
        self._writer.close()
        self._stream.close()
        return data_file_statistics_from_parquet_metadata(
            parquet_metadata=self._writer.writer.metadata,
            stats_columns=compute_statistics_plan(schema, properties),
            parquet_column_mapping=parquet_path_to_id_mapping(schema),
        )


def parquet_options(arrow_schema: pa.Schema, properties: dict[str, str]) -> dict[str, Any]:
    """Codec and level from the table properties (Iceberg's defaults: zstd); dictionaries for text only.

    pyarrow's default dictionary-encodes every column and falls back page by page on high-cardinality
    numbers and timestamps: twice the time and size of dictionaries on string columns only.
    """
    codec = properties.get("write.parquet.compression-codec", "zstd")
    level = properties.get("write.parquet.compression-level")
    text = [f.name for f in arrow_schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return {
        "compression": "none" if codec == "uncompressed" else codec,
        "compression_level": int(level) if level else None,
        "use_dictionary": text,
        "store_decimal_as_integer": True,
    }


@dataclass
class WriteResult:
    data_files: list[DataFile] = field(default_factory=list)
    rows: int = 0


class DataFileWriter:
    """Writes one table's data files; `written` lists every path created, for cleanup on failure."""

    def __init__(
        self,
        io: FileIO,
        metadata: TableMetadata,
        target_file_bytes: int,
        workers: int | None = None,
    ) -> None:
        self._io = io
        self._metadata = metadata
        self._schema = metadata.schema()
        self._target = target_file_bytes
        self._workers = max(1, workers or min(4, os.cpu_count() or 1))
        self._locations = load_location_provider(metadata.location, metadata.properties)
        self._write_uuid = uuid.uuid4()
        self._counter = 0
        self._lock = threading.Lock()
        self.written: list[str] = []

    def _file_schema(self, arrow_schema: pa.Schema) -> pa.Schema:
        """The stream's own Arrow types (no copy) labelled with the Iceberg field ids."""
        fields = []
        for arrow_field in arrow_schema:
            field_id = self._schema.find_field(arrow_field.name).field_id
            fields.append(arrow_field.with_metadata({FIELD_ID_KEY: str(field_id).encode()}))
        return pa.schema(fields)

    def _open(self, file_schema: pa.Schema) -> _ParquetFile:
        with self._lock:
            task_id = self._counter
            self._counter += 1
            path = self._locations.new_data_location(f"00000-{task_id}-{self._write_uuid}.parquet")
            self.written.append(path)
        return _ParquetFile(
            self._io, path, file_schema, parquet_options(file_schema, self._metadata.properties)
        )

    def _data_file(self, output: _ParquetFile) -> DataFile:
        statistics = output.close(self._schema, self._metadata.properties)
        return DataFile.from_args(
            content=DataFileContent.DATA,
            file_path=output.path,
            file_format=FileFormat.PARQUET,
            partition=Record(),
            file_size_in_bytes=len(self._io.new_input(output.path)),
            sort_order_id=None,
            spec_id=self._metadata.default_spec_id,
            equality_ids=None,
            key_metadata=None,
            **statistics.to_serialized_dict(),
        )

    def _roll(self, output: _ParquetFile, result: WriteResult) -> None:
        data_file = self._data_file(output)
        with self._lock:
            result.data_files.append(data_file)

    def _work(
        self,
        batches: queue.Queue[pa.RecordBatch | None],
        file_schema: pa.Schema,
        result: WriteResult,
        failed: threading.Event,
        errors: list[BaseException],
    ) -> None:
        """One worker: append batches to its current file, roll it at the target size."""
        output: _ParquetFile | None = None
        try:
            while (batch := batches.get()) is not _DONE:
                if failed.is_set():
                    continue  # keep draining so the producer never blocks
                output = output or self._open(file_schema)
                output.write(pa.RecordBatch.from_arrays(batch.columns, schema=file_schema))
                if output.bytes >= self._target:
                    self._roll(output, result)
                    output = None
            if output is not None and not failed.is_set():
                self._roll(output, result)
        except BaseException as error:  # re-raised by write() in the calling thread
            errors.append(error)
            failed.set()
            while batches.get() is not _DONE:
                pass

    def write(
        self, reader: pa.RecordBatchReader, on_rows: Callable[[int], None] | None = None
    ) -> WriteResult:
        """Consume the reader; return the data files (not yet committed anywhere)."""
        file_schema = self._file_schema(reader.schema)
        batches: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=self._workers * 2)
        result = WriteResult()
        errors: list[BaseException] = []
        failed = threading.Event()
        threads = [
            threading.Thread(
                target=self._work, args=(batches, file_schema, result, failed, errors), daemon=True
            )
            for _ in range(self._workers)
        ]
        for thread in threads:
            thread.start()
        try:
            for batch in reader:
                if failed.is_set():
                    break
                if batch.num_rows:
                    batches.put(batch)
                    result.rows += batch.num_rows
                    if on_rows is not None:
                        on_rows(batch.num_rows)
        except BaseException:
            failed.set()
            raise
        finally:
            for _ in threads:
                batches.put(_DONE)
            for thread in threads:
                thread.join()
        if errors:
            raise errors[0]
        return result
