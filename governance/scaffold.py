"""Scaffolding (`mesh new`): a new domain, a new data product, the next version of a product.

What is written follows docs/conventions.md and passes every policy of governance/policies.yml out of
the box. Everything is placed by the settings layer (governance/settings.py): a domain goes where
mesh.yml's `projects.include` puts domains, its profile where its profiles folder is, its upstream
projects into the one file the mesh already uses for them (dbt-loom's config, else dependencies.yml).
Names are checked before anything is written; an existing file is never replaced; every file is
written atomically, and a domain's files are only written once all of them have been rendered.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from governance.errors import MeshError
from governance.files import write_all
from governance.model import Platform
from governance.project import DbtProject, Projects, project_profile
from governance.settings import SAFE_LOADER, Settings, glob_regex, inside, read_yaml

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}\Z")
# DuckDB's type names -> the vocabulary every engine parses (docs/conventions.md, "Column keys").
DUCKDB_TYPES = {
    "VARCHAR": "string",
    "TINYINT": "int",
    "SMALLINT": "int",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "HUGEINT": "decimal(38,0)",
    "FLOAT": "double",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}
DEFAULT_DEPRECATION_DAYS = 90
DOMAIN_YML_HEADER = (
    "# Where this domain runs: databricks (Unity Catalog) or external (its own catalog, read by Trino).\n"
)
SCHEMA_IS_LAYER = """\
{# Schema = layer: a folder's +schema as is, not prefixed by the target's (`gold`, not `dev_gold`). #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
"""


# Catalog names DuckDB reserves (a domain's file is attached under its name; `memory` is the in-memory
# database every session has): a domain named so cannot be attached, read or queried.
RESERVED_CATALOGS = frozenset({"memory", "system", "temp", "main"})


def check_name(kind: str, name: str) -> str:
    """A dbt name from the command line: lower-case identifier, no path, no quoting needed anywhere."""
    if not IDENTIFIER.match(name):
        raise MeshError(
            f"{kind} name {name!r} is not a valid name; use a lower-case letter, then letters, digits "
            "or underscores (at most 63)"
        )
    if kind == "domain" and name in RESERVED_CATALOGS:
        raise MeshError(
            f"domain name {name!r} is reserved: DuckDB names a built-in catalog so "
            f"({', '.join(sorted(RESERVED_CATALOGS))}), and a domain is a catalog; pick another name"
        )
    return name


@dataclass(frozen=True)
class Written:
    """Files a scaffold wrote (repository-relative, in write order) and what it changed in place."""

    created: tuple[str, ...]
    appended: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the user should know, printed after the files


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _refuse_outside(paths: list[Path], root: Path) -> None:
    """Scaffolding writes inside the repository only: a folder of mesh.yml leading out is bad input."""
    for path in paths:
        if not inside(root, path):
            raise MeshError(
                f"{path} is outside the mesh root {root}; mesh new writes only under the root: fix "
                "mesh.yml (projects.include, profiles_dir) so the new files land inside it"
            )


def _refuse_existing(paths: list[Path], root: Path) -> None:
    for path in paths:
        if path.exists():
            raise MeshError(
                f"{_relative(path, root)} exists; scaffolding never replaces a file, remove it first"
            )


class _Dumper(yaml.SafeDumper):
    """Block YAML as docs/conventions.md writes it: list items indented under their key, Jinja in
    double quotes."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "'" in value and '"' not in value and "\n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def _yaml(data: Any) -> str:
    text = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=110, allow_unicode=True
    )
    return str(text)


# --- domain -------------------------------------------------------------------------------------


NEW_MESH_SETTINGS = (
    "# mesh.yml: what `mesh` governs here (every key is optional; `mesh init --force` rewrites it).\n"
    "version: 1\n"
    "# dbt projects of the mesh: `mesh new domain NAME` puts a new one in domains/NAME.\n"
    "projects:\n"
    '  include: ["domains/*"]\n'
)


