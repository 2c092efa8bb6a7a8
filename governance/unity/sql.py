"""Databricks SQL text built safely: every identifier quoted, every literal escaped.

Descriptions, tag values and column names come from YAML anyone can edit, so nothing is ever
interpolated raw. Databricks string literals use backslash escapes (a doubled quote would be read as
two adjacent literals and silently concatenated), identifiers use backticks with `` for a backtick.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quote_name(full_name: str) -> str:
    """`catalog`.`schema`.`table` from a dotted relation whose parts contain no dots."""
    return ".".join(quote_ident(part) for part in full_name.split("."))


def quote_literal(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    # Line breaks stay literal characters inside the string; escape them so a statement stays one line.
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    # Spark substitutes ${name}, ${env:NAME}, ${system:name} in the statement text, string literals
    # included, before parsing: `$\{` breaks the pattern and unescapes to `${` (an unknown escape
    # keeps the character), so the literal reaches the table as written.
    escaped = escaped.replace("${", "$\\{")
    return "'" + escaped + "'"


def _comment_value(comment: str | None) -> str:
    return "NULL" if comment is None else quote_literal(comment)


def comment_on_table(table: str, comment: str | None) -> str:
    return f"COMMENT ON TABLE {quote_name(table)} IS {_comment_value(comment)}"


def alter_column_comments(table: str, comments: Mapping[str, str | None]) -> str:
    """One statement for many columns (Databricks SQL / DBR 16.3+ multi-column ALTER COLUMN)."""
    parts = ", ".join(f"{quote_ident(c)} COMMENT {_comment_value(v)}" for c, v in sorted(comments.items()))
    return f"ALTER TABLE {quote_name(table)} ALTER COLUMN {parts}"


def _tag_list(tags: Mapping[str, str]) -> str:
    # ALTER ... SET TAGS takes `key = value` pairs only; a key-only tag is the empty value, as
    # dbt-databricks sends it: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-alter-table
    return ", ".join(f"{quote_literal(k)} = {quote_literal(v)}" for k, v in sorted(tags.items()))


def _target(table: str, column: str | None) -> str:
    base = f"ALTER TABLE {quote_name(table)}"
    return base if column is None else f"{base} ALTER COLUMN {quote_ident(column)}"


def set_tags(table: str, column: str | None, tags: Mapping[str, str]) -> str:
    return f"{_target(table, column)} SET TAGS ({_tag_list(tags)})"


def unset_tags(table: str, column: str | None, keys: Iterable[str]) -> str:
    return f"{_target(table, column)} UNSET TAGS ({', '.join(quote_literal(k) for k in sorted(keys))})"


def script(statements: Sequence[str]) -> str:
    """A SQL script (BEGIN ... END compound statement, Databricks SQL / DBR 16.3+): one request."""
    if len(statements) == 1:
        return statements[0]
    return "BEGIN\n" + "".join(f"  {s};\n" for s in statements) + "END"
