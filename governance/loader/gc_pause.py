"""Keeping Python's cyclic garbage collector off the mesh while the loader builds it, and after.

Loading 10,000 models decodes millions of short-lived values and keeps a quarter of a million model
objects. The cyclic collector runs on every burst of allocations and re-traverses all live objects:
that was half of the load time, and after the load it kept traversing the model during the checks
(another 0.2 s per `mesh check` on that mesh). Nothing the loader builds forms a reference cycle:
reference counting frees its garbage, and frees the model when it is dropped. So the collector is
paused while the mesh is built, then the mesh is frozen (`gc.freeze`: moved out of the generations
the collector scans) until it is dropped. A collection of the two young generations first clears the
cycles the caller just left, so that none of them is frozen; a full one also traversed every older
object of the process, which in a long-lived process (the test suite, with dbt imported) was most of a
small command's time: 122 ms of CPU per `mesh check` against 33 ms (scripts/bench_inprocess.py).
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def built_uncollected(build: Callable[[], T]) -> T:
    """`build()` with the cyclic collector paused; its result stays out of collections while alive."""
    if not gc.isenabled():  # the caller manages collection itself
        return build()
    gc.collect(1)
    gc.disable()
    try:
        built = build()
        gc.freeze()
        weakref.finalize(built, gc.unfreeze)  # also run at exit: extension modules check for leaks then
        return built
    finally:
        gc.enable()
