"""`governance/unity.yml`: principals, managed tag keys and principals, policy groups, shares, warehouse."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import msgspec

from governance.access import AccessPolicy
from governance.errors import MeshError
from governance.settings import decode_yaml

CONFIG_FILE = Path("governance") / "unity.yml"
# Databricks rejects these characters in tag keys; dbt tags are mapped onto safe keys.
_TAG_KEY_UNSAFE = re.compile(r"[.,\-=/:\s]")


@dataclass(frozen=True)
class UnityConfig:
    path: Path
    principals: Mapping[str, str]  # owner principal (model.Owner) -> UC principal, where named differently
    consumer_group: str | None
    restricted_readers: Mapping[str, tuple[str, ...]]  # classification -> the only reader groups
    managed_principals: frozenset[str]
    managed_tag_keys: frozenset[str]
    dbt_tag_prefix: str | None
    shares: Mapping[str, tuple[str, ...]]  # share -> recipients
    share_owners: Mapping[str, str] = field(default_factory=dict)  # share -> owner (a group), when set
    trino_principal: str | None = None  # the principal Trino reads Unity Catalog as (Iceberg REST)
    warehouse_id_env: str = "MESH_WAREHOUSE_ID"
    warehouse_id: str | None = None
    concurrency: int = 8
    retries: int = 3

    def all_managed_principals(self) -> frozenset[str]:
        """Principals whose grants the sync owns: listed ones plus every principal the config names."""
        named = set(self.principals.values())
        if self.consumer_group:
            named.add(self.consumer_group)
        for groups in self.restricted_readers.values():
            named.update(groups)
        return self.managed_principals | named

    def access_policy(self) -> AccessPolicy:
        """The central part of the access policy (governance.access): consumer group, restricted, shares."""
        return AccessPolicy(self.consumer_group, self.restricted_readers, self.shares)

    def unity_principal(self, principal: str | None) -> str | None:
        """The Unity Catalog name of a product's owner principal (`Model.principal`)."""
        return self.principals.get(principal, principal) if principal else None

    def is_managed_tag(self, key: str) -> bool:
        return key in self.managed_tag_keys or bool(
            self.dbt_tag_prefix and key.startswith(self.dbt_tag_prefix)
        )

    def dbt_tag_key(self, tag: str) -> str | None:
        """The tag key a dbt tag becomes, or None when dbt tags are not synced."""
        if not self.dbt_tag_prefix:
            return None
        return self.dbt_tag_prefix + _TAG_KEY_UNSAFE.sub("_", tag.strip()).lower()

    def resolve_warehouse_id(self) -> str:
        value = os.environ.get(self.warehouse_id_env) or self.warehouse_id
        if not value:
            raise MeshError(f"no SQL warehouse: set {self.warehouse_id_env} or `warehouse_id` in {self.path}")
        return value


Name = Annotated[str, msgspec.Meta(min_length=1)]  # a principal, group or share name
NonNegative = Annotated[int, msgspec.Meta(ge=0)]


class ManagedTagsFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    keys: list[Name] | None = None
    dbt_tag_prefix: str | None = None


class ShareFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    recipients: list[Name] | None = None
    owner: Name | None = None  # a group may own a share


class UnityFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """unity.yml as written: every key typed, an unknown one refused naming the closest known key."""

    warehouse_id_env: str | None = None
    warehouse_id: str | int | None = None
    concurrency: NonNegative = 8
    retries: NonNegative = 3
    principals: dict[str, Name] | None = None
    consumer_group: str | None = None
    restricted_readers: dict[str, list[Name] | None] | None = None
    managed_principals: list[Name] | None = None
    managed_tags: ManagedTagsFile | None = None
    sharing: dict[str, ShareFile | None] | None = None
    trino_principal: Name | None = None


def load_config(root: Path, path: Path | None = None) -> UnityConfig:
    """Read and validate the sync config; every mistake is one line naming the key and the file."""
    path = path or root / CONFIG_FILE
    if not path.is_file():
        raise MeshError(
            f"{path}: Unity Catalog sync config not found; create it, starting from the packaged default "
            f"{Path(__file__).resolve().parents[1] / 'defaults' / 'unity.yml'}"
        )
    found = decode_yaml(path, UnityFile)
    tags = found.managed_tags or ManagedTagsFile()
    for key in tags.keys or ():
        if _TAG_KEY_UNSAFE.search(key):
            raise MeshError(f"{path}: managed tag key {key!r} contains a character Databricks rejects")
    prefix = tags.dbt_tag_prefix
    if prefix is not None and _TAG_KEY_UNSAFE.search(prefix):
        raise MeshError(f"{path}: managed_tags.dbt_tag_prefix must be a plain string like 'dbt_'")
    sharing = {name: spec or ShareFile() for name, spec in (found.sharing or {}).items()}
    return UnityConfig(
        path=path,
        principals=dict(found.principals or {}),
        consumer_group=found.consumer_group,
        restricted_readers={c: tuple(g or ()) for c, g in (found.restricted_readers or {}).items()},
        managed_principals=frozenset(found.managed_principals or ()),
        managed_tag_keys=frozenset(tags.keys or ()),
        dbt_tag_prefix=prefix,
        shares={name: tuple(spec.recipients or ()) for name, spec in sharing.items()},
        share_owners={name: spec.owner for name, spec in sharing.items() if spec.owner is not None},
        trino_principal=found.trino_principal,
        warehouse_id_env=found.warehouse_id_env or "MESH_WAREHOUSE_ID",
        warehouse_id=str(found.warehouse_id) if found.warehouse_id else None,
        concurrency=max(1, found.concurrency),
        retries=found.retries,
    )
