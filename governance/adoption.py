"""`mesh init`: survey an existing repository of dbt projects and write the mesh.yml that governs it.

The survey reads what is already there, never asks for it twice: every dbt_project.yml under the root
(outside dependency and build folders), each project's upstream projects from dbt-loom's config or
dbt's dependencies.yml, its platform from domain.yml, its profiles folder. When the projects are built,
it also counts the products, the models whose layer cannot be placed, and the policy findings, and can
record those findings as a baseline so adoption starts green and only new findings fail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from governance.coverage import Coverage, coverage
from governance.errors import MeshError
from governance.project import Projects
from governance.settings import SETTINGS_FILE, MeshSettings, ProjectsSettings, Settings


@dataclass
class Survey:
    root: Path
    projects: Projects
    hub: str | None  # folder of the hub, relative to the root
    built: list[str]  # projects with a manifest
    coverage: Coverage | None = None  # when every project is built
    findings: Counter[str] = field(default_factory=Counter)  # code -> count, when built
    finding_titles: dict[str, str] = field(default_factory=dict)

    @property
    def folders(self) -> list[str]:
        return sorted(_relative(p.path, self.root) for p in self.projects.projects.values() if not p.is_hub)

    @property
    def edges(self) -> list[tuple[str, str]]:
        return sorted((up, p.name) for p in self.projects.projects.values() for up in p.reads)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else "."


def loom_configs(projects: Projects) -> dict[Path, str]:
    """dbt_loom.config.yml for each project whose upstreams only dependencies.yml names: one `file`
    manifest entry per upstream, its path relative to the project (dbt runs there)."""
    import os

    written: dict[Path, str] = {}
    for project in projects.projects.values():
        if not project.reads or project.upstream_file is None:
            continue
        if project.upstream_file.name != "dependencies.yml":
            continue
        entries = [
            {
                "name": up,
                "type": "file",
                "config": {
                    "path": os.path.relpath(projects.projects[up].manifest_path, project.path).replace(
                        os.sep, "/"
                    )
                },
            }
            for up in project.reads
            if up in projects.projects
        ]
        header = "# Written by `mesh init --loom`: dbt-loom reads each upstream's manifest (dbt Core's\n"
        header += "# cross-project refs); dependencies.yml keeps naming the same projects.\n"
        written[project.path / "dbt_loom.config.yml"] = header + yaml.safe_dump(
            {"manifests": entries}, sort_keys=False
        )
    return written


def has_projects(root: Path) -> bool:
    """Any dbt project under `root` (outside dependency, build and hidden folders)."""
    from governance.settings import project_folders

    return bool(project_folders(root))


def survey(root: Path) -> Survey:
    """What is in the repository at `root`, read with the default settings."""
    defaults = Projects.discover(root, Settings(root, MeshSettings(), None), allow_empty=True)
    if not defaults.projects:
        raise MeshError(
            f"{root}: no dbt_project.yml found under it (outside dbt_packages/, target/, hidden folders)"
        )
    # The hub: a project at the root with other projects below it (its marts read them all).
    at_root = next((p for p in defaults.projects.values() if p.path == root), None)
    hub = "." if at_root is not None and len(defaults.projects) > 1 else None
    folders = sorted(
        _relative(p.path, root) for p in defaults.projects.values() if p.path != root or hub is None
    )
    projects = Projects.discover(root, Settings(root, settings_for(folders, hub), None))
    built = [name for name, p in projects.projects.items() if p.manifest_path.is_file()]
    found = Survey(root, projects, hub, sorted(built))
    if len(built) == len(projects.projects):
        _assess(found)
    return found


def settings_for(folders: list[str], hub: str | None) -> MeshSettings:
    return MeshSettings(projects=ProjectsSettings(include=tuple(folders)), hub=hub)


def _assess(found: Survey) -> None:
    from governance.checks.config import load_policy
    from governance.checks.evaluation import evaluate
    from governance.checks.registry import all_rules
    from governance.loader import load_mesh

    mesh = load_mesh(projects=found.projects)
    found.coverage = coverage(mesh)
    assert found.projects.settings is not None
    report = evaluate(mesh, load_policy(found.projects.settings.file("policies")))
    rules = all_rules()
    found.findings = Counter(f.code for f in report.findings)
    found.finding_titles = {code: rules[code].title for code in found.findings if code in rules}


def write_baseline_of(found: Survey, path: Path) -> int:
    """Record every current finding as the baseline (the projects must be built)."""
    missing = sorted(set(found.projects.projects) - set(found.built))
    if missing:
        raise MeshError(
            f"--baseline needs every project built; no manifest for {', '.join(missing)}: "
            "run `mesh build`, then `mesh check --write-baseline FILE`"
        )
    from governance.checks.baseline import write_baseline
    from governance.checks.config import load_policy
    from governance.checks.evaluation import evaluate
    from governance.loader import load_mesh

    assert found.projects.settings is not None
    mesh = load_mesh(projects=found.projects)
    report = evaluate(mesh, load_policy(found.projects.settings.file("policies")))
    return write_baseline(path, [*report.findings, *report.baselined])


def starter_counts(found: Survey, policy: Path) -> tuple[int, int]:
    """(errors, warnings) of the built mesh under the policy file `policy`."""
    from governance.checks.config import load_policy
    from governance.checks.evaluation import evaluate
    from governance.findings import Severity
    from governance.loader import load_mesh

    report = evaluate(load_mesh(projects=found.projects), load_policy(policy))
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    return errors, sum(1 for f in report.findings if f.severity is Severity.WARNING)


def render_settings(found: Survey, policies: str | None = None) -> str:
    """mesh.yml for the surveyed repository: the keys it found, the rest left at their defaults."""
    lines = [
        "# mesh.yml: what `mesh` governs here (written by `mesh init`; every key is optional).",
        "version: 1",
        "# dbt projects of the mesh (folders, globs allowed); upstream projects are read from each",
        "# project's dbt_loom.config.yml or dependencies.yml.",
        "projects:",
        f"  include: {_flow(found.folders)}",
    ]
    if found.hub is not None:
        lines += [
            "# The hub: analyst marts over the domains' products (never products themselves).",
            f"hub: {_flow(found.hub)}",
        ]
    lines += [
        "# What a data product is: a domain's model with one of these access levels (layers: [] = any).",
        "products:",
        "  access: [public]",
        "# A model's layer: its schema, else a folder under its model path, named here.",
        "layers:",
        "  from: auto",
        "  names:",
        "    bronze: [bronze, staging]",
        "    silver: [silver, intermediate]",
        "    gold: [gold, marts]",
    ]
    if policies is not None:
        lines += ["# Settings files of this repository (unset: the package's defaults).", "files:"]
        lines.append(f"  policies: {_flow(policies)}")
    text = "\n".join(lines) + "\n"
    yaml.safe_load(text)  # what we write must read back
    return text


# The starter policy (`mesh init --starter-policy`): every rule stays on; the ones below are this
# platform's own conventions (docs/conventions.md), which a dbt mesh written elsewhere never followed,
# so they start as warnings (or off) while everything that breaks a consumer stays an error.
STARTER_POLICY: dict[str, tuple[str, str]] = {
    "MESH001": ("warning", "dbt groups are optional in dbt; assign them as owners are agreed"),
    "MESH003": ("warning", "domain/owner/classification/sla are this platform's meta keys"),
    "MESH005": ("warning", "bronze/silver/gold is this platform's layering; map yours in mesh.yml `layers`"),
    "MESH006": ("warning", "contracts are recommended for public models, not required by dbt"),
    "MESH007": ("warning", "column types come with an enforced contract"),
    "MESH008": ("warning", "a declared primary key is a convention, not a dbt requirement"),
    "MESH010": ("warning", "descriptions are documentation debt, not a broken consumer"),
    "MESH011": ("warning", "descriptions are documentation debt, not a broken consumer"),
    "MESH012": ("warning", "relationships tests are added as keys are confirmed"),
    "MESH020": ("warning", "staging-only source reads follow this platform's layer names"),
    "MESH022": ("warning", "a name-based PII guess; classify as columns are reviewed"),
    "MESH023": ("warning", "masking follows classification"),
    "MESH024": ("off", "the consumer group `data-consumers` is this platform's; set yours, then enable"),
    "MESH025": ("warning", "source freshness is declared as SLAs are agreed"),
    "MESH027": ("warning", "dbt requires an exposure owner, not an e-mail"),
    "MESH030": ("warning", "SLAs are this platform's meta keys"),
    "MESH033": ("warning", "the classification vocabulary is this platform's"),
}
STARTER_POLICY_FILE = "mesh-policies.yml"


def render_starter_policy() -> str:
    """A policy an ordinary dbt mesh passes with only real findings (STARTER_POLICY says what and why)."""
    lines = [
        "# Starting policy written by `mesh init --starter-policy` (rule catalog: `mesh rules`).",
        "# Every rule runs. Errors: what breaks a consumer or another domain (cross-domain refs to",
        "# private or unpinned models, hard-coded relations, failing product tests, models in another",
        "# domain's catalog, drifted contracts, breaking changes with --state). Relaxed below, each with",
        "# why: this platform's own conventions, to adopt one by one (delete a line to make it an error).",
        "version: 1",
        "",
        "scope:",
        "  exclude:",
        '    paths: ["re:(^|/)dbt_packages/"]',
        "",
        "rules:",
    ]
    for code, (setting, why) in STARTER_POLICY.items():
        value = "{enabled: false}" if setting == "off" else f"{{severity: {setting}}}"
        lines.append(f"  {code}: {value}  # {why}")
    lines += ["", "exceptions: []"]
    text = "\n".join(lines) + "\n"
    yaml.safe_load(text)
    return text


def _flow(value: object) -> str:
    """A YAML flow value (JSON is valid YAML and quotes every odd name safely)."""
    import json

    return json.dumps(value)


def settings_path(root: Path) -> Path:
    return root / SETTINGS_FILE
