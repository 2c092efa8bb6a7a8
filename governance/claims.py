"""Models configured into another domain's catalog or schema: a `mesh check` error (MESH034) and refused
by `mesh build` before dbt runs.

Catalog = domain (docs/conventions.md). A project owns the catalogs its name gives
(`governance.unity.ownership.domain_catalogs`: `<name>`, `<name>_<MESH_ENV>`, `MESH_CATALOG_<NAME>`) and,
once built, the catalog most of its models are in (an adopted DuckDB mesh names each project's file
its own way); a schema `<domain>__<layer>` (the Spark layout) is that domain's. A model whose project
owns neither the catalog nor the schema it is configured into writes over another domain's objects.

Before dbt runs, `configured_claims` reads the literal `database`/`schema` settings a project writes
(dbt_project.yml `models:`, the models' YAML `config:`, `config(...)` in their SQL); Jinja values are
left to `mesh check`, which reads the compiled manifest.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from governance.errors import MeshError
from governance.model import MeshModel, Model
from governance.project import DbtProject, Projects, project_profile
from governance.settings import SKIPPED_FOLDERS, read_yaml
from governance.unity.ownership import domain_catalogs

_SPARK_SCHEMA = re.compile(r"(?P<domain>.+?)__")
_SQL_CONFIG = re.compile(r"config\s*\((?P<args>[^)]*)\)", re.IGNORECASE | re.DOTALL)
_SQL_SETTING = re.compile(r"\b(?P<key>database|schema)\s*=\s*['\"](?P<value>[^'\"]+)['\"]")


def catalog_owners(names: Iterable[str], homes: dict[str, str] | None = None) -> dict[str, set[str]]:
    """catalog (lower case) -> the projects owning it."""
    owners: dict[str, set[str]] = {}
    for name in names:
        for catalog in domain_catalogs(name):
            owners.setdefault(catalog.lower(), set()).add(name)
    for name, home in (homes or {}).items():
        owners.setdefault(home.lower(), set()).add(name)
    return owners


def foreign_claim(
    owners: dict[str, set[str]], domains: set[str], project: str, database: str | None, schema: str | None
) -> str | None:
    """Why `database`/`schema` of a model of `project` belong to another domain (None: they do not)."""
    if database:
        owning = owners.get(database.lower(), set())
        if owning and project not in owning:
            return f"catalog {database!r}, which domain {sorted(owning)[0]} owns"
    if schema:
        prefix = _SPARK_SCHEMA.match(schema)
        other = prefix["domain"] if prefix else None
        if other and other in domains and other != project:
            return f"schema {schema!r}, which domain {other} owns (<domain>__<layer>)"
    return None


def profile_catalog(project: DbtProject) -> str | None:
    """The catalog the project's profile builds into by default: its DuckDB file's name, else the
    target's `catalog` (Databricks) or `database`; None when the profile does not say (or is absent)."""
    profile = project_profile(project)
    if not isinstance(profile.get("outputs"), dict):
        return None
    output = profile["outputs"].get(profile.get("target", "dev"))
    if not isinstance(output, dict):
        return None
    if output.get("type") == "duckdb":
        path = str(output.get("path") or "")
        stem = path.rsplit("/", 1)[-1].rsplit("}}", maxsplit=1)[-1]
        return stem.removesuffix(".duckdb") if stem.endswith(".duckdb") and "{" not in stem else None
    for key in ("catalog", "database"):
        value = output.get(key)
        if isinstance(value, str) and value and "{" not in value:
            return value
    return None


def home_catalogs(mesh: MeshModel, projects: Projects | None = None) -> dict[str, str]:
    """Each domain's catalog: the one its profile builds into, else the one most of its models are in."""
    homes: dict[str, str] = {}
    for name, domain in mesh.domains.items():
        project = projects.projects.get(name) if projects is not None else None
        configured = profile_catalog(project) if project is not None else None
        counts = Counter(m.database.lower() for m in domain.models.values() if m.database)
        if configured:
            homes[name] = configured
        elif counts:
            homes[name] = counts.most_common(1)[0][0]
    return homes


def model_claims(mesh: MeshModel, projects: Projects | None = None) -> Iterator[tuple[Model, str]]:
    """Every model configured into another domain's catalog or schema, with what it claims."""
    owners = catalog_owners(mesh.domains, home_catalogs(mesh, projects))
    domains = set(mesh.domains)
    for model in mesh.models():
        claim = foreign_claim(owners, domains, model.project, model.database, model.schema)
        if claim is not None:
            yield model, claim


# --- before dbt runs --------------------------------------------------------------------------------


def _settings_in(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str, str]]:
    """(key, value, where) of literal database/schema settings in a dbt_project.yml `models:` tree."""
    if not isinstance(tree, dict):
        return
    for key, value in tree.items():
        bare = str(key).lstrip("+")
        if bare in {"database", "schema"} and isinstance(value, str) and "{{" not in value:
            yield bare, value, ".".join((*path, str(key)))
        elif isinstance(value, dict):
            yield from _settings_in(value, (*path, str(key)))


def _model_settings(project: DbtProject) -> Iterator[tuple[str, str, str]]:
    """(key, value, where) of the literal database/schema settings a project configures its models with."""
    config = read_yaml(project.path / "dbt_project.yml")
    for key, value, where in _settings_in(config.get("models"), ("models",)):
        yield key, value, f"dbt_project.yml {where}"
    paths = config.get("model-paths") or ["models"]
    for folder in (project.path / str(p) for p in paths if isinstance(p, str)):
        for file in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if any(part in SKIPPED_FOLDERS for part in file.relative_to(project.path).parts):
                continue
            yield from _file_settings(project.path, file)


def _file_settings(root: Path, file: Path) -> Iterator[tuple[str, str, str]]:
    shown = file.relative_to(root).as_posix()
    if file.suffix == ".sql":
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        for call in _SQL_CONFIG.finditer(text):
            for setting in _SQL_SETTING.finditer(call["args"]):
                if "{{" not in setting["value"]:
                    yield setting["key"], setting["value"], shown
    elif file.suffix in {".yml", ".yaml"}:
        entries = read_yaml(file).get("models")
        for entry in entries if isinstance(entries, list) else []:
            config = entry.get("config") if isinstance(entry, dict) else None
            if isinstance(config, dict):
                for key in ("database", "schema"):
                    value = config.get(key)
                    if isinstance(value, str) and "{{" not in value:
                        yield key, value, f"{shown} ({entry.get('name')})"


def configured_claims(projects: Projects, selected: Iterable[DbtProject]) -> list[str]:
    """One sentence per literal setting that puts a selected project's models into another domain's
    catalog or schema, read from the project's files (no dbt)."""
    homes = {n: c for n, p in projects.projects.items() if (c := profile_catalog(p)) is not None}
    owners = catalog_owners(projects.projects, homes)
    domains = set(projects.projects)
    found: list[str] = []
    for project in selected:
        for key, value, where in _model_settings(project):
            claim = foreign_claim(
                owners, domains, project.name, value if key == "database" else None,
                value if key == "schema" else None,
            )  # fmt: skip
            if claim is not None:
                found.append(f"{project.name}: {where} sets {key} to {claim}")
    return found


def refuse_claims(projects: Projects, selected: Iterable[DbtProject]) -> None:
    """One line, exit 2, before dbt runs, when a selected project writes into another domain's catalog."""
    found = configured_claims(projects, selected)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise MeshError(
            f"{found[0]}{more}; a domain builds only into its own catalog (catalog = domain): remove the "
            "setting, or move the model to the domain that owns it"
        )
