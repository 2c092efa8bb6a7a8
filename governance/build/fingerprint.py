"""Production's source fingerprint: lets `mesh build --changed` prove "nothing to build" without dbt.

A full `mesh build` writes `<target>/mesh_sources.json` beside each project's manifest: the SHA-256 of
every file dbt reads to parse the project (dbt_project.yml, the package and dbt-loom declarations, the
profiles, every file under its model/macro/test/seed/snapshot/analysis/docs paths), for each YAML file
also a hash of its content without its descriptions, a hash of the value of every environment variable
those files read with `env_var()`, and the target, `--vars` and dbt version of that parse; the manifest's
invocation id ties it to the manifest it describes. Production's state directory carries it beside
`manifest.json`.

A pull request whose every project differs from that fingerprint only in descriptions (`description:` of
a model, seed, snapshot, analysis, source, source table, model version, or of one of their columns) and
in `.md` docs blocks, with no description persisted to the warehouse (`persist_docs`), changes no node dbt
would select as `state:modified` (dbt compares a node's code, config, relation names and contract; a
description only when persisted): `documentation_only` says so in milliseconds. Anything else (another
file changed, added or removed, a YAML change outside those fields, another environment, a missing or
stale fingerprint) is "unsure", and dbt plans as before.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from governance.errors import MeshError
from governance.project import DbtProject
from governance.settings import load_yaml_text

FILE_NAME = "mesh_sources.json"
VERSION = 2  # 2: docs blocks recorded by their skeleton, descriptions with Jinja kept in the YAML digest
# dbt's resource paths and their defaults (dbt_project.yml may name others: every `*-paths` key is read)
DEFAULT_PATHS = {
    "model-paths": ["models"], "seed-paths": ["seeds"], "test-paths": ["tests"],
    "analysis-paths": ["analyses"], "macro-paths": ["macros"], "snapshot-paths": ["snapshots"],
    "function-paths": ["functions"],
}  # fmt: skip
NOT_SOURCES = ("target-path", "log-path", "packages-install-path")
TOP_FILES = ("dbt_project.yml", "packages.yml", "dependencies.yml", "package-lock.yml", "selectors.yml")
SKIPPED_DIRS = ("__pycache__", "target", "dbt_packages", "logs")
ENV_VAR = re.compile(r"""env_var\(\s*(['"])(?P<name>[^'"]+)\1(?P<computed>\s*~)?""")
ANY_ENV_VAR = re.compile(r"env_var\s*\(")
# dbt renders descriptions and docs blocks as Jinja: a `{{ doc('x') }}` naming a block that is not there,
# or any template, can fail the parse, so text with a Jinja delimiter is never "documentation only"
JINJA = re.compile(r"\{[{%#]")
DOCS_BLOCK = re.compile(r"(\{%-?\s*docs\s[^%]*?-?%\})(.*?)(\{%-?\s*enddocs\s*-?%\})", re.DOTALL)
# credentials are not recorded, not even hashed; changing one changes nothing dbt parses into a node
SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|KEY", re.IGNORECASE)
# where a `description` is documentation only (dbt's state:modified ignores it unless persisted)
DOCUMENTED = ("models", "seeds", "snapshots", "analyses")


class UnsureError(Exception):
    """The fingerprint cannot decide; dbt plans."""


class FilesChangedError(Exception):
    """The project's own files changed beyond documentation; dbt plans."""


def _source_dirs(project: DbtProject) -> list[Path]:
    path = project.path / "dbt_project.yml"
    settings = load_yaml_text(path.read_text(encoding="utf-8"), str(path)) or {}
    if not isinstance(settings, dict):
        raise UnsureError("dbt_project.yml is not a mapping")
    names: set[str] = set()
    for key, value in {**DEFAULT_PATHS, **settings}.items():
        if not str(key).endswith("-paths") or key in NOT_SOURCES:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) and "{" not in v for v in value):
            raise UnsureError(f"dbt_project.yml {key} is not a list of plain paths")
        names |= set(value)
    return [project.path / name for name in sorted(names)]


