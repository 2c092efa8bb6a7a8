"""Last run's test results (`run_results.json`) and source freshness (`sources.json`) onto the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from governance.errors import MeshError
from governance.loader import fields as f
from governance.loader.artifacts import (
    RUN_RESULTS_PREFIX,
    SOURCES_PREFIX,
    check_optional_schema,
    decoded,
    display,
    read_bytes,
    sections_of,
)
from governance.model import DataTest, Source, TestResult


def _results(path: Path, root: Path, prefix: str, hint: str) -> list[dict[str, Any]]:
    shown = display(path, root)
    sections = sections_of(read_bytes(path, shown, hint), shown, hint)
    try:
        data = decoded(sections, "metadata", "results")
    except f.Malformed as exc:
        raise MeshError(f"{shown}: {exc}; {hint}") from None
    check_optional_schema(data.get("metadata"), shown, prefix, hint)
    try:
        return f.objects(data, "results")
    except f.Malformed as exc:
        raise malformed(shown, "results", exc, hint) from None


def malformed(shown: str, where: str, exc: f.Malformed, hint: str) -> MeshError:
    return MeshError(f"{shown}: {where}: {exc}; {hint}")


def apply_run_results(path: Path, root: Path, tests: dict[str, DataTest], hint: str) -> None:
    shown = display(path, root)
    for entry in _results(path, root, RUN_RESULTS_PREFIX, hint):
        try:
            test = tests.get(f.text(entry, "unique_id"))
            if test is None:
                continue
            completed = [f.timestamp(t, "completed_at") for t in f.objects(entry, "timing")]
            test.result = TestResult(
                status=f.text(entry, "status"),
                failures=f.integer(entry, "failures"),
                executed_at=max((c for c in completed if c), default=None),
            )
        except f.Malformed as exc:
            raise malformed(shown, "results entry", exc, hint) from None


def apply_freshness(path: Path, root: Path, sources: dict[str, Source], hint: str) -> None:
    shown = display(path, root)
    for entry in _results(path, root, SOURCES_PREFIX, hint):
        try:
            source = sources.get(f.text(entry, "unique_id"))
            if source is None or source.freshness is None:
                continue
            source.freshness.status = f.text(entry, "status")
            source.freshness.max_loaded_at = f.timestamp(entry, "max_loaded_at")
        except f.Malformed as exc:
            raise malformed(shown, "results entry", exc, hint) from None
