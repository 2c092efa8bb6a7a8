"""The one settings layer: `mesh.yml` at the repository root, the environment, and `--root`.

Every command finds the root (`root()`), then reads `load_settings(root)`: which dbt projects form
the mesh, the optional hub, each project's profiles folder and platform, what a data product is,
how a model's layer is placed, and where the policy, Unity, Trino and publish settings live.
Every key is typed (msgspec); an unknown key is rejected with the closest known one.

The environment variables the mesh reads are listed once, in `ENVIRONMENT`; `environ()` reads them.
Per-project files are read here too, with the same strictness: `domain.yml` (the same keys as a
`domains:` entry of mesh.yml) and the upstream projects, from dbt-loom's `dbt_loom.config.yml`
(`manifests[].name`) or dbt's `dependencies.yml` (`projects[].name`), never typed twice.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import msgspec
import yaml

from governance.errors import MeshError
from governance.model import Access, Layer, Platform

SETTINGS_FILE = "mesh.yml"
PACKAGE_DIR = Path(__file__).resolve().parent
# Settings files shipped with the package; a repository overrides any of them in mesh.yml `files:`.
PACKAGE_DEFAULTS = {
    "policies": PACKAGE_DIR / "policies.yml",
    "unity": PACKAGE_DIR / "defaults" / "unity.yml",
    "trino": PACKAGE_DIR / "defaults" / "trino.yml",
    "publish": PACKAGE_DIR / "publish.yml",
    "health": PACKAGE_DIR / "defaults" / "health.yml",
}
# Folders never searched for projects: dependencies, build output, virtual environments.
SKIPPED_FOLDERS = frozenset(
    {"dbt_packages", "dbt_modules", "target", "logs", "node_modules", "__pycache__", "site-packages", "venv"}
)

# Every environment variable the mesh reads, and what it overrides (README "Settings").
ENVIRONMENT: dict[str, str] = {
    "MESH_ROOT": "the repository root (after --root; before searching upward for mesh.yml)",
    "MESH_DATA_DIR": "where raw data and warehouses live (default <root>/data)",
    "MESH_ENV": "the deployment environment in catalog names (profiles)",
    "MESH_POLICIES_CONFIG": "the policy file (over mesh.yml files.policies)",
    "MESH_UNITY_CONFIG": "the Unity Catalog sync settings (over mesh.yml files.unity)",
    "MESH_TRINO_CONFIG": "the Trino settings (over mesh.yml files.trino)",
    "MESH_PUBLISH_CONFIG": "the Iceberg publish settings (over mesh.yml files.publish)",
    "MESH_HEALTH_CONFIG": "the health store settings (over mesh.yml files.health)",
    "MESH_HEALTH_STORE_URI": "health.yml store.uri (the warehouse database of the health store)",
    "MESH_HEALTH_STORE_PASSWORD": "the health store's warehouse database password",
    "MESH_CATALOG_URI": "publish.yml catalog.uri",
    "MESH_CATALOG_PASSWORD": "the Iceberg catalog database password",
    "MESH_WAREHOUSE": "publish.yml catalog.warehouse",
    "MESH_WAREHOUSE_ID": "the Databricks SQL warehouse (unity.yml warehouse_id_env)",
    "DBT_PROFILES_DIR": "profiles folder of projects without one in mesh.yml or their own profiles.yml",
    "TRINO_HOST": "trino.yml connection.host (also TRINO_PORT, TRINO_USER, TRINO_HTTP_SCHEME, TRINO_CATALOG)",
    "TRINO_PASSWORD": "Trino basic-auth password",
    "DATABRICKS_HOST": "Databricks workspace (also DATABRICKS_TOKEN, DATABRICKS_HTTP_PATH)",
    "MESH_DATABRICKS_TIMEOUT": "seconds before an unreachable Databricks host fails a call, retries included",
    "MESH_TRINO_TIMEOUT": "seconds before an unreachable Trino fails a query, retries included",
    "MESH_CATALOG_TIMEOUT": "seconds before a silent PostgreSQL Iceberg catalog fails a publish or query",
}
# The default of the *_TIMEOUT variables: an unreachable host fails a command in well under 30 s.
DEFAULT_NETWORK_TIMEOUT_SECONDS = 20.0


def environ(name: str) -> str | None:
    """A documented environment variable, or None when unset or empty."""
    if name not in ENVIRONMENT:
        raise KeyError(f"{name} is not a documented mesh environment variable (governance.settings)")
    return os.environ.get(name) or None


# A day: longer is no deadline at all, and far longer overflows the clocks the clients compute with.
MAX_NETWORK_TIMEOUT_SECONDS = 86400


def network_timeout(name: str) -> float:
    """The deadline in seconds set by the timeout variable `name`, or the default."""
    raw = environ(name)
    if raw is None:
        return DEFAULT_NETWORK_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not (math.isfinite(value) and 0 < value <= MAX_NETWORK_TIMEOUT_SECONDS):
        raise MeshError(
            f"{name}={raw!r}: expected a number of seconds greater than 0 and at most "
            f"{MAX_NETWORK_TIMEOUT_SECONDS} (default {DEFAULT_NETWORK_TIMEOUT_SECONDS:g})"
        )
    return value


# --- mesh.yml ----------------------------------------------------------------------------------


class ProjectsSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Which dbt projects form the mesh: folders (globs, relative to the root) holding a dbt_project.yml."""

    include: tuple[str, ...] = ()  # empty: every dbt_project.yml under the root
    exclude: tuple[str, ...] = ()


class DomainSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Per-project settings: a `domains:` entry of mesh.yml, or a project's own `domain.yml`."""

    platform: Platform | None = None  # default databricks
    profiles_dir: str | None = None  # relative to the file that sets it


class LayerNames(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Schema or folder names that place a model in each layer (matched case-insensitively)."""

    bronze: tuple[str, ...] = ("bronze", "staging")
    silver: tuple[str, ...] = ("silver", "intermediate")
    gold: tuple[str, ...] = ("gold", "marts")


class LayerSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """How a model's layer is placed: from its schema, its folder under the model paths, or either."""

    source: Literal["auto", "schema", "folder"] = msgspec.field(default="auto", name="from")
    names: LayerNames = LayerNames()


class ProductSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """What a data product is: a model of a domain (never the hub) with one of these access levels,
    in one of these layers (empty: any layer)."""

    access: tuple[Access, ...] = (Access.PUBLIC,)
    layers: tuple[Literal["bronze", "silver", "gold", "unknown"], ...] = ()


class SettingsFiles(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Where the other settings files live, relative to the root (unset: the package's defaults)."""

    policies: str | None = None
    unity: str | None = None
    trino: str | None = None
    publish: str | None = None
    health: str | None = None


class MeshSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """The contents of mesh.yml (every key optional)."""

    version: Literal[1] = 1
    projects: ProjectsSettings = ProjectsSettings()
    hub: str | None = None  # folder of the hub project (analyst marts over the domains' products)
    profiles_dir: str | None = None  # default profiles folder of every project
    domains: dict[str, DomainSettings] = {}
    products: ProductSettings = ProductSettings()
    layers: LayerSettings = LayerSettings()
    files: SettingsFiles = SettingsFiles()


@dataclass(frozen=True)
class Settings:
    """The settings of one repository: mesh.yml (or the defaults without one) and where it was read."""

    root: Path
    mesh: MeshSettings
    path: Path | None  # mesh.yml, or None when absent (defaults)

    def file(self, name: Literal["policies", "unity", "trino", "publish", "health"]) -> Path:
        """The settings file `name`: `MESH_<NAME>_CONFIG`, else the repository's (mesh.yml `files:`),
        else the package default."""
        variable = f"MESH_{name.upper()}_CONFIG"
        override = environ(variable)
        if override is not None:
            chosen = Path(override).resolve()
            if not chosen.is_file():
                raise MeshError(f"{variable}={override}: no such file; fix or unset it")
            return chosen
        configured: str | None = getattr(self.mesh.files, name)
        if configured is None:
            return PACKAGE_DEFAULTS[name]
        path = (self.root / configured).resolve()
        if not path.is_file():
            raise MeshError(
                f"{self.path}: files.{name} is {configured!r}, which does not exist; fix the path"
            )
        return path

    def is_product(self, access: Access, layer: Layer, is_hub: bool) -> bool:
        rule = self.mesh.products
        if is_hub or access not in rule.access:
            return False
        return not rule.layers or layer.value in rule.layers

    def layer_placer(self) -> Callable[[str, tuple[str, ...]], Layer]:
        """(schema, folders under the model path) -> layer, per `layers:`."""
        names = self.mesh.layers.names
        lookup: dict[str, Layer] = {}
        for layer in (Layer.BRONZE, Layer.SILVER, Layer.GOLD):
            for name in getattr(names, layer.value):
                lookup.setdefault(name.lower(), layer)
        source = self.mesh.layers.source

        def place(schema: str, folders: tuple[str, ...]) -> Layer:
            if source != "folder":
                found = lookup.get(schema.lower())
                if found is not None or source == "schema":
                    return found or Layer.UNKNOWN
            for folder in folders:
                found = lookup.get(folder.lower())
                if found is not None:
                    return found
            return Layer.UNKNOWN

        return place


_ROOT_OPTION: dict[str, Path] = {}  # "root" -> the --root of this process's command


def set_root(path: Path | None) -> None:
    """`--root` of the command line: wins over MESH_ROOT and the upward search (None: unset)."""
    _ROOT_OPTION.pop("root", None)
    if path is not None:
        _ROOT_OPTION["root"] = path.resolve()


def explicit_root() -> Path | None:
    """The root the user named: `--root`, else `MESH_ROOT`, else None."""
    env = environ("MESH_ROOT")
    return _ROOT_OPTION.get("root") or (Path(env) if env else None)


def find_root(start: Path | None = None) -> Path:
    """The repository root: `--root`, else `MESH_ROOT`, else the nearest folder upward holding mesh.yml."""
    explicit = explicit_root()
    if explicit is not None:
        explicit = explicit.resolve()
        if not explicit.is_dir():
            raise MeshError(f"{explicit}: the mesh root (--root or MESH_ROOT) is not a folder")
        return explicit
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise MeshError(
        f"no {SETTINGS_FILE} found from {here} upward; run `mesh init` at the repository root, "
        "or pass --root DIR (or set MESH_ROOT)"
    )


def load_settings(root: Path) -> Settings:
    """mesh.yml at `root` (the defaults when there is none), validated."""
    path = root / SETTINGS_FILE
    if not path.exists():
        return Settings(root, MeshSettings(), None)
    settings = Settings(root, decode_yaml(path, MeshSettings, unique_keys=True), path)
    _check_paths(settings.mesh, path)
    return settings


MAX_PATH_CHARS = 1024  # a path in mesh.yml is a folder or file of the repository, not a kilobyte of text


def _check_paths(mesh: MeshSettings, where: Path) -> None:
    """Every path mesh.yml gives, checked before any use: no NUL, no name longer than the file system
    allows (255 bytes), at most MAX_PATH_CHARS characters. One line naming the key, never an OSError."""
    given: list[tuple[str, str | None]] = [("hub", mesh.hub), ("profiles_dir", mesh.profiles_dir)]
    files = ("policies", "unity", "trino", "publish", "health")
    given += [(f"files.{k}", getattr(mesh.files, k)) for k in files]
    given += [(f"domains.{n}.profiles_dir", d.profiles_dir) for n, d in mesh.domains.items()]
    given += [(f"projects.include[{i}]", p) for i, p in enumerate(mesh.projects.include)]
    given += [(f"projects.exclude[{i}]", p) for i, p in enumerate(mesh.projects.exclude)]
    for key, value in given:
        if value is None:
            continue
        if "\x00" in value:
            raise MeshError(f"{where}: {key} holds a NUL character; give a folder or file path")
        longest = max((len(part.encode("utf-8")) for part in value.split("/")), default=0)
        if len(value) > MAX_PATH_CHARS or longest > 255:
            raise MeshError(
                f"{where}: {key} is a path of {len(value):,} characters (a name of {longest:,} bytes); "
                f"give a path of at most {MAX_PATH_CHARS} characters, names of at most 255 bytes"
            )


# --- strict YAML decoding with "did you mean" ---------------------------------------------------

# libyaml's loader when present: discovery reads every project's YAML on each command.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

S = TypeVar("S", bound=msgspec.Struct)


# Caps on every YAML the tool reads: a config file is kilobytes; an alias bomb (`&a [*b, *b, ...]` nested
# ten deep) is a few hundred bytes that expand to billions of nodes in whatever walks the result (msgspec,
# dbt's --vars), so the expanded size is counted on the composed graph before anything is built from it.
MAX_YAML_BYTES = 32 * 1024 * 1024
MAX_YAML_NODES = 1_000_000


def _expanded_nodes(node: yaml.Node, memo: dict[int, int]) -> int:
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = MAX_YAML_NODES + 1  # a node that reaches itself expands without end
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_nodes(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_nodes(k, memo) + _expanded_nodes(v, memo) for k, v in node.value)
    else:
        size = 1
    memo[id(node)] = min(size, MAX_YAML_NODES + 1)
    return size


def _duplicate_key(node: yaml.Node) -> tuple[str, yaml.Mark] | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen and key.value != "<<":
                        return key.value, key.start_mark
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return None


def load_yaml_text(text: str, where: str, *, unique_keys: bool = False) -> Any:
    """YAML text parsed safely with caps: size, alias expansion, and (`unique_keys`) no key given twice
    in one mapping (silently, the last one would win). Anything wrong is one MeshError line."""
    if len(text) > MAX_YAML_BYTES:
        raise MeshError(f"{where}: larger than {MAX_YAML_BYTES // 2**20} MB; a config file is far smaller")
    if "*" in text or unique_keys:  # only a text with an alias can expand; composing costs a second parse
        root = yaml.compose(text, Loader=SAFE_LOADER)
        if root is not None and _expanded_nodes(root, {}) > MAX_YAML_NODES:
            raise MeshError(
                f"{where}: YAML aliases expand to more than {MAX_YAML_NODES:,} values; write the values out"
            )
        duplicate = _duplicate_key(root) if unique_keys and root is not None else None
        if duplicate is not None:
            raise MeshError(f"{where}:{duplicate[1].line + 1}: key {duplicate[0]!r} is given twice; keep one")
    return yaml.load(text, Loader=SAFE_LOADER)


def read_yaml(path: Path, *, unique_keys: bool = False) -> dict[str, Any]:
    """A YAML mapping ({} for a missing or empty file); anything else is one MeshError line."""
    if not path.is_file():
        if path.exists():
            raise MeshError(f"{path}: not a file")
        return {}
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MeshError(
            f"{path}: cannot be read ({exc.__class__.__name__}); fix its permissions or encoding"
        ) from None
    try:
        data = load_yaml_text(text, str(path), unique_keys=unique_keys)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise MeshError(f"{where}: invalid YAML ({getattr(exc, 'problem', exc)}); fix the file") from None
    except (ValueError, RecursionError) as exc:  # an impossible date (2026-02-30), absurd nesting
        raise MeshError(f"{path}: invalid value ({exc}); quote it or write dates as YYYY-MM-DD") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MeshError(f"{path}: expected a mapping at the top level")
    return data


_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]*)`(?: - at `(?P<at>[^`]*)`)?")
_AT = re.compile(r" - at `(?P<at>[^`]*)`$")


def decode_yaml(path: Path, kind: type[S], *, unique_keys: bool = False) -> S:
    """`path` decoded into `kind`; an unknown key names the closest known one."""
    data = read_yaml(path, unique_keys=unique_keys)
    try:
        return msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise MeshError(f"{path}: {_explain(str(exc), kind, data)}") from None


def _explain(message: str, kind: type[msgspec.Struct], data: Any) -> str:
    unknown = _UNKNOWN.match(message)
    if unknown:
        field = unknown["field"]
        where, known, _ = _walk(kind, data, unknown["at"] or "$", field, message)
        close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known) or 'none'}"
        return f"unknown key `{field}`{f' under `{where}`' if where else ''}; {hint}"
    at_match = _AT.search(message)
    text = message[: at_match.start()] if at_match else message
    where, _, info = _walk(kind, data, at_match["at"], None, message) if at_match else ("", [], None)
    if text.startswith("Invalid enum value") and isinstance(info, msgspec.inspect.LiteralType):
        text += f"; one of {', '.join(map(str, info.values))}"
    text = _TYPE_NAME.sub(_yaml_types, text)
    return f"{text[0].lower()}{text[1:]}{f' at `{where}`' if where else ''}; fix the value"