def domain_folder(settings: Settings, name: str) -> Path:
    """Where mesh.yml's `projects.include` puts a new project `name`: the first pattern with one
    wildcard as its last folder (`domains/*` -> domains/NAME); domains/NAME in a repository that has
    no mesh.yml and no project yet (`new_domain` then writes NEW_MESH_SETTINGS too)."""
    if settings.path is None and not settings.mesh.projects.include:
        return settings.root / "domains" / name
    for pattern in settings.mesh.projects.include:
        parts = pattern.strip().strip("/").split("/")
        if parts[-1] == "*" and not any(c in "/".join(parts[:-1]) for c in "*?["):
            folder = settings.root.joinpath(*parts[:-1], name)
            if glob_regex(pattern).match(_relative(folder, settings.root)):
                return folder
    where = settings.path or settings.root / "mesh.yml"
    raise MeshError(
        f"{where}: projects.include has no pattern like `domains/*` saying where a new domain goes; "
        'add one (e.g. include: ["domains/*"])'
    )


def _layer_schema(settings: Settings, layer: str) -> str:
    names: tuple[str, ...] = getattr(settings.mesh.layers.names, layer)
    return names[0] if names else layer


def _rule_param(settings: Settings, code: str, param: str) -> Any:
    """A rule parameter as the repository's policy file sets it (else the rule's default), so what is
    scaffolded meets the policies `mesh check` will apply."""
    from governance.checks.config import load_policy
    from governance.checks.registry import all_rules

    configured = load_policy(settings.file("policies")).rules.get(code)
    if configured is not None:
        return configured.params[param]
    return next(p.default for p in all_rules()[code].params if p.name == param)


def _consumer_group(settings: Settings) -> str:
    return str(_rule_param(settings, "MESH024", "consumer_group"))


def _upstream_file_kind(projects: Projects) -> str:
    """The file this mesh names upstream projects in: what most projects use, else dbt-loom's config."""
    used = Counter(p.upstream_file.name for p in projects.projects.values() if p.upstream_file is not None)
    return used.most_common(1)[0][0] if used else "dbt_loom.config.yml"


def _duckdb_path_of(profile: dict[str, Any]) -> str | None:
    """The DuckDB file of a profile's default target as written (unrendered); the profile is the one the
    project's dbt_project.yml names, as dbt reads it (`project_profile`)."""
    outputs = profile.get("outputs")
    target = profile.get("target", "dev")
    output = outputs.get(target) if isinstance(outputs, dict) else None
    if isinstance(output, dict) and output.get("type") == "duckdb" and isinstance(output.get("path"), str):
        return str(output["path"])
    return None


def _checked_upstream(projects: Projects, upstream: list[str]) -> list[DbtProject]:
    for up in upstream:
        check_name("upstream", up)
        if up not in projects.projects or projects.projects[up].is_hub:
            domains = ", ".join(projects.domain_names) or "none"
            raise MeshError(f"upstream {up!r} is not a domain of the mesh; domains: {domains}")
    return [projects.projects[u] for u in dict.fromkeys(upstream)]


def _macro_paths(root: Path, folder: Path) -> tuple[list[str], bool]:
    """The new project's macro-paths (its own, and the root's shared macros/ when there is one), and
    whether the shared macros already name schemas after layers."""
    shared = root / "macros"
    if not shared.is_dir():
        return ["macros"], False
    # Schema = layer (docs/conventions.md): dbt's default would prefix the target's schema (`gold_gold`).
    naming = any(
        "macro generate_schema_name" in p.read_text(encoding="utf-8", errors="replace")
        for p in shared.rglob("*.sql")
    )
    return ["macros", os.path.relpath(shared, folder).replace(os.sep, "/")], naming


