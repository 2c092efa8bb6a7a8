"""`mesh init`: find the dbt projects and their dependencies, write mesh.yml, say what was found."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from governance.errors import ExitCode, MeshError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="replace an existing mesh.yml")
    parser.add_argument("--dry-run", action="store_true", help="print mesh.yml instead of writing it")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="also record today's policy findings here (projects must be built), so only new ones fail",
    )
    parser.add_argument(
        "--starter-policy",
        action="store_true",
        help="also write mesh-policies.yml: every rule on, this platform's own conventions as warnings "
        "(an ordinary dbt mesh passes with only real findings), and point mesh.yml at it",
    )
    parser.add_argument(
        "--loom",
        action="store_true",
        help="also write dbt_loom.config.yml for projects whose upstreams only dependencies.yml names "
        "(dbt Core needs dbt-loom to compile a cross-project ref)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from governance.adoption import STARTER_POLICY_FILE, has_projects, settings_path
    from governance.settings import explicit_root

    root = (explicit_root() or Path.cwd()).resolve()
    if not root.is_dir():
        raise MeshError(f"{root}: not a folder; pass the repository root to --root")
    target = settings_path(root)
    if target.exists() and not (args.force or args.dry_run):
        raise MeshError(
            f"{target} exists; pass --force to replace it (or --dry-run to see what init would write)"
        )
    policy = root / STARTER_POLICY_FILE if args.starter_policy else None
    if policy is not None and policy.exists() and not (args.force or args.dry_run):
        raise MeshError(f"{policy} exists; pass --force to replace it, or drop --starter-policy")
    if not has_projects(root):  # an empty repository: start a mesh for `mesh new domain`
        return _start(target, dry_run=args.dry_run)
    return _adopt(args, root, target, policy)


def _start(target: Path, *, dry_run: bool) -> int:
    from governance.files import write_all
    from governance.scaffold import NEW_MESH_SETTINGS

    if dry_run:
        sys.stdout.write(NEW_MESH_SETTINGS)
        return int(ExitCode.OK)
    write_all({target: NEW_MESH_SETTINGS})
    print(f"wrote {target}: a new mesh, no dbt project yet")
    print(
        "next: `mesh new domain NAME`, `mesh new product NAME fct_NAME`, then `mesh build` and `mesh check`"
    )
    return int(ExitCode.OK)


def _adopt(args: argparse.Namespace, root: Path, target: Path, policy: Path | None) -> int:
    from governance.adoption import (
        STARTER_POLICY_FILE,
        loom_configs,
        render_settings,
        render_starter_policy,
        survey,
        write_baseline_of,
    )
    from governance.files import write_all

    found = survey(root)
    text = render_settings(found, STARTER_POLICY_FILE if policy is not None else None)
    if args.dry_run:
        sys.stdout.write(text)
        return int(ExitCode.OK)
    baseline = write_baseline_of(found, args.baseline) if args.baseline is not None else None
    looms = loom_configs(found.projects) if args.loom else {}
    existing = [path for path in looms if path.exists()]
    if existing:
        raise MeshError(f"{existing[0]} exists; remove it or drop --loom")
    starter = {policy: render_starter_policy()} if policy is not None else {}
    write_all({target: text, **starter, **looms})
    _report(found, target, baseline, args.baseline)
    for path in looms:
        print(f"wrote {path}: dbt-loom reads its upstreams' manifests")
    for warning in [] if looms else found.projects.loom_warnings:
        print(f"warning: {warning}")
    _report_policy(found, policy)
    return int(ExitCode.OK)


def _report_policy(found: object, policy: Path | None) -> None:
    from governance.adoption import STARTER_POLICY_FILE, Survey, starter_counts

    assert isinstance(found, Survey)
    if policy is not None:
        print(f"wrote {policy}: every rule on; this platform's own conventions start as warnings")
        if found.coverage is not None:
            errors, warnings = starter_counts(found, policy)
            print(f"under it: {errors} errors, {warnings} warnings (`mesh check` shows them)")
    elif found.findings:
        print(
            "a dbt mesh written elsewhere fails this platform's conventions at first: `mesh init "
            f"--force --starter-policy` writes {STARTER_POLICY_FILE}, which relaxes them to warnings"
        )


def _report(found: object, target: Path, baseline: int | None, baseline_path: Path | None) -> None:
    from governance.adoption import Survey

    assert isinstance(found, Survey)
    projects = found.projects
    print(f"wrote {target}")
    print(f"projects ({len(projects.projects)}):")
    for name in projects.order:
        project = projects.projects[name]
        folder = project.path.relative_to(found.root).as_posix() if project.path != found.root else "."
        role = "hub" if project.is_hub else f"platform {project.platform.value}"
        reads = [f"{u} (optional)" if u in project.optional else u for u in project.reads]
        upstream = f", reads {', '.join(reads)}" if reads else ""
        source = f" ({project.upstream_file.name})" if project.upstream_file else ""
        profiles = project.profiles_dir
        shown = (
            profiles.relative_to(found.root).as_posix()
            if profiles and profiles.is_relative_to(found.root)
            else profiles
        )
        print(f"  {name}: {folder}, {role}{upstream}{source}, profiles {shown or '.'}")
        if profiles is not None and not (profiles / "profiles.yml").is_file():
            print(
                f"warning: {name}: no profiles.yml in {shown}; `mesh build` needs it there, or set "
                f"mesh.yml `profiles_dir` (or domains.{name}.profiles_dir) to where it is"
            )
    print(f"edges ({len(found.edges)}): " + (", ".join(f"{a} -> {b}" for a, b in found.edges) or "none"))
    print("build order: " + ", ".join(projects.order))
    for note in projects.notes:
        print(f"  {note}")
    if found.coverage is None:
        missing = sorted(set(projects.projects) - set(found.built))
        print(
            f"products: not counted, no manifest for {', '.join(missing)}; "
            "run `mesh build`, then `mesh check`"
        )
    else:
        print(found.coverage.summary)
        for warning in found.coverage.warnings:
            print(f"warning: {warning}")
        total = sum(found.findings.values())
        print(f"policy findings: {total}" + (" (conventions not yet met:)" if total else ""))
        for code, count in sorted(found.findings.items()):
            print(f"  {code} {found.finding_titles.get(code, '')}: {count}")
    if baseline is not None:
        print(f"baseline: {baseline} findings recorded in {baseline_path}; "
              f"`mesh check --baseline {baseline_path}` fails only on new ones")  # fmt: skip
