"""Reading dbt artifacts (manifest, run_results, sources) as plain JSON, with one clear error per bad file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from governance.errors import MeshError

# dbt 1.11 writes manifest v12; older or newer layouts differ in fields the loader relies on.
MANIFEST_SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"
RUN_RESULTS_PREFIX = "https://schemas.getdbt.com/dbt/run-results/"
SOURCES_PREFIX = "https://schemas.getdbt.com/dbt/sources/"


def display(path: Path, root: Path) -> str:
    """A path as the user sees it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def read_json(path: Path, root: Path, rebuild_hint: str) -> dict[str, Any]:
    """The top-level object of a JSON artifact, or a MeshError naming the file and what to do."""
    shown = display(path, root)
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise MeshError(f"{shown}: missing; {rebuild_hint}") from None
    except orjson.JSONDecodeError as exc:
        raise MeshError(f"{shown}: not valid JSON ({exc}); {rebuild_hint}") from None
    except OSError as exc:
        raise MeshError(f"{shown}: cannot read ({exc.strerror}); {rebuild_hint}") from None
    if not isinstance(data, dict):
        raise MeshError(f"{shown}: expected a JSON object at the top level; {rebuild_hint}")
    return data


def schema_version(data: dict[str, Any]) -> str | None:
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return None
    version = metadata.get("dbt_schema_version")
    return version if isinstance(version, str) else None


def check_manifest_schema(data: dict[str, Any], shown: str, rebuild_hint: str) -> None:
    version = schema_version(data)
    if version != MANIFEST_SCHEMA:
        raise MeshError(
            f"{shown}: manifest schema {version or 'missing'} is not supported (expected {MANIFEST_SCHEMA}, "
            f"written by dbt 1.11); {rebuild_hint}"
        )


def check_optional_schema(data: dict[str, Any], shown: str, prefix: str, rebuild_hint: str) -> None:
    version = schema_version(data)
    if version is None or not version.startswith(prefix):
        raise MeshError(f"{shown}: not a dbt {prefix.rsplit('/', 2)[-2]} artifact; {rebuild_hint}")
