"""Who gets a dbt interpreter of a pull request's pool (governance/build/runner.py `Slots`, `WorkerPool`):
planning and builds before pre-parses, which only fill an interpreter nothing else waits for or was
promised, and hand theirs to their project's build when it waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from governance.build.runner import Slots, WorkerPool

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


def test_preparses_take_an_interpreter_in_the_order_they_asked() -> None:
    """The thread that ends a pre-parse and asks again at once (slim's loop, on to the next project)
    never overtakes a pre-parse that was already waiting: marketing's parse, queued before hub's, must
    not end after it while marketing's build waits (the stg_orders timeline of issue 23)."""
    slots = Slots(1)
    order: list[str] = []
    logistics_done = threading.Event()

    def loop() -> None:  # one pre-parse thread: logistics, then straight on to hub
        with slots.held(urgent=False):
            order.append("logistics")
            logistics_done.wait(TIMEOUT)
        with slots.held(urgent=False):
            order.append("hub")
            threading.Event().wait(TIMEOUT)  # holds it, as marketing does

    first = threading.Thread(target=loop, daemon=True)
    first.start()
    until(lambda: order == ["logistics"], "logistics' pre-parse")
    marketing = take(slots, "marketing", urgent=False, order=order, release=threading.Event())
    until(lambda: len(slots._preparatory) == 1, "marketing's pre-parse to wait")
    logistics_done.set()
    until(lambda: len(order) >= 2, "the next pre-parse")
    assert order == ["logistics", "marketing"]
    assert first.is_alive() and marketing.is_alive()


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


class ScriptedPool(WorkerPool):
    """A pool whose commands are scripted: each request names itself, and holds its interpreter until
    the test opens its gate."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.order: list[str] = []
        self.requests: dict[str, Mapping[str, object]] = {}
        self.gates: dict[str, threading.Event] = {}
        self._script = threading.Lock()

    def gate(self, name: str) -> threading.Event:
        with self._script:
            return self.gates.setdefault(name, threading.Event())

    def _run_held(
        self, request: Mapping[str, object], on_line: Callable[[bytes], None]
    ) -> tuple[int, float, list[bytes]]:
        name = str(request["name"])
        with self._script:
            self.order.append(name)
            self.requests[name] = request
        assert self.gate(name).wait(TIMEOUT), f"{name} was never let go"
        return 0, 0.0, []


def in_thread(*steps: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=lambda: [step() for step in steps], daemon=True)
    thread.start()
    return thread


def preparse(pool: WorkerPool, project: str) -> Callable[[], object]:
    return lambda: pool.run_unless_claimed({"name": f"parse {project}"}, project)


def build(pool: WorkerPool, project: str) -> Callable[[], object]:
    return lambda: pool.run({"name": f"build {project}"}, lambda _: None, key=project)


def test_a_preparse_that_ends_while_its_build_waits_hands_the_build_its_interpreter() -> None:
    pool = ScriptedPool(2)
    # one pre-parse thread goes from orders straight on to marketing, as slim's pre-parse loop does
    loop = in_thread(preparse(pool, "orders"), preparse(pool, "marketing"))
    until(lambda: pool.order == ["parse orders"], "orders' pre-parse")
    in_thread(preparse(pool, "logistics"))  # the other interpreter: orders' build will get orders'
    until(lambda: "parse logistics" in pool.order, "logistics' pre-parse")
    orders = in_thread(build(pool, "orders"))
    until(lambda: "orders" in pool._claimed, "orders' build to wait for its pre-parse")
    pool.gate("parse orders").set()
    until(lambda: "build orders" in pool.order, "orders' build")
    assert pool.order == ["parse orders", "parse logistics", "build orders"]  # marketing waits
    pool.gate("parse logistics").set()
    until(lambda: "parse marketing" in pool.order, "marketing's pre-parse, in logistics' interpreter")
    for name in ("build orders", "parse marketing"):
        pool.gate(name).set()
    loop.join(TIMEOUT)
    orders.join(TIMEOUT)
    assert pool._slots._used == 0 and pool._slots._urgent_waiting == 0


def test_a_build_announced_ahead_is_left_an_interpreter_by_the_preparses_after_it() -> None:
    pool = ScriptedPool(2)
    pool.expect(["orders"])
    assert pool.run_unless_claimed({"name": "parse orders"}, "orders") is False  # its build parses itself
    in_thread(preparse(pool, "logistics"))
    in_thread(preparse(pool, "marketing"))
    until(lambda: len(pool.order) == 1, "one pre-parse")
    time.sleep(0.05)  # the other pre-parse must keep waiting: the second interpreter is orders'
    assert len(pool.order) == 1
    orders = in_thread(build(pool, "orders"))
    until(lambda: "build orders" in pool.order, "orders' build, at once")
    for gate in ("parse logistics", "parse marketing", "build orders"):
        pool.gate(gate).set()
    until(lambda: len(pool.order) == 3, "the other pre-parse, once an interpreter is free")
    orders.join(TIMEOUT)
    until(lambda: pool._slots._used == 0, "every interpreter back")
    assert pool._slots._urgent_waiting == 0


def test_a_preparse_that_ends_before_its_announced_build_asks_keeps_it_an_interpreter() -> None:
    pool = ScriptedPool(2)
    parsing = in_thread(preparse(pool, "orders"))
    until(lambda: pool.order == ["parse orders"], "orders' pre-parse")
    pool.expect(["orders"])  # the plan is decided while orders is being parsed
    pool.gate("parse orders").set()
    parsing.join(TIMEOUT)
    in_thread(preparse(pool, "logistics"))
    in_thread(preparse(pool, "marketing"))
    until(lambda: len(pool.order) == 2, "one more pre-parse")
    time.sleep(0.05)
    assert len(pool.order) == 2  # not both: orders' build was promised an interpreter
    orders = in_thread(build(pool, "orders"))
    until(lambda: "build orders" in pool.order, "orders' build, at once")
    for gate in ("parse logistics", "parse marketing", "build orders"):
        pool.gate(gate).set()
    orders.join(TIMEOUT)
    until(lambda: len(pool.order) == 4 and pool._slots._used == 0, "everything to end")
    assert pool._slots._urgent_waiting == 0


def test_a_preparse_asks_for_low_priority_and_a_build_does_not() -> None:
    pool = ScriptedPool(2)
    for name in ("parse orders", "build orders"):
        pool.gate(name).set()
    preparse(pool, "orders")()
    build(pool, "orders")()
    assert pool.requests["parse orders"].get("background") is True
    assert not pool.requests["build orders"].get("background")
