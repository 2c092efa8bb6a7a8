"""Baselines: accept today's findings so a mesh can adopt the checks, and fail only on new ones.

A finding is matched by `Finding.fingerprint` (code + resource + subject: the column, test or edge),
not by message or line, so rewording a rule or moving a yml entry does not resurrect baselined findings,
and a new finding on another column of a baselined model is not hidden. Version 1 baselines (keyed by
code + resource only) are refused with the command that rewrites them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from governance.errors import MeshError
from governance.findings import Finding

FORMAT_VERSION = 2  # 2: fingerprints name the subject (column, test, edge)


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    import orjson  # here, not at the top: a check without a baseline never pays its import

    entries = {f.fingerprint: {"code": f.code, "domain": f.domain, "message": f.message} for f in findings}
    document = {"version": FORMAT_VERSION, "findings": dict(sorted(entries.items()))}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as exc:
        raise MeshError(f"{path}: cannot write baseline ({exc.strerror})") from None
    return len(entries)


def read_baseline(path: Path) -> frozenset[str]:
    """Fingerprints accepted by a baseline file written by `--write-baseline`."""
    import orjson

    hint = "write one with `mesh check --write-baseline FILE`"
    try:
        document = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise MeshError(f"{path}: baseline not found; {hint}") from None
    except orjson.JSONDecodeError as exc:
        raise MeshError(f"{path}: baseline is not valid JSON ({exc}); {hint}") from None
    except OSError as exc:
        raise MeshError(f"{path}: cannot read baseline ({exc.strerror})") from None
    if isinstance(document, dict) and document.get("version") == 1:
        raise MeshError(
            f"{path}: a version 1 baseline (findings keyed by model only, which hides new columns' "
            f"findings); rewrite it with `mesh check --write-baseline {path}`"
        )
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise MeshError(f"{path}: not a mesh baseline (version {FORMAT_VERSION}); {hint}")
    findings = document.get("findings")
    if not isinstance(findings, dict):
        raise MeshError(f"{path}: baseline has no `findings` mapping; {hint}")
    return frozenset(str(k) for k in findings)
