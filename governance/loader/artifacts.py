"""Reading dbt artifacts (manifest, run_results, sources), with one clear error per bad file.

An artifact is decoded in two steps: first its top-level object, with every section kept as undecoded
JSON (`msgspec.Raw`, found by a fast scan that builds no Python objects), then only the sections the
loader reads. A domain manifest's `macros`, `docs` and parent/child maps are never turned into Python
objects, and neither are the upstream nodes dbt-loom copies into a consumer's manifest (see
`manifest._owned`): turning all of it into dicts was most of the time `mesh check` took on a large mesh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import msgspec

from governance.errors import MeshError
from governance.loader.fields import Malformed
from governance.loader.schema import explain

# dbt 1.11 writes manifest v12; older or newer layouts differ in fields the loader relies on.
MANIFEST_SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"
RUN_RESULTS_PREFIX = "https://schemas.getdbt.com/dbt/run-results/"
SOURCES_PREFIX = "https://schemas.getdbt.com/dbt/sources/"

T = TypeVar("T")

Sections = dict[str, msgspec.Raw]  # a JSON object whose values are still undecoded

_SECTIONS = msgspec.json.Decoder(Sections)
_VALUE = msgspec.json.Decoder()


def display(path: Path, root: Path) -> str:
    """A path as the user sees it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def read_bytes(path: Path, shown: str, rebuild_hint: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise MeshError(f"{shown}: missing; {rebuild_hint}") from None
    except OSError as exc:
        raise MeshError(f"{shown}: cannot read ({exc.strerror}); {rebuild_hint}") from None


def sections_of(content: bytes, shown: str, rebuild_hint: str) -> Sections:
    """The top-level object of a JSON artifact, sections undecoded, or a MeshError naming the file."""
    try:
        return _SECTIONS.decode(content)
    except msgspec.ValidationError:  # well-formed JSON, but not an object
        raise MeshError(f"{shown}: expected a JSON object at the top level; {rebuild_hint}") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise MeshError(f"{shown}: not valid JSON ({exc}); {rebuild_hint}") from None
    except RecursionError:
        raise MeshError(f"{shown}: nested too deeply to be a dbt artifact; {rebuild_hint}") from None


def decode(decoder: msgspec.json.Decoder[T], content: bytes | msgspec.Raw) -> T:
    """JSON decoded into the decoder's type (see `schema`), or `Malformed` saying what is wrong."""
    try:
        return decoder.decode(content)
    except msgspec.ValidationError as exc:
        raise Malformed(explain(exc, decoder.type)) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # e.g. bad UTF-8 the first scan skipped
        raise Malformed(f"not valid JSON ({exc})") from None
    except RecursionError:  # msgspec recurses per nesting level; no dbt artifact nests this deep
        raise Malformed("nested too deeply to be a dbt artifact") from None


def decoded(sections: Sections, *keys: str) -> dict[str, Any]:
    """The named sections as plain JSON data (absent ones left out), for the accessors of `fields`."""
    found: dict[str, Any] = {}
    for key in keys:
        if key in sections:
            try:
                found[key] = decode(_VALUE, sections[key])
            except Malformed as exc:
                raise Malformed(f"`{key}`: {exc}") from None
    return found


def schema_version(metadata: Any) -> str | None:
    if not isinstance(metadata, dict):
        return None
    version = metadata.get("dbt_schema_version")
    return version if isinstance(version, str) else None


def check_manifest_schema(metadata: Any, shown: str, rebuild_hint: str) -> None:
    version = schema_version(metadata)
    if version != MANIFEST_SCHEMA:
        raise MeshError(
            f"{shown}: manifest schema {version or 'missing'} is not supported (expected {MANIFEST_SCHEMA}, "
            f"written by dbt 1.11); {rebuild_hint}"
        )


def check_optional_schema(metadata: Any, shown: str, prefix: str, rebuild_hint: str) -> None:
    version = schema_version(metadata)
    if version is None or not version.startswith(prefix):
        raise MeshError(f"{shown}: not a dbt {prefix.rsplit('/', 2)[-2]} artifact; {rebuild_hint}")
