"""The part of a dbt 1.11 manifest (schema v12) that the loader reads, as msgspec Structs.

Decoding an entry into these types checks every field's type in C and skips all other fields
(compiled code, checksums, unrendered config...) without building them, which is most of each node.
A wrong type is a `msgspec.ValidationError`, which `explain` words like the rest of the loader:
"`name` must be a string". Fields dbt may leave out or null default to None; `Any` marks what the
loader checks itself. Columns are decoded straight into `governance.model.Column` (there are ten per
model, and no Python code runs per column); dbt always writes their fields, so they are not nullable.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from msgspec import inspect

from governance.model import Column

Text = str | int | float  # dbt writes versions (and some names) as numbers or strings; read as text


class Manifest(msgspec.Struct, kw_only=True):
    """A manifest's top level: the sections the loader reads, each entry still undecoded."""

    metadata: Any = None
    nodes: dict[str, msgspec.Raw]
    sources: dict[str, msgspec.Raw]
    exposures: dict[str, msgspec.Raw]
    groups: dict[str, msgspec.Raw] | None = None


class Entry(msgspec.Struct, kw_only=True):
    package_name: Any = None  # the project owning the entry


class Owner(msgspec.Struct, kw_only=True):
    name: Text | None = None
    email: Text | None = None


class MetaConfig(msgspec.Struct, kw_only=True):
    meta: Any = None  # dbt 1.10+ puts meta under config; `nodes._meta` falls back to the top level


class DependsOn(msgspec.Struct, kw_only=True):
    nodes: tuple[str, ...] | None = None


class RefEntry(msgspec.Struct, kw_only=True):
    name: str
    package: Text | None = None
    version: Text | None = None


class Contract(msgspec.Struct, kw_only=True):
    enforced: bool | None = None


class ModelConfig(msgspec.Struct, kw_only=True):
    meta: Any = None
    grants: dict[str, str | tuple[str, ...]] | None = None
    contract: Contract | None = None
    materialized: str | None = None
    tblproperties: Any = None  # dbt-databricks; `nodes._tblproperties` checks its shape


class ModelNode(Entry, kw_only=True):
    unique_id: str
    name: str
    schema: str
    original_file_path: str
    config: ModelConfig
    version: Text | None = None
    latest_version: Text | None = None
    deprecation_date: str | None = None
    access: str | None = None
    group: Text | None = None
    description: str | None = None
    columns: dict[str, Column] | None = None
    database: Text | None = None
    alias: str | None = None
    tags: tuple[str, ...] | None = None
    meta: Any = None
    constraints: tuple[dict[str, Any], ...] | None = None
    depends_on: DependsOn | None = None
    patch_path: Text | None = None
    raw_code: str | None = None
    fqn: tuple[str, ...] | None = None
    refs: list[RefEntry] | None = None


class TestMetadata(msgspec.Struct, kw_only=True):
    name: str
    kwargs: dict[str, Any] | None = None


class TestNode(Entry, kw_only=True):
    unique_id: str
    name: str | None = None  # required only without test_metadata (singular tests)
    test_metadata: TestMetadata | None = None
    attached_node: Text | None = None
    column_name: Text | None = None
    depends_on: DependsOn | None = None


class Period(msgspec.Struct, kw_only=True):
    count: Any = None
    period: Any = None


class FreshnessEntry(msgspec.Struct, kw_only=True):
    warn_after: Period | None = None
    error_after: Period | None = None


class SourceEntry(Entry, kw_only=True):
    unique_id: str
    source_name: str
    name: str
    original_file_path: str
    description: str | None = None
    loader: str | None = None
    freshness: FreshnessEntry | None = None
    loaded_at_field: Text | None = None
    columns: dict[str, Column] | None = None
    meta: Any = None
    config: MetaConfig | None = None
    relation_name: str | None = None