def source_files(project: DbtProject, profiles_dir: Path) -> dict[str, Path]:
    """Every file dbt reads to parse the project, by its path relative to the project's folder."""
    found: dict[str, Path] = {}
    tops = [project.path / name for name in TOP_FILES]
    if project.upstream_file is not None:
        tops.append(project.upstream_file)
    tops.append(profiles_dir / "profiles.yml")
    for path in tops:
        if path.is_file():
            found[os.path.relpath(path, project.path)] = path
    for folder in _source_dirs(project):
        for parent, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
            for name in files:
                if not name.startswith("."):
                    path = Path(parent) / name
                    found[os.path.relpath(path, project.path)] = path
    return found


def _without_docs(data: Any) -> Any:
    """A property file's content with the descriptions dbt only documents removed."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for kind in (*DOCUMENTED, "sources"):
        entries = data.get(kind)
        if isinstance(entries, list):
            data[kind] = [_entry(e, tables=kind == "sources") for e in entries]
    return data


def _entry(entry: Any, *, tables: bool) -> Any:
    if not isinstance(entry, dict):
        return entry
    entry = {k: v for k, v in entry.items() if not (k == "description" and _is_text(v))}
    if isinstance(entry.get("columns"), list):
        entry["columns"] = [_entry(c, tables=False) for c in entry["columns"]]
    if isinstance(entry.get("versions"), list):
        entry["versions"] = [_entry(v, tables=False) for v in entry["versions"]]
    if tables and isinstance(entry.get("tables"), list):
        entry["tables"] = [_entry(t, tables=False) for t in entry["tables"]]
    return entry


def _is_text(value: Any) -> bool:
    """A description dbt only documents: plain text (one with Jinja stays in the digest)."""
    return value is None or (isinstance(value, str) and not JINJA.search(value))


def _docs_skeleton(text: str) -> str:
    """A `.md` file with the plain-text bodies of its docs blocks left out: the block names, everything
    outside the blocks and any body with Jinja in it stay, so only a plain-text edit keeps the skeleton."""
    return _digest(
        DOCS_BLOCK.sub(lambda m: m[1] + (m[2] if JINJA.search(m[2]) else "") + m[3], text).encode()
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _env_digest(value: str | None) -> str:
    return _digest(b"\x00unset" if value is None else b"=" + value.encode("utf-8", "surrogateescape"))


def _env_record(names: set[str], env: Mapping[str, str]) -> dict[str, str]:
    """name -> digest of its value (a prefix `NAME*`: of all variables starting with it); no secrets."""
    found: dict[str, str] = {}
    for name in sorted(names):
        if name.endswith("*"):
            matching = sorted(k for k in env if k.startswith(name[:-1]) and not SECRET.search(k))
            found[name] = _digest(orjson.dumps({k: env[k] for k in matching}))
        elif not SECRET.search(name):
            found[name] = _env_digest(env.get(name))
    return found


def fingerprint(
    project: DbtProject, profiles_dir: Path, env: Mapping[str, str], *, target: str, vars: str | None
) -> dict[str, Any]:
    """The project's fingerprint as dbt would parse it now (without the manifest's invocation id)."""
    files: dict[str, dict[str, str]] = {}
    env_names: set[str] = set()
    for key, path in sorted(source_files(project, profiles_dir).items()):
        raw = path.read_bytes()
        entry = {"sha256": _digest(raw)}
        text = raw.decode("utf-8", "replace")
        calls = list(ENV_VAR.finditer(text))
        if len(calls) < len(ANY_ENV_VAR.findall(text)):
            entry["env_var"] = "computed"  # a variable name without a literal start: nothing is provable
        for call in calls:  # `env_var('MESH_CATALOG_' ~ domain)`: every variable of that prefix
            env_names.add(call["name"] + ("*" if call["computed"] else ""))
        if path.suffix == ".md":
            entry["docs"] = _docs_skeleton(text)
        if path.suffix in (".yml", ".yaml") and path.name not in TOP_FILES and path.name != "profiles.yml":
            try:
                content = load_yaml_text(text, str(path))  # libyaml, with the alias caps
            except (yaml.YAMLError, MeshError):
                content = None
                entry["yaml"] = "invalid"
            else:
                entry["yaml"] = _digest(orjson.dumps(_without_docs(content), option=orjson.OPT_SORT_KEYS))
        files[key] = entry
    return {
        "version": VERSION,
        "dbt": importlib.metadata.version("dbt-core"),
        "target": target,
        "vars": vars,
        "env": _env_record(env_names, env),
        "files": files,
    }


def record(project: DbtProject, profiles_dir: Path, env: Mapping[str, str], before: dict[str, Any],
           *, target: str, vars: str | None) -> bool:  # fmt: skip
    """After a successful build: write the fingerprint taken `before` it beside the manifest it wrote,
    unless a file changed while dbt parsed (then none: the next pull request plans with dbt)."""
    out = project.target_dir / FILE_NAME
    out.unlink(missing_ok=True)
    manifest = project.target_dir / "manifest.json"
    if not manifest.is_file():
        return False
    after = fingerprint(project, profiles_dir, env, target=target, vars=vars)
    if after != before:
        return False
    invocation = (orjson.loads(manifest.read_bytes()).get("metadata") or {}).get("invocation_id")
    if not invocation:
        return False
    out.write_bytes(orjson.dumps({**before, "invocation_id": invocation}, option=orjson.OPT_SORT_KEYS))
    return True


def _persists_docs(manifest: dict[str, Any]) -> bool:
    for node in manifest.get("nodes", {}).values():
        persist = (node.get("config") or {}).get("persist_docs") or {}
        if isinstance(persist, dict) and (persist.get("relation") or persist.get("columns")):
            return True
    return False


@dataclass(frozen=True)
class Verdict:
    """One project against production's fingerprint."""

    why: str | None  # why dbt must plan it (one phrase); None: unchanged, or changed in documentation only
    edited: bool = False  # its own files changed beyond documentation (the rest of `why`: unsure)


