"""Render many independent files on both cores: forked workers each take every n-th item and write
their files themselves, so nothing large crosses a pipe (only a count comes back).

Used for the per-product files of `mesh docs` and `mesh contracts export` (3,500 products of the
benchmark mesh: ~2 s of rendering on one core). Small meshes, one-core machines, platforms without
`fork` and processes running other threads run in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

MIN_ITEMS = 400  # below this, starting workers costs more than it saves

_work: Callable[[Sequence[Any]], int] | None = None
_chunks: list[Sequence[Any]] = []


def _run(index: int) -> int:
    if _work is None:
        raise RuntimeError("parallel work started without a job")
    return _work(_chunks[index])


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def only_thread() -> bool:
    """Whether this interpreter runs a single thread of its own. A child forked beside other threads may
    wait forever for a lock one of them held at the fork (seen: a pool worker forked in a test process
    where earlier builds had left threads running). Native library threads (OpenBLAS's, started by
    numpy's import) are not counted: they hold no lock the rendering takes."""
    return threading.active_count() == 1


def in_parallel(items: Sequence[Any], work: Callable[[Sequence[Any]], int], *, workers: int = 2) -> int:
    """`work(chunk)` over the items split across up to `workers` forked processes; the sum of results."""
    global _work, _chunks
    workers = min(workers, _cores())
    if (
        workers < 2
        or len(items) < MIN_ITEMS
        or "fork" not in multiprocessing.get_all_start_methods()
        or not only_thread()
    ):
        return work(items)
    _work, _chunks = work, [items[i::workers] for i in range(workers)]
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return sum(pool.map(_run, range(workers)))
    finally:
        _work, _chunks = None, []
