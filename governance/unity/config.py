"""`governance/unity.yml`: principals, managed tag keys and principals, policy groups, shares, warehouse."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.access import AccessPolicy
from governance.errors import MeshError
from governance.files import mapping
from governance.project import read_yaml

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


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise MeshError(f"{where}: expected a list of names")
    return tuple(value)


def _positive_int(value: Any, where: str, default: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MeshError(f"{where}: expected a non-negative integer, got {value!r}")
    return value


def _sharing(section: Any, path: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """`sharing`: share -> recipients, and share -> owner where one is named (a group may own a share)."""
    shares: dict[str, tuple[str, ...]] = {}
    owners: dict[str, str] = {}
    for share, spec in mapping(section, f"{path}: sharing").items():
        spec_map = mapping(spec, f"{path}: sharing.{share}", ("recipients", "owner"))
        shares[share] = _strings(spec_map.get("recipients"), f"{path}: sharing.{share}.recipients")
        owner = spec_map.get("owner")
        if owner is not None:
            if not isinstance(owner, str) or not owner:
                raise MeshError(f"{path}: sharing.{share}.owner must be a principal or group name")
            owners[share] = owner
    return shares, owners


def load_config(root: Path, path: Path | None = None) -> UnityConfig:
    """Read and validate the sync config; every mistake is one line naming the key and the file."""
    path = path or root / CONFIG_FILE
    if not path.is_file():
        raise MeshError(
            f"{path}: Unity Catalog sync config not found; create it, starting from the packaged default "
            f"{Path(__file__).resolve().parents[1] / 'defaults' / 'unity.yml'}"
        )
    data = read_yaml(path)
    known = {
        "warehouse_id_env", "warehouse_id", "concurrency", "retries", "principals", "consumer_group",
        "restricted_readers", "managed_principals", "managed_tags", "sharing", "trino_principal",
    }  # fmt: skip
    unknown = sorted(set(data) - known)
    if unknown:
        raise MeshError(f"{path}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
    principals = mapping(data.get("principals"), f"{path}: principals")
    for group, principal in principals.items():
        if not isinstance(principal, str) or not principal:
            raise MeshError(f"{path}: principals.{group} must be a principal name")
    tags = mapping(data.get("managed_tags"), f"{path}: managed_tags")
    tag_keys = _strings(tags.get("keys"), f"{path}: managed_tags.keys")
    for key in tag_keys:
        if _TAG_KEY_UNSAFE.search(key):
            raise MeshError(f"{path}: managed tag key {key!r} contains a character Databricks rejects")
    prefix = tags.get("dbt_tag_prefix")
    if prefix is not None and (not isinstance(prefix, str) or _TAG_KEY_UNSAFE.search(prefix)):
        raise MeshError(f"{path}: managed_tags.dbt_tag_prefix must be a plain string like 'dbt_'")
    readers = {
        str(c): _strings(groups, f"{path}: restricted_readers.{c}")
        for c, groups in mapping(data.get("restricted_readers"), f"{path}: restricted_readers").items()
    }
    shares, share_owners = _sharing(data.get("sharing"), path)
    consumer = data.get("consumer_group")
    if consumer is not None and not isinstance(consumer, str):
        raise MeshError(f"{path}: consumer_group must be a group name")
    trino_principal = data.get("trino_principal")
    if trino_principal is not None and (not isinstance(trino_principal, str) or not trino_principal):
        raise MeshError(f"{path}: trino_principal must be the principal name Trino reads Unity Catalog as")
    concurrency = _positive_int(data.get("concurrency"), f"{path}: concurrency", 8)
    return UnityConfig(
        path=path,
        principals={str(k): str(v) for k, v in principals.items()},
        consumer_group=consumer,
        restricted_readers=readers,
        managed_principals=frozenset(_strings(data.get("managed_principals"), f"{path}: managed_principals")),
        managed_tag_keys=frozenset(tag_keys),
        dbt_tag_prefix=prefix,
        shares=shares,
        share_owners=share_owners,
        trino_principal=trino_principal,
        warehouse_id_env=str(data.get("warehouse_id_env") or "MESH_WAREHOUSE_ID"),
        warehouse_id=str(data["warehouse_id"]) if data.get("warehouse_id") else None,
        concurrency=max(1, concurrency),
        retries=_positive_int(data.get("retries"), f"{path}: retries", 3),
    )