def _project_yml(settings: Settings, name: str, macros: list[str], platform: Platform) -> str:
    bronze, silver, gold = (_layer_schema(settings, layer) for layer in ("bronze", "silver", "gold"))
    project: dict[str, object] = {
        "name": name,
        "version": "1.0.0",
        "config-version": 2,
        "profile": name,
        "model-paths": ["models"],
        "macro-paths": macros,
        "test-paths": ["tests"],
        "target-path": "target",
        "clean-targets": ["target", "dbt_packages"],
        "models": {
            name: {
                "+group": name,
                "staging": {"+schema": bronze, "+materialized": "view", "+access": "private"},
                "intermediate": {"+schema": silver, "+materialized": "table", "+access": "private"},
                "marts": {
                    "+schema": gold,
                    "+materialized": "table",
                    "+access": "public",
                    "+contract": {"enforced": True},
                    "+grants": {"select": [_consumer_group(settings)]},
                },
            }
        },
    }
    if platform is Platform.DATABRICKS:
        # dbt-databricks writes the PII column masks dbt_mesh declares inside the CREATE only on this path
        # (docs/unity-catalog-conformance.md, "Column masks"); other adapters ignore the flag.
        project["flags"] = {"use_materialization_v2": True}
    return _yaml(project)


def _upstream_file(projects: Projects, folder: Path, upstream: list[DbtProject]) -> tuple[Path, str]:
    """The upstream projects, in the one file this mesh already names them in."""
    kind = _upstream_file_kind(projects)
    if kind == "dependencies.yml":
        return folder / kind, _yaml({"projects": [{"name": p.name} for p in upstream]})
    manifests = [
        {
            "name": p.name,
            "type": "file",
            "config": {"path": os.path.relpath(p.manifest_path, folder).replace(os.sep, "/")},
        }
        for p in upstream
    ]
    return folder / "dbt_loom.config.yml", (
        "# The upstream projects whose public products this project refs (the project graph).\n"
        + _yaml({"manifests": manifests})
    )


def _default_target(project: DbtProject) -> tuple[str, str] | None:
    """(default target name, DuckDB path as written) of a project's profile, when it runs on DuckDB."""
    profile = project_profile(project)
    path = _duckdb_path_of(profile)
    if path is None:
        return None
    return str(profile.get("target", "dev")), path


def _convention(existing: list[DbtProject], upstream: list[DbtProject]) -> tuple[DbtProject, str, str] | None:
    """The project a new domain's profile follows (an upstream first, else the first domain by name):
    that project, its default target's name and its DuckDB path as written."""
    for project in [*upstream, *sorted(existing, key=lambda p: p.name)]:
        found = _default_target(project)
        if found is not None:
            return project, found[0], found[1]
    return None


def _rebased(path: str, source: Path, folder: Path) -> str:
    """A path written relative to `source`'s folder, rewritten for a profile of `folder` (dbt runs in the
    project's folder); Jinja, absolute paths and URLs stay as written."""
    if "{" in path or os.path.isabs(path) or "://" in path or path.startswith(":"):
        return path
    return os.path.relpath(source / path, folder).replace(os.sep, "/")


def _path_like(theirs: str, like: DbtProject, folder: Path, name: str) -> str | None:
    """The new domain's DuckDB file laid out as `like`'s is (`like` names its own file `theirs`): the
    same folder inside the project (`target/x.duckdb` -> `target/<name>.duckdb`), or the same shared
    folder; None when the layout is the data folder's (MESH_DATA_DIR) or cannot be read."""
    if "MESH_DATA_DIR" in theirs or not theirs.endswith(".duckdb"):
        return None
    if "{" in theirs or os.path.isabs(theirs):
        head = theirs.rsplit("/", 1)[0] if "/" in theirs else ""
        return f"{head}/{name}.duckdb" if head else f"{name}.duckdb"
    parent = (like.path / theirs).resolve().parent
    if parent.is_relative_to(like.path.resolve()):  # a folder of the project itself (target/)
        inner = parent.relative_to(like.path.resolve()).as_posix()
        return f"{inner}/{name}.duckdb" if inner != "." else f"{name}.duckdb"
    return f"{os.path.relpath(parent, folder).replace(os.sep, '/')}/{name}.duckdb"