# msgspec names JSON's types; a YAML file's author knows them by these names
_YAML_TYPES = {
    "object": "a mapping", "array": "a list", "str": "a string", "int": "a whole number",
    "float": "a number", "bool": "true or false", "null": "nothing",
}  # fmt: skip
_TYPE_NAME = re.compile(r"`([a-z| ]+)`")


def _yaml_types(found: re.Match[str]) -> str:
    """`object | null` -> `a mapping`: an optional section may be left out, which needs no saying."""
    names = found[1].split(" | ")
    return " or ".join(_YAML_TYPES.get(t, t) for t in [n for n in names if n != "null"] or names)


def _walk(
    kind: type[msgspec.Struct], data: Any, at: str, field: str | None, message: str
) -> tuple[str, list[str], Any]:
    """msgspec's error path (`$.domains[...]`, `$.projects.include[0]`) -> the dotted path of keys as
    written in the file, the keys the struct found there accepts, and the type expected there. msgspec
    does not name a mapping's key (`[...]`): it is the entry that alone gives the same error (`_culprit`),
    else the one holding `field`."""
    root = data
    info: Any = msgspec.inspect.type_info(kind)
    parts: list[str] = []
    for name, index, any_key in re.findall(r"\.([^.\[]+)|\[(\d+)\]|\[(\.\.\.)\]", at):
        info = _unwrap(info)
        if name and isinstance(info, msgspec.inspect.StructType):
            info = next((f.type for f in info.fields if f.encode_name == name), info)
            data = data.get(name) if isinstance(data, dict) else None
            parts.append(name)
        elif any_key and isinstance(info, msgspec.inspect.DictType):
            info = info.value_type
            items = data.items() if isinstance(data, dict) else ()
            key = _culprit(kind, root, data, message) if isinstance(data, dict) else None
            if key is None:
                key = next(
                    (k for k, v in items if isinstance(v, dict) and (field is None or field in v)), "*"
                )
            data = data.get(key) if isinstance(data, dict) else None
            parts.append(str(key))
        elif index:
            info = getattr(info, "item_type", info)
            data = data[int(index)] if isinstance(data, list) and int(index) < len(data) else None
            parts.append(index)
    info = _unwrap(info)
    known = [f.encode_name for f in info.fields] if isinstance(info, msgspec.inspect.StructType) else []
    return ".".join(parts), known, info


