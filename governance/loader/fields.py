"""Typed access to plain artifact JSON (run results, freshness, manifest metadata): a missing or
mistyped field raises `Malformed` naming the field. Manifest entries are typed by `schema` instead."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class Malformed(Exception):  # noqa: N818 - internal signal, turned into a MeshError by the loader
    """A manifest field is missing or has the wrong type."""


def text(data: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise Malformed(f"`{key}` must be a string")
    return value


def objects(data: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Malformed(f"`{key}` must be a list of objects")
    return value


def timestamp(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Malformed(f"`{key}` must be an ISO timestamp")
    return iso_timestamp(value, key)


def iso_timestamp(value: str, key: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"`{key}` is not an ISO timestamp: {value!r}") from None


def integer(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Malformed(f"`{key}` must be an integer")
    return value