def _profile(
    settings: Settings,
    name: str,
    folder: Path,
    upstream: list[DbtProject],
    existing: list[DbtProject],
) -> tuple[Path, str, bool]:
    """The profiles.yml to write (the mesh's shared profiles folder when mesh.yml names one, else the
    project's own), its whole new text, and whether it already existed (then the profile is appended)."""
    root = settings.root
    shared = (root / settings.mesh.profiles_dir).resolve() if settings.mesh.profiles_dir else None
    profiles_file = (shared or folder) / "profiles.yml"
    existed = profiles_file.is_file()
    if name in (read_yaml(profiles_file) if existed else {}):
        raise MeshError(f"{_relative(profiles_file, root)} already has a profile {name!r}; remove it first")
    data_default = os.path.relpath(root / "data", folder).replace(os.sep, "/")
    path = f"{{{{ env_var('MESH_DATA_DIR', '{data_default}') }}}}/warehouse/{name}.duckdb"
    target = "ci" if existing else "dev"  # an empty repository: dbt's own default target name
    convention = _convention(existing, upstream)
    if convention is not None:  # follow the existing projects: their default target, their file layout
        like, target, their_path = convention
        path = _path_like(their_path, like, folder, name) or path
    output: dict[str, Any] = {
        "type": "duckdb",
        "path": path,
        "schema": _layer_schema(settings, "gold"),
        "threads": 2,
    }
    attach: list[dict[str, Any]] = []
    for up in upstream:  # attached read-only under its own name, as the upstream's profile places it
        found = _duckdb_path_of(project_profile(up))
        if found is None:
            raise MeshError(
                f"upstream {up.name!r} has no DuckDB default target in its profile; "
                "scaffold without --upstream and attach it by hand"
            )
        attach.append({"path": _rebased(found, up.path, folder), "alias": up.name, "read_only": True})
    if attach:
        output["attach"] = attach
    profile = _yaml({name: {"target": target, "outputs": {target: output}}})
    if not existed:
        return profiles_file, profile, False
    text = profiles_file.read_text(encoding="utf-8")
    combined = text + ("" if text.endswith("\n") or not text else "\n") + "\n" + profile
    if name not in (yaml.load(combined, Loader=SAFE_LOADER) or {}):  # what we write must read back
        raise MeshError(
            f"{_relative(profiles_file, root)}: the new profile does not read back; add it by hand"
        )
    return profiles_file, combined, True


SCAFFOLD_LOCK = Path(".mesh") / "new.lock"  # under the root; .mesh/ is the tool's own (git-ignored)
LOCK_WAIT_SECONDS = 30