def _culprit(kind: type[msgspec.Struct], root: Any, mapping: dict[Any, Any], message: str) -> Any:
    """The key of `mapping` (a part of `root`) whose entry gives `message`: msgspec reports the first bad
    entry in order, so the shortest leading part of the mapping that gives the same message again ends
    with it. Found by halving (a few decodes, however long the mapping), the mapping restored after."""
    entries = list(mapping.items())

    def fails_with_first(count: int) -> bool:
        mapping.clear()
        mapping.update(entries[:count])
        try:
            msgspec.convert(root, kind, strict=False)
        except msgspec.ValidationError as exc:
            return str(exc) == message
        return False

    try:
        low, high = 1, len(entries)
        if not entries or not fails_with_first(high):
            return None
        while low < high:
            middle = (low + high) // 2
            if fails_with_first(middle):
                high = middle
            else:
                low = middle + 1
        return entries[low - 1][0]
    finally:
        mapping.clear()
        mapping.update(entries)


def _unwrap(info: Any) -> Any:
    if isinstance(info, msgspec.inspect.UnionType):
        for member in info.types:
            if not isinstance(member, msgspec.inspect.NoneType):
                return member
    return info


# --- per-project files ----------------------------------------------------------------------------


class _ProjectDependency(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    name: str


class DbtDependencies(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """dbt's `dependencies.yml`: packages (for `dbt deps`) and the upstream projects."""

    packages: list[Any] = []
    projects: list[_ProjectDependency] = []


class _LoomManifest(msgspec.Struct, kw_only=True, frozen=True):  # dbt-loom validates its own keys
    name: str
    type: str = "file"
    config: dict[str, Any] = {}
    optional: bool = False


class LoomConfig(msgspec.Struct, kw_only=True, frozen=True):
    manifests: list[_LoomManifest] = []


@dataclass(frozen=True)
class UpstreamEntry:
    """One upstream a project reads: a dbt-loom `manifests:` entry or a dependencies.yml project.

    dbt-loom names the upstream after the project whose manifest it loads (the manifest's
    `metadata.project_name`), the entry's `name` only when the manifest does not say; `manifest` is the
    local file a `file` entry points at (None: remote, or dependencies.yml), resolved as dbt-loom does
    (environment variables substituted, relative to the project folder dbt runs in).
    """

    label: str
    manifest: Path | None = None
    optional: bool = False


@dataclass(frozen=True)
class UpstreamFiles:
    """What a project's upstream files say: the entries of the file a build reads, that file, and
    the project names dependencies.yml lists when dbt-loom's config is present too (to compare)."""

    entries: tuple[UpstreamEntry, ...] = ()
    path: Path | None = None
    also_declared: tuple[str, ...] | None = None
    also_path: Path | None = None


_LOOM_VARIABLE = re.compile(r"\$(\w+)|\$\{([^}]+)\}")  # dbt-loom's own substitution


def _loom_manifest_path(folder: Path, entry: _LoomManifest) -> Path | None:
    raw = entry.config.get("path") if entry.type == "file" else None
    if not isinstance(raw, str) or not raw:
        return None
    text = _LOOM_VARIABLE.sub(lambda m: os.environ.get(m.group(1) or m.group(2), ""), raw)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        if not text.startswith("file://"):
            return None  # http(s): a remote manifest
        from urllib.parse import unquote, urlparse

        text = unquote(urlparse(text).path)
    return (folder / text).resolve()


def upstream_projects(folder: Path) -> UpstreamFiles:
    """A project's upstream entries and the file naming them (dbt-loom's config, else dependencies.yml).

    dbt-loom's config is what a build reads, so it is the source when present; a dependencies.yml
    naming other projects as well is a second copy that must agree (compared once the entries are
    resolved to projects, `governance.project`).
    """
    loom_path, deps_path = folder / "dbt_loom.config.yml", folder / "dependencies.yml"
    loom = decode_yaml(loom_path, LoomConfig) if loom_path.is_file() else None
    deps = decode_yaml(deps_path, DbtDependencies) if deps_path.is_file() else None
    from_deps = tuple(p.name for p in deps.projects) if deps is not None and deps.projects else None
    if loom is not None:
        entries = tuple(
            UpstreamEntry(m.name, _loom_manifest_path(folder, m), m.optional) for m in loom.manifests
        )
        return UpstreamFiles(entries, loom_path, from_deps, deps_path if from_deps is not None else None)
    if from_deps is not None:
        return UpstreamFiles(tuple(UpstreamEntry(n) for n in from_deps), deps_path)
    return UpstreamFiles()


def domain_file(folder: Path) -> DomainSettings | None:
    path = folder / "domain.yml"
    return decode_yaml(path, DomainSettings) if path.is_file() else None


# --- project folders --------------------------------------------------------------------------------


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A folder glob relative to the root: `*` within one folder name, `**` across folders."""
    pattern = pattern.strip().strip("/") or "."
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)))
        index += 1
    return re.compile("".join(out) + r"\Z")


def project_folders(root: Path, under: str = ".") -> list[str]:
    """Every folder under `root/under` (relative to `root`, posix; "." for the root) holding a
    dbt_project.yml, outside dependency, build and hidden folders."""
    found: list[str] = []
    for folder, subfolders, files in os.walk(root / under):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        if "dbt_project.yml" in files:
            relative = Path(folder).relative_to(root).as_posix()
            found.append(relative or ".")
    return sorted(found)


def select_folders(settings: Settings) -> list[str]:
    """The project folders the mesh governs, per `projects.include` / `exclude`."""
    where = settings.path or settings.root / SETTINGS_FILE
    include = tuple(_without_dot_slash(p) for p in settings.mesh.projects.include)
    exclude = tuple(_without_dot_slash(p) for p in settings.mesh.projects.exclude)
    for key, patterns in (("include", include), ("exclude", exclude)):
        for pattern in patterns:  # the mesh is the root's folders: never scan (or scaffold) outside it
            if not inside(settings.root, settings.root / _literal_prefix(pattern)):
                raise MeshError(
                    f"{where}: projects.{key} {pattern!r} leads outside the mesh root {settings.root}; "
                    "give folders under the root (or make the root a folder holding them all)"
                )
    # Walk only below the literal part of each include pattern (`domains/*` -> domains/): a repository
    # root also holds data, virtual environments and test fixtures that are no part of the mesh.
    starts = {_literal_prefix(p) for p in include} if include and not exclude else {"."}
    if "." in starts:
        starts = {"."}
    candidates = sorted({c for start in starts for c in project_folders(settings.root, start)})
    chosen = candidates
    if include:
        chosen = []
        for pattern in include:
            regex = glob_regex(pattern)
            hits = [c for c in candidates if regex.match(c)]
            # a new mesh with no project anywhere yet is no typo: `mesh new domain` makes the first
            if not hits and (candidates or project_folders(settings.root)):
                raise MeshError(
                    f"{where}: projects.include {pattern!r} matches no folder holding a dbt_project.yml; "
                    "fix or remove the pattern"
                )
            chosen.extend(h for h in hits if h not in chosen)
    for pattern in exclude:
        regex = glob_regex(pattern)
        if not any(regex.match(c) for c in candidates):
            raise MeshError(
                f"{where}: projects.exclude {pattern!r} matches no folder holding a dbt_project.yml; "
                "fix or remove the pattern"
            )
        chosen = [c for c in chosen if not regex.match(c)]
    return sorted(chosen)


def inside(root: Path, path: Path) -> bool:
    """`path` is `root` or below it once `..` and symbolic links are resolved."""
    return path.resolve().is_relative_to(root.resolve())


def _without_dot_slash(pattern: str) -> str:
    """`./domains/*` is `domains/*`: a leading `./` names the same folders (it matched nothing)."""
    while pattern.startswith("./"):
        pattern = pattern[2:].lstrip("/")
    return pattern


def _literal_prefix(pattern: str) -> str:
    """The folders of a glob before its first wildcard (`teams/*/dbt` -> `teams`), "." for none."""
    parts: list[str] = []
    for part in pattern.strip().strip("/").split("/"):
        if any(char in part for char in "*?[") or part in {"", "."}:
            break
        parts.append(part)
    return "/".join(parts) or "."


def profiles_dir(settings: Settings, folder: Path, own: DomainSettings | None, name: str) -> Path:
    """Where a project's profiles.yml is: its domain settings, mesh.yml's default, its own folder,
    the root, DBT_PROFILES_DIR, then dbt's default ~/.dbt."""
    entry = settings.mesh.domains.get(name)
    if own is not None and own.profiles_dir:
        return (folder / own.profiles_dir).resolve()
    if entry is not None and entry.profiles_dir:
        return (settings.root / entry.profiles_dir).resolve()
    if settings.mesh.profiles_dir:
        return (settings.root / settings.mesh.profiles_dir).resolve()
    for candidate in (folder, settings.root):
        if (candidate / "profiles.yml").is_file():
            return candidate
    env = environ("DBT_PROFILES_DIR")
    return Path(env).resolve() if env else Path.home() / ".dbt"


def settings_file(
    name: Literal["policies", "unity", "trino", "publish", "health"], root: Path | None = None
) -> Path:
    """The settings file `name` of the repository at `root` (default: `find_root()`)."""
    return load_settings(root or find_root()).file(name)
