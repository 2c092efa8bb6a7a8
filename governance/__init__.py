"""Governance for the lakehouse mesh: one typed model of every domain's dbt artifacts, mesh policies,
the Unity Catalog sync and the Iceberg/Trino publisher."""

from governance.errors import ExitCode, MeshError

__all__ = ["ExitCode", "MeshError"]