@contextlib.contextmanager
def scaffold_lock(root: Path) -> Iterator[None]:
    """Serialise the `mesh new` commands of one mesh (an flock: it dies with its process)."""
    import fcntl

    lock_path = root / SCAFFOLD_LOCK
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError as error:
        raise MeshError(f"{lock_path}: cannot open the lock of `mesh new` ({error.strerror})") from None
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise MeshError(
                        f"another `mesh new` has held {lock_path} for {LOCK_WAIT_SECONDS} s; let it finish, "
                        "then run this one again"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def new_domain(projects: Projects, name: str, platform: Platform, upstream: list[str],
               owner_email: str | None = None) -> Written:  # fmt: skip
    """Write a new domain project: dbt_project.yml, domain.yml, groups, the upstream file, its profile
    and the models/ folders of docs/conventions.md. Everything is rendered and checked first."""
    check_name("domain", name)
    settings = projects.settings
    assert settings is not None
    root = settings.root
    if name in projects.projects:
        raise MeshError(f"project {name!r} already exists at {_relative(projects.projects[name].path, root)}")
    ups = _checked_upstream(projects, upstream)
    email = owner_email or f"{name.replace('_', '-')}-team@example.com"
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise MeshError(f"owner e-mail {email!r} is not an e-mail address; pass --owner-email NAME@DOMAIN")
    folder = domain_folder(settings, name)
    macros, shared_naming = _macro_paths(root, folder)
    files: dict[Path, str] = {
        folder / "dbt_project.yml": _project_yml(settings, name, macros, platform),
        folder / "domain.yml": DOMAIN_YML_HEADER + _yaml({"platform": platform.value}),
        folder / "models" / "groups.yml": _yaml(
            {"groups": [{"name": name, "owner": {"name": f"{name} team", "email": email}}]}
        ),
    }
    for layer in ("staging", "intermediate", "marts"):
        files[folder / "models" / layer / ".gitkeep"] = ""
    if not shared_naming:
        files[folder / "macros" / "generate_schema_name.sql"] = SCHEMA_IS_LAYER
    if ups:
        path, text = _upstream_file(projects, folder, ups)
        files[path] = text
    existing = [p for p in projects.projects.values() if not p.is_hub]
    # The shared profiles.yml is read, extended and written under one lock: two `mesh new domain` at once
    # would otherwise each append to what they read, and the later write would drop the other's profile.
    with scaffold_lock(root):
        profiles_file, profiles_text, appended = _profile(settings, name, folder, ups, existing)
        if settings.path is None and not projects.projects:  # an empty repository becomes a mesh
            files[root / "mesh.yml"] = NEW_MESH_SETTINGS
        _refuse_outside([*files, profiles_file], root)
        _refuse_existing([*files, *([] if appended else [profiles_file])], root)
        write_all({**files, profiles_file: profiles_text})
    if (
        "MESH_DATA_DIR" in profiles_text.split(f"\n{name}:", 1)[-1]
    ):  # dbt-duckdb makes the file, not its folder
        from governance.project import data_dir

        (data_dir(root) / "warehouse").mkdir(parents=True, exist_ok=True)
    created = tuple(_relative(p, root) for p in files)
    shown = _relative(profiles_file, root)
    return Written(created, (shown,)) if appended else Written((*created, shown))


# --- product ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductColumn:
    name: str
    data_type: str


def _domain(projects: Projects, name: str) -> DbtProject:
    check_name("domain", name)
    project = projects.projects.get(name)
    if project is None or project.is_hub:
        raise MeshError(f"unknown domain {name!r}; domains: {', '.join(projects.domain_names) or 'none'}")
    return project


def _has_model(project: DbtProject, name: str) -> bool:
    """`project` defines a model `name` (a `name.sql` or versioned `name_v<N>.sql` under its models)."""
    versioned = re.compile(rf"{re.escape(name)}(?:_v\d+)?\.sql")
    for path in (project.path / "models").rglob("*.sql") if (project.path / "models").is_dir() else ():
        if versioned.fullmatch(path.name):
            return True
    return False


def _owner(project: DbtProject) -> tuple[str, str]:
    """The domain's group and owner principal (the group owner's e-mail local part, else the group)."""
    groups: list[dict[str, Any]] = []
    for path in sorted((project.path / "models").rglob("*.yml")):
        found = read_yaml(path).get("groups")
        if isinstance(found, list):
            groups.extend(g for g in found if isinstance(g, dict) and isinstance(g.get("name"), str))
    if not groups:
        raise MeshError(
            f"{_relative(project.path / 'models', project.path.parent)}: no dbt group; add models/groups.yml "
            "with a group named after the project and its owner e-mail"
            " (groups: [{name: ..., owner: {email: ...}}])"
        )
    group = next((g for g in groups if g["name"] == project.name), groups[0])
    owner = group.get("owner") if isinstance(group.get("owner"), dict) else {}
    email = owner.get("email") if isinstance(owner, dict) else None
    principal = email.split("@")[0] if isinstance(email, str) and "@" in email else group["name"]
    return str(group["name"]), str(principal)


def _marts_folder(settings: Settings, project: DbtProject) -> Path:
    """The folder of the domain's gold models: the first gold name (mesh.yml layers) that is a folder
    under models/, else models/marts."""
    for name in (*settings.mesh.layers.names.gold, "marts"):
        if (project.path / "models" / name).is_dir():
            return project.path / "models" / name
    return project.path / "models" / "marts"


def relation_columns(project: DbtProject, relation: str) -> tuple[str, list[ProductColumn]]:
    """The model building `relation` ([schema.]name) in `project` and its columns, read from the
    domain's DuckDB file (read-only)."""
    parts = relation.split(".")
    if not 1 <= len(parts) <= 2 or not all(IDENTIFIER.match(p) for p in parts):
        raise MeshError(f"--from {relation!r}: give a relation as [schema.]name of lower-case identifiers")
    schema, table = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
    if not project.manifest_path.is_file():
        raise MeshError(f"{project.name} is not built (no {project.manifest_path}); run `mesh build` first")
    manifest = json.loads(project.manifest_path.read_text(encoding="utf-8"))
    model = next(
        (
            n
            for n in manifest.get("nodes", {}).values()
            if n.get("resource_type") == "model"
            and n.get("package_name") == project.name
            and (n.get("alias") or n.get("name")) == table
            and (schema is None or n.get("schema") == schema)
        ),
        None,
    )
    if model is None:
        raise MeshError(f"--from {relation!r}: no model of {project.name} builds that relation")
    database = _duckdb_file(project)
    import duckdb

    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        raise MeshError(f"{database}: cannot open read-only ({str(exc).splitlines()[0]})") from None
    try:
        rows = connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [model["schema"], table],
        ).fetchall()
    finally:
        connection.close()
    if not rows:
        raise MeshError(
            f"--from {relation!r}: {model['schema']}.{table} is not in {database}; run `mesh build`"
        )
    columns = []
    for column, kind in rows:
        mapped = _portable_type(str(kind))
        if mapped is None or not IDENTIFIER.match(str(column)):
            raise MeshError(
                f"--from {relation!r}: column {column!r} of type {kind} has no portable name or type; "
                "cast or rename it in the model first"
            )
        columns.append(ProductColumn(str(column), mapped))
    return str(model["name"]), columns


