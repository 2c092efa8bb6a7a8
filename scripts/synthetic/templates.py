"""Real dbt resource dicts to clone: `dbt parse` of `template_project/`, cached per dbt version.

Cloning what the installed dbt actually writes (instead of hand-typing node dicts) keeps synthetic
manifests on the exact schema version and field set of that dbt release.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

TEMPLATE_PROJECT = Path(__file__).with_name("template_project")


@dataclass(frozen=True)
class Templates:
    manifest: dict[str, Any]

    def _get(self, section: str, unique_id: str) -> dict[str, Any]:
        node: dict[str, Any] = self.manifest[section][unique_id]
        return node

    def clone(self, section: str, unique_id: str) -> dict[str, Any]:
        """A deep copy of one template resource."""
        copy: dict[str, Any] = orjson.loads(orjson.dumps(self._get(section, unique_id)))
        return copy

    def model(self) -> dict[str, Any]:
        return self.clone("nodes", "model.template.dim_entity.v1")

    def column(self) -> dict[str, Any]:
        column: dict[str, Any] = self.model()["columns"]["entity_id"]
        return column

    def test(self, kind: str) -> dict[str, Any]:
        """The generic test node `unique`, `not_null` or `relationships` on dim_entity.v1."""
        for uid, node in self.manifest["nodes"].items():
            meta = node.get("test_metadata") or {}
            if meta.get("name") == kind and node["attached_node"] == "model.template.dim_entity.v1":
                return self.clone("nodes", uid)
        raise KeyError(kind)

    def source(self) -> dict[str, Any]:
        return self.clone("sources", "source.template.raw.entity")

    def exposure(self) -> dict[str, Any]:
        return self.clone("exposures", "exposure.template.entity_dashboard")

    def group(self) -> dict[str, Any]:
        return self.clone("groups", "group.template.template")

    @property
    def metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = self.manifest["metadata"]
        return metadata


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(TEMPLATE_PROJECT.rglob("*")):
        if path.is_file() and "target" not in path.parts and "logs" not in path.parts:
            digest.update(path.relative_to(TEMPLATE_PROJECT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_templates(cache_root: Path) -> Templates:
    """Parse the template project with the installed dbt (once; cached under `cache_root`)."""
    from dbt.version import __version__ as dbt_version

    cached = cache_root / f"template-dbt{dbt_version}-{_fingerprint()}" / "manifest.json"
    if not cached.is_file():
        _parse(cached)
    return Templates(orjson.loads(cached.read_bytes()))


def _parse(destination: Path) -> None:
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DO_NOT_TRACK", "1")
    with tempfile.TemporaryDirectory(prefix="mesh-template-") as tmp:
        project = Path(tmp) / "template_project"
        shutil.copytree(TEMPLATE_PROJECT, project)
        target = project / "target"
        args = ["--quiet", "--log-path", str(Path(tmp) / "logs"), "parse"]
        args += ["--project-dir", str(project), "--profiles-dir", str(project), "--target-path", str(target)]
        result = dbtRunner().invoke(args)
        if not result.success:
            raise RuntimeError(f"dbt parse of {TEMPLATE_PROJECT} failed: {result.exception}")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target / "manifest.json", destination)
