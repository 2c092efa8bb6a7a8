"""Publishing opted-out (`platform: external`) domains' data products to an Iceberg catalog Trino reads.

One module per concern: `config` (publish.yml), `catalog` (opening the SQL catalog), `naming`
(namespace and table names), `contract` (fingerprint and table properties), `types` (DuckDB to
Iceberg types), `source` (streaming a product out of DuckDB), `writer` (streaming Parquet data files),
`cleanup` (undoing a failed publish), `publisher` (one product, all or nothing).
"""