def _portable_type(kind: str) -> str | None:
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", kind)
    if decimal:
        return f"decimal({decimal[1]},{decimal[2]})"
    return DUCKDB_TYPES.get(kind.upper())


def _duckdb_file(project: DbtProject) -> Path:
    """The DuckDB file of the project's default target: its profile's path, env_var() rendered the way
    dbt does, relative to the project folder (dbt's working directory)."""
    written = _duckdb_path_of(project_profile(project))
    if written is None:
        raise MeshError(f"{project.name}: its profile has no DuckDB default target to read --from")
    import jinja2

    def env_var(variable: str, default: str | None = None) -> str:
        value = os.environ.get(variable, default)
        if value is None:
            raise MeshError(f"{project.name}: its profile reads {variable}, which is not set")
        return value

    rendered = jinja2.Environment(autoescape=False).from_string(written).render(env_var=env_var)
    return (project.path / rendered).resolve()


def new_product(projects: Projects, domain: str, name: str, source: str | None = None) -> Written:
    """Write a contracted public gold model NAME in DOMAIN: its SQL and its YAML. With `source`, its
    columns and types are those of that built relation; otherwise one key column to start from."""
    project = _domain(projects, domain)
    check_name("product", name)
    settings = projects.settings
    assert settings is not None
    group, owner = _owner(project)
    folder = _marts_folder(settings, project)
    sql_path, yml_path = folder / f"{name}.sql", folder / f"{name}.yml"
    # Another project's model of the same name is allowed (a product is its project, name and version),
    # but a consumer's one-argument ref to it would become ambiguous: say so.
    twins = sorted(
        o.name for o in projects.projects.values() if o.name != project.name and _has_model(o, name)
    )
    notes = tuple(
        f"{other} also has a model {name!r}: consumers ref each with two arguments, "
        f"ref({other!r}, {name!r}) or ref({project.name!r}, {name!r})"
        for other in twins
    )
    if name in projects.projects:
        raise MeshError(f"{name!r} is the name of a project of the mesh; pick another product name")
    _refuse_outside([sql_path, yml_path], settings.root)
    _refuse_existing([sql_path, yml_path], settings.root)
    if source is not None:
        model, columns = relation_columns(project, source)
        selected = ",\n".join(f"        cast({c.name} as {c.data_type}) as {c.name}" for c in columns)
        sql = (
            f"with\n\nsource as (\n\n    select * from {{{{ ref('{model}') }}}}\n\n),\n\n"
            f"final as (\n\n    select\n{selected}\n    from source\n\n)\n\nselect * from final\n"
        )
    else:
        entity = re.sub(r"^(fct|dim)_", "", name)
        columns = [ProductColumn(f"{entity}_id", "bigint")]
        sql = (
            "-- Replace with the product's logic (ref() its inputs); keep the columns in step with the yml.\n"
            f"select cast(null as bigint) as {entity}_id\nwhere false\n"
        )
    key = columns[0].name
    patterns = _rule_param(settings, "MESH022", "patterns")
    personal = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    entries: list[dict[str, Any]] = []
    for column in columns:
        entry: dict[str, Any] = {
            "name": column.name,
            "data_type": column.data_type,
            "description": f"{column.name.replace('_', ' ').capitalize()}.",
        }
        if column.name == key:
            entry["description"] = f"{entry['description'][:-1]}: the product's key."
            entry["constraints"] = [{"type": "not_null"}, {"type": "primary_key"}]
            entry["data_tests"] = ["unique", "not_null"]
        if personal.search(column.name) and column.name != key:
            # Looks personal (MESH022's patterns): personal until a person says otherwise, shown
            # unmasked only to the cleared group (MESH023), which the Unity sync turns into a mask.
            entry["config"] = {"meta": {"classification": "confidential", "pii": True, "masked": False}}
        else:
            entry["config"] = {"meta": {"classification": "internal", "pii": False}}
        entries.append(entry)
    has_pii = any(e["config"]["meta"]["pii"] for e in entries)
    model_entry = {
        "name": name,
        "description": f"{name.replace('_', ' ').capitalize()} of the {domain} domain, one row per {key}.",
        "config": {
            "group": group,
            "access": "public",
            "materialized": "table",
            "contract": {"enforced": True},
            "grants": {"select": [_consumer_group(settings)]},
            "meta": {
                "domain": domain,
                "owner": owner,
                "classification": "confidential" if has_pii else "internal",
                "sla": {"freshness_hours": 24},
                **({"pii_cleared_groups": [f"{domain.replace('_', '-')}-pii-readers"]} if has_pii else {}),
            },
        },
        "columns": entries,
    }
    write_all({sql_path: sql, yml_path: _yaml({"version": 2, "models": [model_entry]})})
    return Written((_relative(sql_path, settings.root), _relative(yml_path, settings.root)), notes=notes)


