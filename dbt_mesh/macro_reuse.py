"""A full parse takes its macros from an earlier parse of the same project when no macro could differ.

Of a full parse of a domain project (about 1 s warm on the 2-core machine), some 60% goes to its 533
macros: dbt's and the adapter's, parsed as Jinja and parsed again for the macros each one calls. A
pull request's namespace is a new profile, so dbt parses every project it builds in full
(`ManifestLoader.is_partial_parsable`: the profile's connection values are hashed; the documented
limit, <https://docs.getdbt.com/reference/parsing>: "the benefits of partial parsing are not applicable
to new pull requests"), although not one macro file differs from production's last parse.

What a macro becomes depends only on its file, the macros beside it and the projects' settings, not on
the profile, the variables or the environment: dbt parses a macro's text without rendering it
(`MacroParser`), and finds the macros it calls by reading that text (`macro_depends_on`: the root
project's macros and `dispatch` settings decide which of them a name means). So where an earlier parse's
manifest has the same dbt version, adapter, `dbt_project.yml` files (of the project and every package)
and the very same macro and generic-test files, byte for byte (dbt's checksums), this parse takes its
macros from there, as they were before any properties file described them. Anything else, down to one
macro file added or edited, and dbt parses the macros itself. Everything else is parsed as before.

The macros, and the macros each one calls, are taken exactly as the earlier parse holds them. Where that
parse was itself partial, they are what dbt's partial parsing kept: dbt finds the calls of the macros a
partial parse adds, not again those of the macros it keeps. The same holds for the planning parse, which
is dbt's own partial parse of production's.

The earlier parse is the saved manifest dbt read and set aside (another profile, other `--vars`), or,
where the project's target holds none, the file `MESH_DBT_MACROS_FROM` names: `mesh build --changed`
names production's last parse of each project for its namespace's parses.
"""

from __future__ import annotations

import os
from typing import Any

MACROS_FROM_ENV = "MESH_DBT_MACROS_FROM"
MACRO_FILE_TYPES = ("macro", "generic_test")
PARSERS = ("MacroParser", "GenericTestParser")


def earlier_parse(loader: Any) -> Any:
    """The manifest of the earlier parse to take macros from: the one dbt set aside, or the named one."""
    set_aside = getattr(loader, "_mesh_set_aside", None)
    if set_aside is not None:
        return set_aside
    path = os.environ.get(MACROS_FROM_ENV, "")
    if not path or not os.path.isfile(path):
        return None
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumuro_decoder

    try:
        with open(path, "rb") as handle:
            return Manifest.from_msgpack(handle.read(), decoder=extended_mashumuro_decoder)
    except Exception:  # a torn or foreign file: dbt parses the macros itself
        return None


def why_not(loader: Any, earlier: Any, macro_files: list[str]) -> str | None:
    """Why the earlier parse's macros cannot stand for this parse's, or None when they can."""
    from dbt.flags import get_flags
    from dbt.version import __version__

    if earlier.metadata.dbt_version != __version__:
        return "another dbt version"
    if earlier.metadata.adapter_type != loader.root_project.credentials.type:
        return "another adapter"
    if earlier.state_check.project_hashes != loader.manifest.state_check.project_hashes:
        return "another dbt_project.yml or package"
    if getattr(get_flags(), "validate_macro_args", False):
        return "macro arguments validated"  # arguments would come from the macro text, not kept here
    before = {file_id: f for file_id, f in earlier.files.items() if f.parse_file_type in MACRO_FILE_TYPES}
    if set(before) != set(macro_files):
        return "macro files added or removed"
    for file_id in macro_files:
        if before[file_id].checksum != loader.manifest.files[file_id].checksum:
            return f"{file_id} changed"
    listed = [unique_id for f in before.values() for unique_id in f.macros]
    if len(listed) != len(earlier.macros) or any(unique_id not in earlier.macros for unique_id in listed):
        return "the earlier parse's macros do not match its files"
    return None


def unpatched(macro: Any) -> Any:
    """The macro as dbt's macro parser leaves it: its text, location and the macros it calls, before any
    properties file gave it a description, meta, docs or arguments."""
    from dbt.artifacts.resources.v1.components import MacroDependsOn
    from dbt.contracts.graph.nodes import Macro

    languages = macro.supported_languages
    return Macro(
        path=macro.path,
        macro_sql=macro.macro_sql,
        original_file_path=macro.original_file_path,
        package_name=macro.package_name,
        resource_type=macro.resource_type,
        name=macro.name,
        unique_id=macro.unique_id,
        supported_languages=list(languages) if languages is not None else None,
        depends_on=MacroDependsOn(macros=list(macro.depends_on.macros)),
    )


def reuse_macros(loader: Any, project_parser_files: dict[str, dict[str, list[str]]]) -> bool:
    """Load the macros from the earlier parse, in the order dbt's own loading adds them; False (nothing
    loaded) when it cannot stand for this parse."""
    from dbt.flags import get_flags

    if loader.partially_parsing or not get_flags().PARTIAL_PARSE:  # --no-partial-parse: parse from scratch
        return False
    earlier = earlier_parse(loader)
    if earlier is None:
        return False
    order = [
        file_id
        for project in loader.all_projects.values()
        for parser in PARSERS
        for file_id in project_parser_files.get(project.project_name, {}).get(parser, [])
    ]
    reason = why_not(loader, earlier, order)
    if reason is not None:
        note(f"mesh: macros parsed anew ({reason})")
        return False
    for file_id in order:
        source = loader.manifest.files[file_id]
        for unique_id in earlier.files[file_id].macros:
            loader.manifest.add_macro(source, unpatched(earlier.macros[unique_id]))
    loader.build_macro_resolver()
    note(f"mesh: {len(earlier.macros)} macros taken from an earlier parse")
    return True


def note(message: str) -> None:
    """A debug line in dbt's log file (dbt.log), where a full parse's other reasons are."""
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.functions import fire_event
    from dbt_common.events.types import Note

    fire_event(Note(msg=message), level=EventLevel.DEBUG)


def install() -> None:
    """Wrap dbt's manifest loader once per interpreter."""
    from dbt.parser.manifest import ManifestLoader

    if getattr(ManifestLoader, "_mesh_macro_reuse", False):
        return
    judge = ManifestLoader.is_partial_parsable
    load_macros = ManifestLoader.load_and_parse_macros

    def is_partial_parsable(self: Any, manifest: Any) -> Any:
        valid, reason = judge(self, manifest)
        self._mesh_set_aside = None if valid else manifest
        return valid, reason

    def load_and_parse_macros(self: Any, project_parser_files: Any) -> None:
        if not reuse_macros(self, project_parser_files):
            load_macros(self, project_parser_files)

    ManifestLoader.is_partial_parsable = is_partial_parsable  # type: ignore[method-assign]
    ManifestLoader.load_and_parse_macros = load_and_parse_macros  # type: ignore[method-assign]
    ManifestLoader._mesh_macro_reuse = True  # type: ignore[attr-defined]
