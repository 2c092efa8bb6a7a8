"""What Unity Catalog should hold for the mesh: the public gold products of Databricks domains.

Comments come from dbt descriptions, owners from `MeshModel.owner` (its principal, renamed by unity.yml
`principals` where Unity Catalog names it differently), tags from dbt tags and meta under the managed
keys, grants from dbt `grants` plus central policy (consumer group, restricted classifications,
USE CATALOG / USE SCHEMA for every reader), shares from `meta.shares`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from databricks.sdk.service.catalog import Privilege

from governance.access import product_access
from governance.errors import MeshError
from governance.findings import Finding, Severity
from governance.model import MeshModel, Model
from governance.project import Platform
from governance.unity.config import UnityConfig
from governance.unity.masks import product_masks
from governance.unity.state import Grants, ShareState, TableState, Tags, UnityState

KNOWN_PRIVILEGES = frozenset(p.value for p in Privilege)

# Managed tag key -> how a product declares it (None: not declared, so unset under --prune).
TABLE_TAG_SOURCES: dict[str, Callable[[Model], str | None]] = {
    "mesh_domain": lambda m: m.domain,
    "mesh_layer": lambda m: m.layer.value,
    "mesh_product": lambda m: m.name,
    "mesh_version": lambda m: m.version,
    "mesh_classification": lambda m: m.classification,
}


@dataclass
class DesiredState:
    state: UnityState
    findings: list[Finding] = field(default_factory=list)

    @property
    def catalogs(self) -> list[str]:
        return sorted({t.full_name.split(".")[0] for t in self.state.tables.values()})


def synced_products(mesh: MeshModel) -> Iterable[Model]:
    """Public gold products of Databricks-platform domains (the hub's marts are not products)."""
    for domain in mesh.domains.values():
        if domain.is_hub or domain.platform is not Platform.DATABRICKS:
            continue
        yield from domain.products


def _privilege(raw: str, model: Model) -> str:
    name = raw.strip().upper().replace(" ", "_")
    if name not in KNOWN_PRIVILEGES:
        raise MeshError(
            f"{model.fix_location}: {model.display_name} grants unknown privilege {raw!r}; "
            "use a Unity Catalog privilege such as select"
        )
    return name


def _add(grants: dict[str, set[str]], principal: str, privilege: str) -> None:
    grants.setdefault(principal, set()).add(privilege)


def _frozen(grants: dict[str, set[str]]) -> Grants:
    return {p: frozenset(v) for p, v in grants.items() if v}


# https://docs.databricks.com/aws/en/database-objects/tags: keys up to 255 characters, values up to 1000.
TAG_KEY_MAX, TAG_VALUE_MAX = 255, 1000


def _checked(model: Model, tags: Tags, where: str) -> Tags:
    """Tags Unity Catalog will accept, or one line naming the product and what to shorten."""
    for key, value in tags.items():
        if len(key) > TAG_KEY_MAX or len(value) > TAG_VALUE_MAX:
            limit, what = (TAG_KEY_MAX, "key") if len(key) > TAG_KEY_MAX else (TAG_VALUE_MAX, "value")
            raise MeshError(
                f"{model.fix_location}: {model.display_name}{where} has a tag {what} over {limit} characters "
                f"({key[:40]!r}...), which Unity Catalog rejects; shorten it"
            )
    return tags


def _table_tags(model: Model, config: UnityConfig) -> Tags:
    tags: Tags = {}
    for key, source in TABLE_TAG_SOURCES.items():
        value = source(model)
        if value is not None and config.is_managed_tag(key):
            tags[key] = str(value)
    for tag in model.tags:
        dbt_key = config.dbt_tag_key(tag)
        if dbt_key:
            tags[dbt_key] = ""
    return _checked(model, tags, "")


def _column_tags(model: Model, config: UnityConfig) -> dict[str, Tags]:
    result: dict[str, Tags] = {}
    for column in model.columns.values():
        tags: Tags = {}
        if column.classification is not None and config.is_managed_tag("mesh_classification"):
            tags["mesh_classification"] = column.classification
        if column.is_pii and config.is_managed_tag("mesh_pii"):
            tags["mesh_pii"] = "true"
        for tag in column.tags:
            key = config.dbt_tag_key(tag)
            if key:
                tags[key] = ""
        if tags:
            result[column.name] = _checked(model, tags, f" column {column.name!r}")
    return result


def _table_grants(model: Model, config: UnityConfig, findings: list[Finding], owner: str | None) -> Grants:
    grants: dict[str, set[str]] = {}
    for privilege, grantees in model.grants.items():
        name = _privilege(privilege, model)
        for grantee in grantees:
            _add(grants, grantee, name)
    readers = config.restricted_readers.get(model.classification or "")
    # The access matrix's readers cleared for PII read the product (governance.access): SELECT.
    access = product_access(model, config.access_policy())
    for group in access.cleared:
        if group != access.owner:
            _add(grants, config.unity_principal(group) or group, "SELECT")
    if readers is None:
        if config.consumer_group:
            _add(grants, config.consumer_group, "SELECT")
        return _frozen(grants)
    # Restricted classification: only the listed groups may read, whatever the YAML grants say.
    for principal in sorted(set(grants) - set(readers)):
        findings.append(
            Finding(
                code="UNITY001",
                severity=Severity.WARNING,
                message=(
                    f"{model.display_name} is {model.classification}: grant to {principal!r} dropped; "
                    f"only {', '.join(readers)} may read it"
                ),
                domain=model.domain,
                owner=owner,
                location=model.fix_location,
                node_id=model.unique_id,
            )
        )
        del grants[principal]
    for reader in readers:
        _add(grants, reader, "SELECT")
    return _frozen(grants)


def _masks(model: Model, config: UnityConfig, table: TableState, state: UnityState) -> None:
    """A mask on every column the matrix withholds from uncleared readers (governance.unity.masks)."""
    for column, function in product_masks(model, config).items():
        state.functions[function.full_name] = function
        table.masks[column] = function.full_name
        # `MASK f` takes EXECUTE on f from whoever declares it: the build (dbt-databricks' column_mask in
        # CREATE OR REPLACE TABLE) runs as a member of the table's owner group. Readers need none: the
        # mask is applied as each row is fetched. https://docs.databricks.com/aws/data-governance/unity-catalog/filters-and-masks/manually-apply
        if table.owner:
            held = state.function_grants.setdefault(function.full_name, {})
            held[table.owner] = frozenset({"EXECUTE"})


def _alias(share: ShareState, table: str, model: Model) -> None:
    """`<domain>.<table>`: what recipients see. Without `shared_as` the alias is `<schema>.<table>`, and two
    domains' products of the same name could not sit in one share. Unique in the share, or one line."""
    alias = model.shared_as
    taken = {a: t for t, a in share.aliases.items()}
    if alias in taken and taken[alias] != table.lower():
        raise MeshError(
            f"{model.fix_location}: {model.display_name} would be shared as {alias!r} in share "
            f"{share.name!r}, the alias of {taken[alias]} already; give one of them another dbt `alias`"
        )
    share.aliases[table.lower()] = alias


def build_desired(mesh: MeshModel, config: UnityConfig) -> DesiredState:
    state = UnityState(shares={name: ShareState(name) for name in config.shares})
    for name, recipients in config.shares.items():
        state.shares[name].recipients = {r: frozenset({"SELECT"}) for r in recipients}
        state.shares[name].owner = config.share_owners.get(name)  # None: whoever creates it
    desired = DesiredState(state)
    catalog_readers: dict[str, dict[str, set[str]]] = {}
    schema_readers: dict[str, dict[str, set[str]]] = {}
    for model in synced_products(mesh):
        owner = mesh.owner(model)
        table = TableState(
            full_name=model.relation,
            comment=model.description.strip() or None,
            owner=config.unity_principal(owner.principal),
            columns={c.name: c.description.strip() or None for c in model.columns.values()},
            tags=_table_tags(model, config),
            column_tags=_column_tags(model, config),
            grants=_table_grants(model, config, desired.findings, owner.contact),
            restricted=(model.classification or "") in config.restricted_readers,
            domain=model.domain,
            product=model.display_name,
        )
        _masks(model, config, table, state)
        state.tables[table.full_name] = table
        catalog, schema, _ = table.full_name.split(".")
        for principal in table.grants:
            _add(catalog_readers.setdefault(catalog, {}), principal, "USE_CATALOG")
            _add(schema_readers.setdefault(f"{catalog}.{schema}", {}), principal, "USE_SCHEMA")
        for share in model.meta.get("shares") or []:
            if share not in state.shares:
                raise MeshError(
                    f"{model.fix_location}: {model.display_name} lists share {share!r} in meta.shares, "
                    f"which {config.path} does not declare under `sharing`; add it there or fix the name"
                )
            state.shares[share].objects.add(table.full_name)
            _alias(state.shares[share], table.full_name, model)
    state.catalog_grants = {c: _frozen(g) for c, g in catalog_readers.items()}
    state.schema_grants = {s: _frozen(g) for s, g in schema_readers.items()}
    return desired