# --- version ------------------------------------------------------------------------------------


def _find_product(projects: Projects, product: str) -> tuple[DbtProject, Path, Path]:
    """`[domain.]name` -> its domain, the yml declaring it and its latest SQL file."""
    parts = product.split(".")
    if not 1 <= len(parts) <= 2:
        raise MeshError(f"product {product!r}: give it as [DOMAIN.]NAME")
    for part in parts:
        check_name("product", part)
    domains = [_domain(projects, parts[0])] if len(parts) == 2 else [
        projects.projects[n] for n in projects.domain_names
    ]  # fmt: skip
    name = parts[-1]
    hits: list[tuple[DbtProject, Path]] = []
    for project in domains:
        for path in sorted((project.path / "models").rglob("*.yml")):
            models = read_yaml(path).get("models")
            if isinstance(models, list) and any(
                isinstance(m, dict) and m.get("name") == name for m in models
            ):
                hits.append((project, path))
    if not hits:
        raise MeshError(f"product {product!r}: no yml under a domain's models/ declares it")
    if len(hits) > 1:
        where = ", ".join(h[0].name for h in hits)
        raise MeshError(f"product {name!r} is in several domains ({where}); name it DOMAIN.{name}")
    project, yml = hits[0]
    return project, yml, yml.parent