class ExposureEntry(Entry, kw_only=True):
    unique_id: str
    name: str
    original_file_path: str
    type: str | None = None
    owner: Owner | None = None
    depends_on: DependsOn | None = None
    maturity: Text | None = None
    url: Text | None = None
    refs: list[RefEntry] | None = None


class GroupEntry(Entry, kw_only=True):
    name: str
    original_file_path: str
    owner: Owner | None = None


_MISSING = re.compile(r"Object missing required field `(?P<field>[^`]+)`(?: - at `(?P<at>\$[^`]*)`)?$")
_WRONG = re.compile(r"Expected `[^`]+`, got `[^`]+`(?: - at `(?P<at>\$[^`]*)`)?$")
_STEP = re.compile(r"\.(?P<field>[^.\[]+)|\[[^\]]*\]")  # `.name`, `[0]` (list) or `[...]` (dict value)
_TEXT = (inspect.StrType, inspect.IntType, inspect.FloatType)
_Sequence = inspect.ListType | inspect.VarTupleType  # a JSON array


def explain(error: msgspec.ValidationError, root: Any) -> str:
    """The error as "`field` must be <what its type in `root` says>", or msgspec's words if no field."""
    message = str(error)
    if missing := _MISSING.match(message):
        path = f"{missing['at'] or '$'}.{missing['field']}"
    elif wrong := _WRONG.match(message):
        path = wrong["at"]
        if path is None:  # the entry itself
            return f"must be {_kind(inspect.type_info(root))}"
    else:
        return message
    found = _field_at(path, inspect.type_info(root))
    if found is None:
        return message
    field, declared, in_dict = found
    container = _non_null(declared)
    if in_dict and isinstance(container, inspect.DictType):  # e.g. one column of `columns`
        return f"each of `{field}` must be {_kind(container.value_type)}"
    return f"`{field}` must be {_kind(declared)}"


def _field_at(path: str, root: inspect.Type) -> tuple[str, inspect.Type, bool] | None:
    """(innermost named field on `path`, its declared type, whether the path goes into a dict value)."""
    found: tuple[str, inspect.Type, bool] | None = None
    current = root
    for step in _STEP.finditer(path, 1):
        node = _non_null(current)
        if step["field"] is not None:
            if not isinstance(node, inspect.StructType):
                return None
            field = next((f for f in node.fields if f.encode_name == step["field"]), None)
            if field is None:
                return None
            found, current = (field.encode_name, field.type, False), field.type
        elif (container := _container(node)) is not None and found is not None:
            in_dict = found[2] or isinstance(container, inspect.DictType)
            found = (found[0], found[1], in_dict)
            current = container.value_type if isinstance(container, inspect.DictType) else container.item_type
        else:
            return None
    return found


def _container(declared: inspect.Type) -> inspect.DictType | _Sequence | None:
    """The dict or array type in `declared` (itself, or one member of a union like `str | tuple[str]`)."""
    members = declared.types if isinstance(declared, inspect.UnionType) else (declared,)
    return next((t for t in members if isinstance(t, inspect.DictType | _Sequence)), None)


def _non_null(declared: inspect.Type) -> inspect.Type:
    if isinstance(declared, inspect.UnionType):
        types = [t for t in declared.types if not isinstance(t, inspect.NoneType)]
        if len(types) == 1:
            return types[0]
    return declared


def _kind(declared: inspect.Type) -> str:
    declared = _non_null(declared)
    if isinstance(declared, inspect.UnionType):
        if all(isinstance(t, (*_TEXT, inspect.NoneType)) for t in declared.types):
            return "a string"
        return " or ".join(_kind(t) for t in declared.types if not isinstance(t, inspect.NoneType))
    if isinstance(declared, _TEXT):
        return "a string"
    if isinstance(declared, inspect.BoolType):
        return "true or false"
    if isinstance(declared, _Sequence):
        return "a list of strings" if isinstance(declared.item_type, _TEXT) else "a list of objects"
    return "an object"
