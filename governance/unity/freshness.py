"""When each product table last changed, from Unity Catalog's own metadata (no table is read).

information_schema.tables LAST_ALTERED: "Timestamp when the relation definition was last altered in any
way" (https://docs.databricks.com/aws/en/sql/language-manual/information-schema/tables). dbt-databricks
builds a table model with CREATE OR REPLACE TABLE, so a build moves it; so does any later change to the
table (a comment, a tag), which is why the health refresh reads it before the sync writes anything.
One statement per page of tables per catalog, through the SQL statement API the sync already uses
(actual.py); rows are filtered by what the caller may see, so a table it cannot see is simply absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from governance.unity.actual import pages
from governance.unity.client import StatementError, UnityClient
from governance.unity.sql import quote_ident, quote_literal


def last_altered_sql(catalog: str, page: dict[str, list[str]]) -> str:
    where = " OR ".join(
        f"(table_schema = {quote_literal(schema)} AND table_name IN "
        f"({', '.join(quote_literal(t) for t in sorted(tables))}))"
        for schema, tables in sorted(page.items())
    )
    return (
        "SELECT table_schema, table_name, last_altered "
        f"FROM {quote_ident(catalog)}.information_schema.tables WHERE {where}"
    )


def parse_timestamp(text: str | None) -> datetime | None:
    """A TIMESTAMP as the JSON_ARRAY format gives it (ISO 8601, `Z` or an offset, or none: UTC)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def last_altered(client: UnityClient, tables: Iterable[str]) -> dict[str, datetime]:
    """`catalog.schema.table` (lower case) -> LAST_ALTERED, for the given tables the caller can see."""
    by_catalog: dict[str, dict[str, int]] = {}
    for name in tables:
        catalog, schema, table = name.lower().split(".")
        by_catalog.setdefault(catalog, {})[f"{schema}.{table}"] = 0  # one row per table
    found: dict[str, datetime] = {}
    for catalog, names in sorted(by_catalog.items()):
        for page in pages(names):
            try:
                rows = client.query(last_altered_sql(catalog, page))
            except StatementError as error:
                if "NO_SUCH_CATALOG" in error.error_class:
                    break  # a domain not deployed yet: its tables are absent, as a missing table is
                raise
            for row in rows:
                moment = parse_timestamp(row.get("last_altered"))
                if moment is not None:
                    found[f"{catalog}.{row['table_schema']}.{row['table_name']}".lower()] = moment
    return found