def new_version(projects: Projects, product: str, today: date | None = None,
                deprecate_after_days: int = DEFAULT_DEPRECATION_DAYS) -> Written:  # fmt: skip
    """The next version of a product: `latest_version` and `versions:` in its yml, a deprecation date
    on the version it replaces, and a new SQL file `<name>_v<N>.sql` starting as a copy of it."""
    _project, yml, folder = _find_product(projects, product)
    settings = projects.settings
    assert settings is not None
    name = product.rsplit(".", maxsplit=1)[-1]
    document = read_yaml(yml)
    model = next(m for m in document["models"] if isinstance(m, dict) and m.get("name") == name)
    versions = model.get("versions")
    deprecation = (today or date.today()) + timedelta(days=deprecate_after_days)
    if versions is None:
        current, old_sql = 1, folder / f"{name}.sql"
        versions = [{"v": 1, "defined_in": name}]
    else:
        if not isinstance(versions, list) or not versions:
            raise MeshError(f"{_relative(yml, settings.root)}: {name}.versions must be a non-empty list")
        numbers = [v.get("v") if isinstance(v, dict) else None for v in versions]
        whole = [n for n in numbers if isinstance(n, int) and not isinstance(n, bool)]
        latest = model.get("latest_version", max(whole, default=None))
        if len(whole) != len(numbers) or latest not in whole:
            raise MeshError(
                f"{_relative(yml, settings.root)}: {name} has versions that are not whole numbers (or a "
                "latest_version not among them); add the next version by hand"
            )
        current = int(latest)
        entry = next(v for v in versions if v.get("v") == current)
        old_sql = folder / f"{entry.get('defined_in') or f'{name}_v{current}'}.sql"
    if not old_sql.is_file():
        raise MeshError(f"{_relative(old_sql, settings.root)}: the SQL of {name} v{current} is not there")
    new = (
        max([current, *(v["v"] for v in versions if isinstance(v, dict) and isinstance(v.get("v"), int))]) + 1
    )
    new_sql = folder / f"{name}_v{new}.sql"
    _refuse_outside([new_sql], settings.root)
    _refuse_existing([new_sql], settings.root)
    dated = False
    for entry in versions:
        if isinstance(entry, dict) and entry.get("v") == current and "deprecation_date" not in entry:
            entry["deprecation_date"] = deprecation
            dated = True
    unversioned = "versions" not in model
    model["latest_version"] = new
    model["versions"] = [{"v": new}, *versions]
    text = _versioned_text(
        yml.read_text(encoding="utf-8"),
        name,
        unversioned=unversioned,
        current=current,
        new=new,
        deprecation=deprecation if dated else None,
    )
    if text is None or yaml.load(text, Loader=SAFE_LOADER) != document:
        raise MeshError(
            f"{_relative(yml, settings.root)}: cannot add version {new} of {name} without reformatting the "
            "file; add `latest_version`, the new entry under `versions:` and the old one's "
            "`deprecation_date` by hand"
        )
    write_all({new_sql: old_sql.read_text(encoding="utf-8"), yml: text})
    return Written((_relative(new_sql, settings.root),), (_relative(yml, settings.root),))


def _versioned_text(text: str, name: str, *, unversioned: bool, current: int, new: int,
                    deprecation: date | None) -> str | None:  # fmt: skip
    """The yml with version `new` added by inserting lines, so comments and layout stay as written;
    None when the model's entry is not laid out as expected (the caller re-reads the result anyway)."""
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if re.fullmatch(rf"\s*- name: ['\"]?{name}['\"]?\s*", line)), None
    )
    if start is None:
        return None
    key = " " * (len(lines[start]) - len(lines[start].lstrip()) + 2)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i].startswith(key)),
        len(lines),
    )
    if unversioned:
        block = [
            f"{key}latest_version: {new}\n",
            f"{key}versions:\n",
            f"{key}  - v: {new}\n",
            f"{key}  - v: {current}\n",
            f"{key}    defined_in: {name}\n",
        ]
        if deprecation is not None:
            block.append(f"{key}    deprecation_date: {deprecation.isoformat()}\n")
        return "".join([*lines[: start + 1], *block, *lines[start + 1 :]])
    latest = next((i for i in range(start, end) if lines[i].startswith(f"{key}latest_version:")), None)
    versions = next((i for i in range(start, end) if lines[i].rstrip() == f"{key}versions:"), None)
    if latest is None or versions is None:
        return None
    first = next((i for i in range(versions + 1, end) if lines[i].strip()), None)
    if first is None or not lines[first].lstrip().startswith("- v:"):
        return None
    item = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    lines[latest] = f"{key}latest_version: {new}\n"
    current_line = next(
        (i for i in range(first, end) if re.fullmatch(rf"{item}- v: {current}\s*", lines[i])), None
    )
    if current_line is None:
        return None
    if deprecation is not None:
        lines.insert(current_line + 1, f"{item}  deprecation_date: {deprecation.isoformat()}\n")
    lines.insert(first, f"{item}- v: {new}\n")
    return "".join(lines)
