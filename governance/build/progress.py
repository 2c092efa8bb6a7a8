"""Live progress while the mesh builds, and the summary table after."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from governance.build.results import Outcome, ProjectResult
from governance.build.runner import NodeEvent

DONE_STATUSES = frozenset({"success", "error", "pass", "fail", "warn", "skipped", "runtime error"})
STYLE = {Outcome.SUCCESS: "green", Outcome.FAILED: "red", Outcome.SKIPPED: "yellow"}


class BuildProgress:
    """A progress bar per project on a terminal; one line per project start and finish otherwise (CI logs)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.fields[project]:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[node]}", style="dim"),
            TimeElapsedColumn(),
            console=console,
            disable=not self.live,
        )
        self.tasks: dict[str, TaskID] = {}
        self.done: dict[str, set[str]] = {}
        self.lock = threading.Lock()

    def __enter__(self) -> BuildProgress:
        self.progress.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.__exit__(kind, exc, tb)

    def start(self, project: str) -> None:
        with self.lock:
            self.tasks[project] = self.progress.add_task("", total=None, project=project, node="starting")
            self.done[project] = set()
        if not self.live:
            self.console.print(f"[{project}] dbt build started", markup=False)

    def event(self, event: NodeEvent) -> None:
        with self.lock:
            task = self.tasks.get(event.project)
            if task is None:
                return
            if event.status in DONE_STATUSES:
                self.done[event.project].add(event.unique_id)
            node = event.unique_id.split(".")[-1]
            self.progress.update(task, total=event.total, completed=len(self.done[event.project]), node=node)

    def finish(self, result: ProjectResult) -> None:
        with self.lock:
            task = self.tasks.get(result.project)
            if task is not None:
                completed = len(self.done[result.project])
                self.progress.update(task, node=result.outcome.value, completed=completed)
        if not self.live:
            line = f"[{result.project}] {result.outcome.value} in {result.seconds:.1f}s"
            first, *rest = result.reason.splitlines() or [""]
            self.console.print(line + (f": {first}" if first else ""), markup=False)
            for cause in rest:  # dbt's error lines, each on its own line under the project's
                self.console.print(f"[{result.project}]   {cause}", markup=False)


def summary_table(results: Sequence[ProjectResult], target: str) -> Table:
    table = Table(title=f"mesh build (target {target})", title_justify="left")
    for column, justify in (("domain", "left"), ("status", "left"), ("models", "right"),
                            ("seeds", "right"), ("tests", "right"), ("time", "right"), ("peak mem", "right"),
                            ("note", "left")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in results:
        table.add_row(
            Text(result.project),
            f"[{STYLE[result.outcome]}]{result.outcome.value}[/]",
            str(result.models),
            str(result.seeds),
            str(result.tests),
            f"{result.seconds:.1f}s",
            f"{result.peak_rss_mb:.0f} MB" if result.peak_rss_mb else "",
            Text(result.reason),  # dbt's text, never console markup
        )
    return table
