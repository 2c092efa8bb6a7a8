"""A synthetic mesh repository: hub + N domain projects, each with a dbt 1.11 `target/manifest.json`.

Every resource is a clone of what `dbt parse` wrote for `template_project/` (see templates.py), renamed
and rewired, so `governance.loader` and dbt-bouncer read the result as real manifests. Layers follow
docs/conventions.md (staging/bronze, intermediate/silver, marts/gold public products with contracts,
columns, keys and tests). About one domain in five is a "core" domain; the others depend on one or two
core domains and reference their products, and their manifests carry the upstream nodes the way
dbt-loom injects them. A deterministic few resources break a policy on purpose (see `VIOLATIONS`) so
checks have work.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml

from scripts.synthetic.templates import Templates

WORDS = [
    *("orders", "billing", "logistics", "marketing", "inventory", "payments", "support", "catalog"),
    *("pricing", "returns", "fraud", "loyalty", "shipping", "sales", "finance", "hr", "procurement"),
    *("risk", "search", "reviews"),
]
ENTITIES = [
    *("customer", "order", "item", "invoice", "shipment", "parcel", "campaign", "click", "payment"),
    *("refund", "product", "price", "review", "ticket", "agent", "warehouse", "carrier", "supplier"),
    *("employee", "account", "session"),
]

# Seeded policy violations: name -> share of eligible resources that break it (at least one each).
VIOLATIONS: dict[str, float] = {
    "product_without_contract": 0.03,
    "product_without_description": 0.03,
    "product_column_undocumented": 0.03,
    "product_column_untyped": 0.02,
    "product_missing_meta_owner": 0.03,
    "product_without_unique_test": 0.03,
    "pii_column_unclassified": 0.03,
    "staging_model_public": 0.02,
    "mart_wrong_prefix": 0.02,
    "unpinned_cross_domain_ref": 0.2,
    "exposure_on_private_model": 0.2,
    "source_without_freshness": 0.05,
    "old_version_without_deprecation": 0.3,
}
VERSIONED_EVERY = 10  # every 10th product has v1 (deprecated) and v2 (latest)
LAYER_SHARES = {"staging": 0.4, "intermediate": 0.25}  # the rest are marts


@dataclass(frozen=True)
class MeshSpec:
    domains: int
    models: int  # model nodes across all domains (each version is one node); the hub adds a few more
    columns: int
    seed: int = 7


@dataclass
class Project:
    name: str
    upstream: tuple[str, ...]
    platform: str
    is_hub: bool = False
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    exposures: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def models(self) -> Iterator[dict[str, Any]]:
        return (n for n in self.nodes.values() if n["resource_type"] == "model")

    def products(self) -> list[dict[str, Any]]:
        return [n for n in self.models() if n["access"] == "public" and n["config"]["schema"] == "gold"]


@dataclass(frozen=True)
class Summary:
    domains: int
    models: int
    products: int
    tests: int
    exposures: int
    violations: dict[str, int]


class MeshBuilder:
    def __init__(self, spec: MeshSpec, templates: Templates) -> None:
        if spec.domains < 1 or spec.models < spec.domains * 5 or spec.columns < 3:
            raise ValueError("need at least 1 domain, 5 models per domain and 3 columns per model")
        self.spec = spec
        self.t = templates
        self.rng = random.Random(spec.seed)
        self.violations: dict[str, int] = defaultdict(int)
        self.created_at = datetime(2026, 1, 1, tzinfo=UTC).timestamp()

    def _violate(self, kind: str) -> bool:
        """Whether this resource breaks `kind`; the first eligible one always does, so every kind occurs."""
        hit = self.violations[kind] == 0 or self.rng.random() < VIOLATIONS[kind]
        if hit:
            self.violations[kind] += 1
        return hit

    # Projects --------------------------------------------------------------------------------------

    def build(self) -> list[Project]:
        n = self.spec.domains
        names = [f"{WORDS[i % len(WORDS)]}_{i:02d}" for i in range(n)]
        core = max(1, n // 5)
        projects: list[Project] = []
        for i, name in enumerate(names):
            if i < core:
                upstream: tuple[str, ...] = ()
            else:
                picks = {names[i % core], names[(i * 7 + 3) % core]}
                upstream = tuple(sorted(picks))
            platform = "external" if i % 7 == 6 else "databricks"
            projects.append(Project(name, upstream, platform))
        per_domain = [self.spec.models // n + (1 if i < self.spec.models % n else 0) for i in range(n)]
        by_name = {p.name: p for p in projects}
        for project, count in zip(projects, per_domain, strict=True):
            self._fill_domain(project, count, [by_name[u] for u in project.upstream])
        hub = Project("hub", tuple(names), "databricks", is_hub=True)
        self._fill_hub(hub, projects)
        return [*projects, hub]

    def _fill_domain(self, project: Project, count: int, upstream: list[Project]) -> None:
        p = project.name
        project.groups[f"group.{p}.{p}"] = self._group(p)
        n_stg = max(1, int(count * LAYER_SHARES["staging"]))
        n_int = max(1, int(count * LAYER_SHARES["intermediate"]))
        n_marts = count - n_stg - n_int
        for i in range(n_stg):
            src = self._source(p, f"{ENTITIES[i % len(ENTITIES)]}_{i}")
            project.sources[src["unique_id"]] = src
            public = self._violate("staging_model_public")
            self._add_model(
                project, "staging", f"stg_{ENTITIES[i % len(ENTITIES)]}_{i}", [src], public=public
            )
        staging = list(project.models())
        upstream_products = [m for u in upstream for m in u.products() if m["version"] in (None, 2)]
        for i in range(n_int):
            parents = [staging[i % len(staging)], staging[(i + 1) % len(staging)]]
            if upstream_products and i < 4:
                parents.append(upstream_products[(i * 5 + len(p)) % len(upstream_products)])
            self._add_model(project, "intermediate", f"int_{ENTITIES[i % len(ENTITIES)]}_{i}_joined", parents)
        intermediates = [m for m in project.models() if m["config"]["schema"] == "silver"]
        made = 0
        i = 0
        while made < n_marts:
            entity = f"{p}_{ENTITIES[i % len(ENTITIES)]}_{i}"  # product names are unique mesh-wide
            prefix = "dim" if i % 3 == 0 else "fct"
            if self._violate("mart_wrong_prefix"):
                prefix = "rpt"
            parents = [intermediates[i % len(intermediates)]]
            versioned = i % VERSIONED_EVERY == VERSIONED_EVERY - 1 and n_marts - made >= 2
            for version in (1, 2) if versioned else (None,):
                self._add_product(project, f"{prefix}_{entity}", entity, parents, version)
                made += 1
            i += 1
        for m in project.products()[:1]:
            exposure = self._exposure(p, f"{p}_dashboard", [m])
            if self._violate("exposure_on_private_model"):
                self._add_depends(exposure, intermediates[0])
            project.exposures[exposure["unique_id"]] = exposure
        self._inject_upstream(project, upstream)

    def _fill_hub(self, hub: Project, domains: list[Project]) -> None:
        hub.groups["group.hub.analytics"] = self._group("hub", "analytics")
        products = [m for d in domains for m in d.products() if m["version"] in (None, 2)]
        for i in range(max(2, len(domains) // 2)):
            picks = [products[(i * 13) % len(products)], products[(i * 29 + 7) % len(products)]]
            mart = self._add_model(
                hub, "marts", f"mart_{ENTITIES[i % len(ENTITIES)]}_{i}", picks, hub_mart=True
            )
            exposure = self._exposure("hub", f"report_{i}", [mart, picks[0]])
            hub.exposures[exposure["unique_id"]] = exposure
        self._inject_upstream(hub, domains)

    # Resources -------------------------------------------------------------------------------------

    def _group(self, project: str, name: str | None = None) -> dict[str, Any]:
        group = self.t.group()
        name = name or project
        group.update(
            name=name,
            package_name=project,
            unique_id=f"group.{project}.{name}",
            owner={"email": f"{name}-team@example.com", "name": f"{name.title()} team"},
        )
        return group

    def _source(self, project: str, table: str) -> dict[str, Any]:
        src = self.t.source()
        src.update(
            name=table,
            package_name=project,
            unique_id=f"source.{project}.raw.{table}",
            fqn=[project, "staging", "raw", table],
            identifier=table,
            database=project,
            schema="raw",
            relation_name=f'"{project}"."raw"."{table}"',
            description=f"Raw {table} rows as loaded.",
            created_at=self.created_at,
        )
        if self._violate("source_without_freshness"):
            src["loader"] = ""
            empty = {
                "warn_after": {"count": None, "period": None},
                "error_after": {"count": None, "period": None},
            }
            src["freshness"] = {**empty, "filter": None}
            src["config"]["freshness"] = {**empty, "filter": None}
            src["loaded_at_field"] = src["config"]["loaded_at_field"] = None
        return src

    def _add_model(
        self,
        project: Project,
        folder: str,
        name: str,
        parents: list[dict[str, Any]],
        *,
        public: bool = False,
        hub_mart: bool = False,
    ) -> dict[str, Any]:
        layer = {"staging": "bronze", "intermediate": "silver", "marts": "gold"}[folder]
        layer = "hub" if hub_mart else layer
        access = "public" if public else {"bronze": "protected", "silver": "private"}.get(layer, "protected")
        node = self._model(project.name, folder, name, layer, access=access, version=None)
        node["columns"] = {c["name"]: c for c in self._columns(name, documented=folder != "intermediate")}
        for parent in parents:
            self._add_depends(node, parent)
        project.nodes[node["unique_id"]] = node
        return node

    def _add_product(
        self, project: Project, name: str, entity: str, parents: list[dict[str, Any]], version: int | None
    ) -> None:
        p = project.name
        node = self._model(p, "marts", name, "gold", access="public", version=version)
        columns = self._columns(entity, documented=True, typed=True)
        node["columns"] = {c["name"]: c for c in columns}
        node["description"] = f"One row per {entity.replace('_', ' ')}."
        node["config"]["contract"]["enforced"] = node["contract"]["enforced"] = True
        meta = {
            "domain": p,
            "owner": f"{p}-team",
            "classification": "internal",
            "sla": {"freshness_hours": 24},
            "pii_cleared_groups": [f"{p}-pii-readers"],
        }
        node["meta"] = node["config"]["meta"] = meta
        node["config"]["grants"] = {"select": ["data-consumers"]}
        node["primary_key"] = [columns[0]["name"]]
        if version is not None:
            node["deprecation_date"] = "2999-01-01T00:00:00+00:00" if version == 1 else None
            if version == 1 and self._violate("old_version_without_deprecation"):
                node["deprecation_date"] = None
        self._seed_product_violations(node, columns)
        for parent in parents:
            self._add_depends(node, parent)
        project.nodes[node["unique_id"]] = node
        self._add_tests(project, node, columns)

    def _seed_product_violations(self, node: dict[str, Any], columns: list[dict[str, Any]]) -> None:
        if self._violate("product_without_contract"):
            node["config"]["contract"]["enforced"] = node["contract"]["enforced"] = False
            node["contract"]["checksum"] = None
        if self._violate("product_without_description"):
            node["description"] = ""
        if self._violate("product_column_undocumented"):
            columns[-1]["description"] = ""
        if self._violate("product_column_untyped"):
            columns[-1]["data_type"] = None
        if self._violate("product_missing_meta_owner"):
            node["meta"] = node["config"]["meta"] = {k: v for k, v in node["meta"].items() if k != "owner"}
        pii = next((c for c in columns if c["name"] == "email"), None)
        if pii is not None and self._violate("pii_column_unclassified"):
            pii["meta"] = pii["config"]["meta"] = {"pii": True}
        node["_no_unique_test"] = self._violate("product_without_unique_test")

    def _model(
        self, project: str, folder: str, name: str, layer: str, *, access: str, version: int | None
    ) -> dict[str, Any]:
        node = self.t.model()
        suffix = f".v{version}" if version is not None else ""
        alias = f"{name}_v{version}" if version is not None else name
        sql_name = f"{name}_v{version}" if version == 2 else name
        materialized = "view" if folder == "staging" else "table"
        raw_code = "select *"  # _add_depends appends one ref()/source() per parent
        group = "analytics" if project == "hub" else project
        node.update(
            name=name,
            package_name=project,
            path=f"{folder}/{sql_name}.sql",
            original_file_path=f"models/{folder}/{sql_name}.sql",
            unique_id=f"model.{project}.{name}{suffix}",
            fqn=[project, folder, name, *([f"v{version}"] if version is not None else [])],
            alias=alias,
            checksum={"name": "sha256", "checksum": hashlib.sha256(raw_code.encode()).hexdigest()},
            database=project,
            schema=layer,
            relation_name=f'"{project}"."{layer}"."{alias}"',
            description=f"{name.replace('_', ' ').capitalize()}.",
            meta={},
            tags=[],
            group=group,
            access=access,
            version=version,
            latest_version=2 if version is not None else None,
            deprecation_date=None,
            primary_key=[],
            constraints=[],
            raw_code=raw_code,
            refs=[],
            sources=[],
            depends_on={"macros": [], "nodes": []},
            patch_path=f"{project}://models/{folder}/{name}.yml",
            created_at=self.created_at,
        )
        config = node["config"]
        config.update(schema=layer, materialized=materialized, group=group, access=access, meta={}, grants={})
        config["contract"] = {"enforced": False, "alias_types": True}
        node["contract"] = {"enforced": False, "alias_types": True, "checksum": None}
        node["unrendered_config"] = {
            "schema": layer,
            "materialized": materialized,
            "group": group,
            "access": access,
        }
        return node

    def _columns(self, entity: str, documented: bool, typed: bool = False) -> list[dict[str, Any]]:
        names = [f"{entity}_id", "email", "parent_id"]
        names += [f"metric_{k}" for k in range(self.spec.columns - len(names))]
        columns = []
        for k, col_name in enumerate(names[: self.spec.columns]):
            column = self.t.column()
            pii = col_name == "email"
            meta = {"classification": "confidential" if pii else "internal", "pii": pii}
            if pii:
                meta["masked"] = False
            column.update(
                name=col_name,
                description=f"{col_name.replace('_', ' ').capitalize()}." if documented else "",
                data_type=("integer" if col_name.endswith("_id") else "varchar") if typed else None,
                meta=meta if typed or pii else {},
                constraints=column["constraints"] if typed and k == 0 else [],
            )
            column["config"]["meta"] = column["meta"]
            columns.append(column)
        return columns

    def _add_tests(self, project: Project, model: dict[str, Any], columns: list[dict[str, Any]]) -> None:
        pk = columns[0]["name"]
        kinds = ["not_null"] if model.pop("_no_unique_test") else ["unique", "not_null"]
        for kind in kinds:
            self._add_test(project, kind, model, pk)
        parent = next(iter(m for m in project.products() if m is not model), None)
        if parent is not None and any(c["name"] == "parent_id" for c in columns):
            self._add_test(project, "relationships", model, "parent_id", parent)

    def _add_test(
        self,
        project: Project,
        kind: str,
        model: dict[str, Any],
        column: str,
        to: dict[str, Any] | None = None,
    ) -> None:
        test = self.t.test(kind)
        version = model["version"]
        model_tag = f"{model['name']}_v{version}" if version is not None else model["name"]
        name = f"{kind}_{model_tag}_{column}"
        ref_model = f"ref('{model['name']}'" + (f", version='{version}')" if version is not None else ")")
        kwargs: dict[str, Any] = {
            "column_name": column,
            "model": f"{{{{ get_where_subquery({ref_model}) }}}}",
        }
        depends = [model["unique_id"]]
        refs = [{"name": model["name"], "package": None, "version": str(version) if version else None}]
        if to is not None:
            kwargs.update(to=f"ref('{to['name']}')", field=to["columns"] and next(iter(to["columns"])))
            depends.insert(0, to["unique_id"])
            refs.insert(0, {"name": to["name"], "package": None, "version": None})
        digest = hashlib.md5(name.encode()).hexdigest()
        test.update(
            name=name,
            package_name=project.name,
            path=f"{name}.sql",
            original_file_path=model["patch_path"].split("://", 1)[1],
            unique_id=f"test.{project.name}.{name}.{digest[:10]}",
            fqn=[project.name, "marts", name],
            alias=name,
            group=model["group"],
            attached_node=model["unique_id"],
            column_name=column,
            file_key_name=f"models.{model['name']}",
            refs=refs,
            created_at=self.created_at,
        )
        test["config"]["alias"] = test["unrendered_config"]["alias"] = name
        test["test_metadata"]["kwargs"] = kwargs
        test["depends_on"]["nodes"] = depends
        project.nodes[test["unique_id"]] = test

    def _exposure(self, project: str, name: str, parents: list[dict[str, Any]]) -> dict[str, Any]:
        exposure = self.t.exposure()
        owner = "analytics" if project == "hub" else project
        exposure.update(
            name=name,
            package_name=project,
            unique_id=f"exposure.{project}.{name}",
            fqn=[project, name],
            owner={"email": f"{owner}-team@example.com", "name": f"{owner.title()} team"},
            description=f"{name.replace('_', ' ').capitalize()}.",
            created_at=self.created_at,
            refs=[],
            depends_on={"macros": [], "nodes": []},
        )
        for parent in parents:
            self._add_depends(exposure, parent)
        return exposure

    def _add_depends(self, node: dict[str, Any], parent: dict[str, Any]) -> None:
        node["depends_on"]["nodes"].append(parent["unique_id"])
        if parent["resource_type"] == "source":
            node["sources"].append([parent["source_name"], parent["name"]])
            call = f"source('{parent['source_name']}', '{parent['name']}')"
        else:
            cross = parent["package_name"] != node["package_name"]
            version = parent.get("version")
            if cross and version is not None and self._violate("unpinned_cross_domain_ref"):
                version = None  # resolves to the latest version; dbt records the ref without a pin
            package = parent["package_name"] if cross else None
            node["refs"].append({"name": parent["name"], "package": package, "version": version})
            args = [f"'{package}'"] if package else []
            args += [f"'{parent['name']}'", *([f"v={version}"] if version is not None else [])]
            call = f"ref({', '.join(args)})"
        if "raw_code" in node:  # models; exposures only record the dependency
            keyword = "\nfrom" if len(node["depends_on"]["nodes"]) == 1 else "\ncross join"
            node["raw_code"] += f"{keyword} {{{{ {call} }}}}"
            node["checksum"]["checksum"] = hashlib.sha256(node["raw_code"].encode()).hexdigest()

    def _inject_upstream(self, project: Project, upstream: list[Project]) -> None:
        """Upstream models as dbt-loom injects them: identity, access and versions; no columns or meta."""
        for up in upstream:
            for model in list(up.models()):
                injected = self.t.model()
                keep = ("name", "package_name", "unique_id", "alias", "database", "schema", "relation_name")
                injected.update({k: model[k] for k in keep})
                is_public = model["access"] == "public"
                injected.update(
                    fqn=[up.name, model["name"], *([f"v{model['version']}"] if model["version"] else [])],
                    path="",
                    original_file_path="",
                    patch_path=None,
                    raw_code="",
                    description="",
                    columns={},
                    meta={},
                    tags=[],
                    refs=[],
                    sources=[],
                    group=model["group"],
                    access=model["access"],
                    version=model["version"],
                    latest_version=model["latest_version"],
                    deprecation_date=model["deprecation_date"],
                    primary_key=[],
                    constraints=[],
                    contract={"enforced": False, "alias_types": True, "checksum": None},
                    depends_on={
                        "macros": [],
                        "nodes": list(model["depends_on"]["nodes"]) if is_public else [],
                    },
                    created_at=self.created_at,
                    unrendered_config={
                        "alias": model["alias"],
                        "schema": model["schema"],
                        "database": model["database"],
                    },
                )
                injected["config"].update(schema=None, group=None, materialized="view", meta={}, grants={})
                injected["config"]["contract"] = {"enforced": False, "alias_types": True}
                project.nodes.setdefault(injected["unique_id"], injected)

    # Output ----------------------------------------------------------------------------------------

    def manifest(self, project: Project) -> dict[str, Any]:
        metadata = dict(self.t.metadata)
        metadata.update(
            project_name=project.name,
            project_id=hashlib.md5(project.name.encode()).hexdigest(),
            invocation_id=str(uuid.UUID(int=self.rng.getrandbits(128))),
            generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        manifest = {key: {} for key in self.t.manifest}
        manifest.update(
            metadata=metadata,
            nodes=project.nodes,
            sources=project.sources,
            exposures=project.exposures,
            groups=project.groups,
            macros=self.t.manifest["macros"],
            docs=self.t.manifest["docs"],
            disabled={},
        )
        parents: dict[str, list[str]] = {}
        children: dict[str, list[str]] = {}
        for section in ("nodes", "sources", "exposures"):
            for uid, node in manifest[section].items():
                parents[uid] = list(node.get("depends_on", {}).get("nodes", []))
                children.setdefault(uid, [])
                for parent in parents[uid]:
                    children.setdefault(parent, []).append(uid)
        manifest["parent_map"] = parents
        manifest["child_map"] = {uid: sorted(c) for uid, c in children.items() if uid in parents}
        group_map: dict[str, list[str]] = defaultdict(list)
        for uid, node in project.nodes.items():
            if node["resource_type"] == "model" and node["package_name"] == project.name and node["group"]:
                group_map[node["group"]].append(uid)
        manifest["group_map"] = dict(group_map)
        return manifest


def write_mesh(spec: MeshSpec, templates: Templates, out: Path) -> Summary:
    """Write the synthetic repository under `out` (which must be empty or absent)."""
    builder = MeshBuilder(spec, templates)
    projects = builder.build()
    out.mkdir(parents=True, exist_ok=True)
    _write_yaml(
        out / "mesh.yml",
        {
            "projects": {"include": ["domains/*"]},
            "hub": ".",
            # docs/conventions.md: products are public gold models (a public staging model, one of the
            # seeded violations, is a finding, not a product)
            "products": {"access": ["public"], "layers": ["gold"]},
            "layers": {"from": "schema"},
        },
    )
    for project in projects:
        folder = out if project.is_hub else out / "domains" / project.name
        (folder / "target").mkdir(parents=True, exist_ok=True)
        _write_yaml(
            folder / "dbt_project.yml",
            {"name": project.name, "version": "1.0.0", "config-version": 2, "profile": project.name},
        )
        _write_yaml(folder / "dependencies.yml", {"projects": [{"name": u} for u in project.upstream]})
        if not project.is_hub:
            _write_yaml(folder / "domain.yml", {"platform": project.platform})
        manifest = builder.manifest(project)
        (folder / "target" / "manifest.json").write_bytes(orjson.dumps(manifest))
        _write_property_files(folder, project)
    own_models = [n for p in projects for n in p.models() if n["package_name"] == p.name]
    return Summary(
        domains=spec.domains,
        models=len(own_models),
        products=sum(len(p.products()) for p in projects if not p.is_hub),
        tests=sum(1 for p in projects for n in p.nodes.values() if n["resource_type"] == "test"),
        exposures=sum(len(p.exposures) for p in projects),
        violations=dict(sorted(builder.violations.items())),
    )


def _write_property_files(folder: Path, project: Project) -> None:
    """The YAML files the manifest points at (one per model, sources, groups, exposures), so a loader
    that reads them for line numbers does the same work as on a real repository."""
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for node in project.models():
        if node["package_name"] == project.name and node["patch_path"]:
            by_file[node["patch_path"].split("://", 1)[1]].append(node)
    for file, nodes in by_file.items():
        lines = ["models:", f"  - name: {nodes[0]['name']}", f"    description: {nodes[0]['description']!r}"]
        lines += ["    columns:", *(f"      - name: {c}" for c in nodes[0]["columns"])]
        if nodes[0]["version"] is not None:
            lines += ["    versions:", *(f"      - v: {n['version']}" for n in nodes)]
        _write_lines(folder / file, lines)
    sources = [
        "sources:",
        "  - name: raw",
        "    tables:",
        *(f"      - name: {s['name']}" for s in project.sources.values()),
    ]
    groups = ["groups:", *(f"  - name: {g['name']}" for g in project.groups.values())]
    exposures = ["exposures:", *(f"  - name: {e['name']}" for e in project.exposures.values())]
    for file, lines in (("__sources.yml", sources), ("groups.yml", groups), ("exposures.yml", exposures)):
        _write_lines(folder / "models" / ("staging" if file == "__sources.yml" else "") / file, lines)


def _write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_yaml(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
