"""Who gets a dbt interpreter of a pull request's pool (governance/build/runner.py `Slots`): planning and
builds before pre-parses, which only fill an interpreter nothing else waits for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from governance.build.runner import Slots

TIMEOUT = 10.0


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


def take(
    slots: Slots, name: str, *, urgent: bool, order: list[str], release: threading.Event
) -> threading.Thread:
    def hold() -> None:
        with slots.held(urgent=urgent):
            order.append(name)
            release.wait(TIMEOUT)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def test_a_build_waiting_for_an_interpreter_goes_before_a_preparse_that_waited_longer() -> None:
    slots, release = Slots(1), threading.Event()
    order: list[str] = []
    planning = take(slots, "planning", urgent=True, order=order, release=release)
    until(lambda: order == ["planning"], "planning to hold the interpreter")
    preparse = take(slots, "pre-parse", urgent=False, order=order, release=threading.Event())
    time.sleep(0.05)  # the pre-parse waits first (either way it must not go first)
    build = take(slots, "build", urgent=True, order=order, release=threading.Event())
    until(lambda: slots._urgent_waiting == 1, "the build to wait")
    release.set()
    planning.join(TIMEOUT)
    until(lambda: len(order) == 2, "the next holder")
    assert order == ["planning", "build"]
    assert preparse.is_alive() and build.is_alive()


def test_a_preparse_takes_an_interpreter_nothing_else_waits_for() -> None:
    slots, release = Slots(2), threading.Event()
    order: list[str] = []
    take(slots, "planning", urgent=True, order=order, release=release)
    take(slots, "pre-parse", urgent=False, order=order, release=release)
    until(lambda: sorted(order) == ["planning", "pre-parse"], "both to hold an interpreter")
    release.set()


def test_a_preparse_goes_once_no_build_waits() -> None:
    slots, hold_build = Slots(1), threading.Event()
    order: list[str] = []
    build = take(slots, "build", urgent=True, order=order, release=hold_build)
    until(lambda: order == ["build"], "the build to hold the interpreter")
    preparse = take(slots, "pre-parse", urgent=False, order=order, release=threading.Event())
    hold_build.set()
    build.join(TIMEOUT)
    until(lambda: order == ["build", "pre-parse"], "the pre-parse to follow")
    preparse.join(0)


def test_never_more_holders_than_interpreters() -> None:
    slots, lock, holding, most = Slots(2), threading.Lock(), [0], [0]

    def hold(urgent: bool) -> None:
        with slots.held(urgent=urgent):
            with lock:
                holding[0] += 1
                most[0] = max(most[0], holding[0])
            time.sleep(0.002)
            with lock:
                holding[0] -= 1

    threads = [threading.Thread(target=hold, args=(i % 3 == 0,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert most[0] == 2 and holding[0] == 0
