"""Before a `trino` build: the project parsed, Trino reachable, the owner's Trino user, the sources landed.

An opted-out (`platform: external`) domain builds on its own engine, the Trino that serves its products:
dbt-trino writes its models straight into the Iceberg catalog, connected as a member of the group that
owns the domain's products (governance/trino.yml `groups`), so the access rules `mesh trino-config`
generates decide what the build may write. Its raw sources are Iceberg tables of that catalog, landed
from the raw files first (governance/iceberg/landing.py).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import orjson
import requests

from governance.build.results import ProjectResult
from governance.build.runner import dbt_executable
from governance.build.trino_failures import BuildContext, explain, first_failure
from governance.build.trino_support import check_supported
from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import domain_catalog, load_catalog_settings
from governance.iceberg.landing import LandedSource, land_project
from governance.project import DbtProject
from governance.settings import network_timeout, settings_file
from governance.trino.config import TrinoSettings, load_trino_settings

BUILD_USER_VARIABLE = "MESH_TRINO_BUILD_USER"


@dataclass(frozen=True)
class TrinoBuild:
    """What one project's `trino` build runs with."""

    project: str
    owner: str  # the group that owns the domain's products
    user: str  # the Trino user the build connects as (a member of `owner`)
    env: dict[str, str]
    landed: list[LandedSource]


def parse(project: DbtProject, profiles_dir: Path, env: dict[str, str]) -> Path:
    """`dbt parse --target trino` into the project's target folder; the manifest's path."""
    command = [
        dbt_executable(), "parse", "--target", "trino", "--project-dir", str(project.path),
        "--profiles-dir", str(profiles_dir), "--quiet",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=project.path, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = next((line for line in done.stdout.splitlines() if "rror" in line), done.stdout.strip())
        raise MeshError(f"{project.name}: dbt parse --target trino failed: {detail[-400:]}")
    return project.target_dir / "manifest.json"


def owner_group(manifest_path: Path, project: str) -> str:
    """The one group owning the project's public models (meta.owner, else the dbt group)."""
    manifest = orjson.loads(manifest_path.read_bytes())
    owners: set[str] = set()
    for node in manifest.get("nodes", {}).values():
        if node.get("package_name") != project or node.get("resource_type") != "model":
            continue
        if node.get("access") != "public":
            continue
        meta = node.get("meta") or (node.get("config") or {}).get("meta") or {}
        owner = meta.get("owner") or node.get("group")
        if owner:
            owners.add(str(owner))
    if len(owners) != 1:
        found = ", ".join(sorted(owners)) or "none"
        raise MeshError(
            f"{project}: a trino build connects as the group owning the domain's products, found {found}; "
            f"give every public model of domains/{project} one meta.owner"
        )
    return owners.pop()


def build_user(settings: TrinoSettings, group: str, project: str) -> str:
    members = settings.groups.get(group, ())
    if not members:
        raise MeshError(
            f"{project}: the owning group {group!r} has no member in governance/trino.yml `groups`; "
            f"add the Trino user the {project} build connects as"
        )
    return members[0]


def check_reachable(settings: TrinoSettings) -> None:
    url = f"{settings.http_scheme}://{settings.host}:{settings.port}/v1/info"
    try:
        info = requests.get(url, timeout=network_timeout("MESH_TRINO_TIMEOUT")).json()
    except (requests.RequestException, ValueError) as error:
        raise MeshError(
            f"cannot reach Trino at {settings.host}:{settings.port} ({type(error).__name__}); start it "
            "(make trino) or point TRINO_HOST/TRINO_PORT at it, then build --target trino again"
        ) from None
    if not isinstance(info, dict) or info.get("starting", True):
        raise MeshError(
            f"Trino at {settings.host}:{settings.port} is still starting; build again in a moment"
        )


# What dbt-trino reads before any model runs: every schema's relations, joined with this table. The rules
# `mesh trino-config` generates let the domain's owning group read it, nobody else but admins.
LISTING = "SELECT count(*) FROM system.metadata.materialized_views WHERE catalog_name = {catalog}"


def check_build_user(settings: TrinoSettings, user: str, group: str, project: str) -> None:
    """Ask Trino, as the build's user, what dbt-trino asks first: a user the running Trino's rules do not
    let build the domain is refused here, in one line, before anything is landed or built."""
    import trino
    from trino.exceptions import TrinoQueryError

    from governance.engines.quoting import quote_literal

    connection = trino.dbapi.connect(  # type: ignore[no-untyped-call]
        host=settings.host, port=settings.port, user=user, http_scheme=settings.http_scheme,
        request_timeout=network_timeout("MESH_TRINO_TIMEOUT"),
    )  # fmt: skip
    try:
        cursor = connection.cursor()
        cursor.execute(LISTING.format(catalog=quote_literal(project)))
        cursor.fetchall()
    except TrinoQueryError as error:
        message = " ".join(str(error.message).split())
        raise MeshError(
            f"{project}: Trino refused the build's user {user!r} reading the relations dbt-trino lists "
            f"before any model ({error.error_name}: {message}); the rules from mesh trino-config let only "
            f"the owning group {group!r} build the domain: build as its owner (Trino's group file must put "
            f"{user!r} in {group!r}: governance/trino.yml `groups`) or regenerate the rules (mesh "
            "trino-config) and restart Trino; nothing was landed or built",
            ExitCode.FAILED,
        ) from None
    except (requests.RequestException, trino.exceptions.Error) as error:  # went away since check_reachable
        raise MeshError(
            f"cannot reach Trino at {settings.host}:{settings.port} ({type(error).__name__}); start it "
            "(make trino) or point TRINO_HOST/TRINO_PORT at it, then build --target trino again"
        ) from None
    finally:
        connection.close()


def prepare(project: DbtProject, root: Path, profiles_dir: Path, env: dict[str, str]) -> TrinoBuild:
    """Everything the project's `trino` build needs, before dbt runs; nothing written on bad input."""
    settings = load_trino_settings()
    check_reachable(settings)
    trino_env = {**env, "TRINO_HOST": settings.host, "TRINO_PORT": str(settings.port)}
    trino_env["TRINO_HTTP_SCHEME"] = settings.http_scheme
    manifest = parse(project, profiles_dir, trino_env)
    check_supported(orjson.loads(manifest.read_bytes()), project.name, project.path)  # before any write
    group = owner_group(manifest, project.name)
    user = build_user(settings, group, project.name)
    check_build_user(settings, user, group, project.name)  # before anything is landed
    # The domain's own Iceberg catalog (Trino's catalog of the same name), where it builds.
    catalog = open_catalog(
        domain_catalog(load_catalog_settings(root, settings_file("publish", root)), project.name)
    )
    landed = land_project(catalog, manifest, project.name)
    return TrinoBuild(project.name, group, user, {**trino_env, BUILD_USER_VARIABLE: user}, landed)


def explain_failure(build: TrinoBuild, result: ProjectResult, target_dir: Path) -> str:
    """One line for a failed `trino` build: the first failed node (run_results.json, named from the
    manifest), what Trino said and what to do (governance/build/trino_failures.py)."""
    context = BuildContext(build.project, build.user, build.env["TRINO_HOST"], build.env["TRINO_PORT"])
    manifest = target_dir / "manifest.json"
    node = first_failure(target_dir / "run_results.json", manifest if manifest.is_file() else None)
    return explain(context, node, result.reason)