def compare(
    projects: Sequence[DbtProject],
    state_dir: Path,
    profiles_dirs: Mapping[str, Path],
    env: Mapping[str, str],
    *,
    target: str,
    vars: str | None,
) -> dict[str, Verdict]:
    """Each project against production's fingerprint, in the order given."""
    found: dict[str, Verdict] = {}
    for project in projects:
        try:
            why = _why_not(project, state_dir, profiles_dirs[project.name], env, target=target, vars=vars)
            found[project.name] = Verdict(why)
        except FilesChangedError as changed:
            found[project.name] = Verdict(str(changed), edited=True)
        except (UnsureError, OSError, ValueError, yaml.YAMLError, MeshError) as unsure:
            found[project.name] = Verdict(f"{project.name}: {unsure}")
    return found


def documentation_only(found: Mapping[str, Verdict]) -> str | None:
    """Why dbt must plan (one phrase), or None when every project differs from production's fingerprint
    in documentation only (or not at all): then nothing is to be built."""
    return next((verdict.why for verdict in found.values() if verdict.why is not None), None)


def _why_not(project: DbtProject, state_dir: Path, profiles_dir: Path, env: Mapping[str, str], *,
             target: str, vars: str | None) -> str | None:  # fmt: skip
    folder = state_dir / project.name
    path = folder / FILE_NAME
    if not path.is_file():
        return f"{project.name}: no {FILE_NAME} in the state"
    recorded = orjson.loads(path.read_bytes())
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    if recorded.get("invocation_id") != (manifest.get("metadata") or {}).get("invocation_id"):
        return f"{project.name}: {FILE_NAME} describes another manifest"
    now = fingerprint(project, profiles_dir, env, target=target, vars=vars)
    for key in ("version", "dbt", "target", "vars", "env"):
        if recorded.get(key) != now[key]:
            return f"{project.name}: {key} differs"
    old, new = recorded.get("files") or {}, now["files"]
    computed = next((key for key, entry in new.items() if "env_var" in entry), None)
    if computed is not None:
        return f"{project.name}: {computed} reads an environment variable by a computed name"
    if set(old) != set(new):
        raise FilesChangedError(f"{project.name}: files added or removed")
    docs_changed = False
    for key, entry in new.items():
        before = old[key]
        if before == entry:
            continue
        descriptions_only = entry.get("yaml", "invalid") != "invalid" and entry["yaml"] == before.get("yaml")
        docs_text_only = key.endswith(".md") and entry.get("docs") == before.get("docs")
        if not (docs_text_only or descriptions_only):
            raise FilesChangedError(f"{project.name}: {key} changed")
        docs_changed = True
    if docs_changed and _persists_docs(manifest):
        return f"{project.name}: descriptions are persisted (persist_docs)"
    return None
