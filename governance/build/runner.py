"""Run one project's dbt steps (`dbt deps` when it declares packages, then `dbt build`) in their own process.

A subprocess per project, not in-process `dbtRunner`: dbt keeps global flags and adapter state, and
dbt-loom patches dbt internals per consumer project, so two projects cannot safely build concurrently
in one interpreter. `scripts/bench_build.py` measures what the process start costs. A pull-request
build (`BuildOptions.workers`) runs its projects one after another in long-lived dbt interpreters
instead (`WorkerPool`, governance/build/worker.py): a few nodes per project, so the start-up dominated.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from governance.build.results import FAILED_STATUSES, Outcome, ProjectResult, read_run_results
from governance.project import DbtProject, read_yaml

# Lines of dbt's error output that carry no cause: headers, separators, hints to read the logs.
NOISE_PREFIXES = ("Encountered an error", "Completed with", "Done.", "Finished running", "See the log")
MAX_REASON_LINES = 6
DEPS_MARKER = ".mesh-deps"  # in dbt_packages/: the packages declaration that was last installed


@dataclass(frozen=True)
class NodeEvent:
    """Progress of one dbt node, parsed from dbt's JSON log line."""

    project: str
    unique_id: str
    status: str  # started, success, error, pass, fail, warn, skipped...
    index: int | None
    total: int | None


ProgressCallback = Callable[[NodeEvent], None]


@dataclass(frozen=True)
class BuildOptions:
    """What `mesh build` passes to every project's `dbt build`, as a dbt user would type it."""

    target: str = "ci"
    select: Sequence[str] = ()
    exclude: Sequence[str] = ()
    vars: str | None = None  # YAML mapping, validated by the command
    full_refresh: bool = False
    # per-project extras (slim CI): explicit node selection, deferral state, environment
    project_select: dict[str, Sequence[str]] = field(default_factory=dict)
    defer_state: dict[str, Path] = field(default_factory=dict)
    project_env: dict[str, dict[str, str]] = field(default_factory=dict)
    project_target: dict[str, Path] = field(default_factory=dict)  # dbt's --target-path, else target/
    # dbt interpreters reused across projects and commands (a dbt start-up is about 2 s of CPU; on Spark
    # the session's JVM and metastore too); None: one dbt process per command
    workers: WorkerPool | None = None

    def target_dir(self, project: DbtProject) -> Path:
        return self.project_target.get(project.name, project.target_dir)


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (a virtualenv's), else the one on PATH."""
    dbt = Path(sys.executable).with_name("dbt")
    return str(dbt) if dbt.exists() else "dbt"


def dbt_command(project: DbtProject, options: BuildOptions, profiles_dir: Path) -> list[str]:
    """The `dbt build` invocation for one project."""
    command = [
        dbt_executable(),
        "build",
        "--project-dir", str(project.path),
        "--profiles-dir", str(profiles_dir),
        "--target", options.target,
        "--log-format", "json",
    ]  # fmt: skip
    if project.name in options.project_target:
        command += ["--target-path", str(options.target_dir(project))]
    select = options.project_select.get(project.name, options.select)
    if select:
        command += ["--select", *select]
    if options.exclude:
        command += ["--exclude", *options.exclude]
    if options.vars is not None:
        command += ["--vars", options.vars]
    if options.full_refresh:
        command.append("--full-refresh")
    state = options.defer_state.get(project.name)
    if state is not None:
        # unselected refs read production's relations, even where a stale pull-request copy exists
        command += ["--defer", "--favor-state", "--state", str(state)]
    return command


# The options of a dbt command that decide what it parses (the rest: what it runs, and how it logs).
PARSE_OPTIONS = ("--project-dir", "--profiles-dir", "--target", "--target-path", "--vars")


def parse_identity(argv: Sequence[str], env: Mapping[str, str]) -> str:
    """What a dbt command parses, as one digest: its parse options, its environment, and the upstream
    manifests its dbt-loom configuration names (the file's text, not its name). A pre-parse and the build
    after it with the same identity parse the same manifest, so the build may take the pre-parse's
    (worker.py `keep`/`reuse`); any difference (an upstream rebuilt by the pull request, another profile)
    parses again."""
    options = {name: argv[i + 1] for i, name in enumerate(argv[:-1]) if name in PARSE_OPTIONS}
    loom = env.get("DBT_LOOM_CONFIG")
    try:
        loom_text = Path(loom).read_text(encoding="utf-8") if loom else ""
    except OSError:
        loom_text = f"unreadable {loom}"
    parts = [options, sorted((k, v) for k, v in env.items() if k != "DBT_LOOM_CONFIG"), loom_text]
    return hashlib.sha256(orjson.dumps(parts)).hexdigest()


def packages_declaration(project: DbtProject) -> bytes:
    """The project's declared dbt packages (packages.yml, dependencies.yml `packages:`), b'' when none."""
    parts: list[bytes] = []
    packages = read_yaml(project.path / "packages.yml").get("packages")
    if packages:
        parts.append(orjson.dumps(packages, option=orjson.OPT_SORT_KEYS))
    dependencies = read_yaml(project.path / "dependencies.yml").get("packages")
    if dependencies:
        parts.append(orjson.dumps(dependencies, option=orjson.OPT_SORT_KEYS))
    if not parts:
        return b""
    lock = project.path / "package-lock.yml"
    if lock.is_file():
        parts.append(lock.read_bytes())
    return b"\n".join(parts)


def deps_needed(project: DbtProject) -> bool:
    """Whether `dbt deps` must run: packages declared, and not installed for this declaration yet."""
    declared = packages_declaration(project)
    if not declared:
        return False
    marker = project.path / "dbt_packages" / DEPS_MARKER
    return not marker.is_file() or marker.read_text() != hashlib.sha256(declared).hexdigest()


def record_deps(project: DbtProject) -> None:
    marker = project.path / "dbt_packages" / DEPS_MARKER
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(hashlib.sha256(packages_declaration(project)).hexdigest())


def parse_event(project: str, line: bytes) -> NodeEvent | None:
    """A NodeEvent for dbt log lines that carry node progress, else None."""
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict):
        return None
    node = data.get("node_info")
    if not isinstance(node, dict) or not node.get("unique_id"):
        return None
    index, total = data.get("index"), data.get("total")
    return NodeEvent(
        project=project,
        unique_id=str(node["unique_id"]),
        status=str(node.get("node_status") or data.get("status") or ""),
        index=int(index) if isinstance(index, int) else None,
        total=int(total) if isinstance(total, int) else None,
    )


def cause_lines(text: str) -> list[str]:
    """The lines of a dbt error message that say what went wrong (headers and blank lines dropped)."""
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith(NOISE_PREFIXES)]


_LOCK_HOLDER = re.compile(r"Could not set lock on file \"(?P<file>[^\"]+)\".*?\(PID (?P<pid>[0-9]+)\)", re.S)


def error_from_log(lines: Sequence[bytes]) -> str:
    """The cause of a failure that stopped dbt before or outside any node: its error-level log lines.

    A crash before logging started prints a Python traceback: only its last line (the exception) is the
    cause. A database file another process holds (two builds at once) is said as such, naming the pid.
    """
    causes: list[str] = []
    crash: list[str] = []
    for line in lines:
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            text = line.decode("utf-8", "replace").strip()  # plain text: a crash before logging started
            if text:
                crash.append(text)
            continue
        info = event.get("info", {}) if isinstance(event, dict) else {}
        if isinstance(info, dict) and info.get("level") == "error" and info.get("msg"):
            causes += [c for c in cause_lines(str(info["msg"])) if c not in causes]
    held = _LOCK_HOLDER.search("\n".join([*causes, *crash]))
    if held:
        return (
            f"{held['file']} is held by another process (pid {held['pid']}): another mesh build or a "
            "query writing it; run again when it finishes"
        )
    if any(text.startswith("Traceback (most recent call last)") for text in crash):
        crash = [text for text in crash if not text.startswith(("Traceback", "File ", "^", "~"))][-1:]
    return "\n".join([*crash, *causes][-MAX_REASON_LINES:])


def node_name(unique_id: str) -> str:
    """`model.orders.dim_customers.v2` -> `dim_customers.v2`; a test's trailing hash is dropped."""
    kind, _, rest = unique_id.partition(".")
    parts = rest.split(".")[1:]
    if kind == "test" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts) or unique_id


def error_from_results(run_results: Path) -> str:
    """The cause of the first failed node: its name and dbt's message for it, from run_results.json."""
    data = orjson.loads(run_results.read_bytes())
    for result in data.get("results", []):
        if result.get("status") in FAILED_STATUSES:
            node = node_name(str(result.get("unique_id", "")))
            causes = cause_lines(str(result.get("message") or ""))
            failed = sum(1 for r in data["results"] if r.get("status") in FAILED_STATUSES)
            more = f" (and {failed - 1} more failed node(s))" if failed > 1 else ""
            return "\n".join([f"{node}{more}:", *causes[:MAX_REASON_LINES]])
    return ""


def wait_with_usage(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Reap the dbt process and return (exit code, its own peak RSS in MB).

    `os.wait4` gives this one child's resource usage; `RUSAGE_CHILDREN` would mix in every other child.
    """
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024


# A dbt child must not outlive `mesh build`: left running it keeps building and holds the DuckDB write
# lock. On Linux the child asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG: covers
# SIGKILL of mesh, which no handler sees) before it becomes dbt; a SIGTERM to mesh is forwarded to every
# running child (`forward_termination`). The shim is a second interpreter start (~20 ms per project); the
# pool's dbt interpreters ask for the signal themselves (worker.py `die_with_parent`, the shim's own code).
_DIE_WITH_PARENT = (
    "import os, sys\n"
    "from governance.build.worker import die_with_parent\n"
    "die_with_parent(int(sys.argv[1]))\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)
_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()
KILL_AFTER_SECONDS = 10.0


def _terminate_children(signum: int, _frame: object) -> None:
    """SIGTERM to mesh: the same to every dbt child (SIGKILL to those still alive after
    KILL_AFTER_SECONDS), then mesh exits 143 once its threads have reaped them."""
    with _RUNNING_LOCK:
        children = list(_RUNNING)
    for child in children:
        with contextlib.suppress(OSError):
            child.send_signal(signal.SIGTERM)

    def kill_stragglers() -> None:
        time.sleep(KILL_AFTER_SECONDS)
        with _RUNNING_LOCK:
            for child in _RUNNING:
                with contextlib.suppress(OSError):
                    child.kill()

    threading.Thread(target=kill_stragglers, daemon=True).start()
    raise SystemExit(128 + signum)


def forward_termination() -> None:
    """Install the SIGTERM forwarding (main thread only; `mesh build` calls it before starting dbt)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate_children)


def run_dbt(
    command: list[str], project: DbtProject, env: dict[str, str], on_line: Callable[[bytes], None]
) -> tuple[int, float, list[bytes]]:
    """Run one dbt command in the project folder (dbt-loom reads its config from there)."""
    lines: list[bytes] = []
    shim = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid())] if sys.platform == "linux" else []
    with subprocess.Popen(
        [*shim, *command], cwd=project.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    ) as process:
        with _RUNNING_LOCK:
            _RUNNING.add(process)
        try:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                on_line(line)
            returncode, peak_rss_mb = wait_with_usage(process)
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(process)
    return returncode, peak_rss_mb, lines


class Slots:
    """`size` interpreters to hand out; a command that waits for one (planning, a project's build) goes
    before every preparatory one (a pre-parse), which only takes an interpreter that no such command
    waits for, or has been promised (`reserve`: a build about to start). Preparatory commands go in the
    order they asked: the thread that just ended one never overtakes one that waits (pre-parses are
    queued upstream first, so the next build's parse comes before a later one's)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._used = 0
        self._urgent_waiting = 0  # urgent commands waiting, and interpreters reserved for builds to come
        self._preparatory: collections.deque[object] = collections.deque()  # waiting, first asked first
        self._changed = threading.Condition()

    def acquire(self, *, urgent: bool, reserved: bool = False) -> None:
        """Wait for an interpreter; `reserved`: an urgent command that `reserve` already counted."""
        with self._changed:
            if urgent:
                self._urgent_waiting += not reserved
                try:
                    self._changed.wait_for(lambda: self.size - self._used > 0)
                finally:
                    self._urgent_waiting -= 1
            else:
                turn = object()
                self._preparatory.append(turn)
                try:
                    self._changed.wait_for(
                        lambda: self._preparatory[0] is turn and self.size - self._used > self._urgent_waiting
                    )
                finally:
                    self._preparatory.remove(turn)
                    self._changed.notify_all()  # the next in line may go
            self._used += 1
            self._changed.notify_all()  # a preparatory waiter may go now that fewer urgent ones wait

    def release(self) -> None:
        with self._changed:
            self._used -= 1
            self._changed.notify_all()

    def reserve(self) -> None:
        """Count an urgent command that has not asked yet: preparatory ones leave it an interpreter."""
        with self._changed:
            self._urgent_waiting += 1

    def unreserve(self) -> None:
        with self._changed:
            self._urgent_waiting -= 1
            self._changed.notify_all()

    @contextlib.contextmanager
    def held(self, *, urgent: bool) -> Iterator[None]:
        self.acquire(urgent=urgent)
        try:
            yield
        finally:
            self.release()


class WorkerPool:
    """Up to `size` long-lived dbt interpreters (governance/build/worker.py), started when first needed
    (or ahead of it: `prestart`), each running one dbt command at a time; `close` (or leaving a `with`
    block) ends them (also at exit, and when stdin closes)."""

    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self._slots = Slots(self.size)
        self.closed = False  # no interpreter starts after `close`
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mesh-dbt-workers")
        self._lock = threading.Lock()
        self._idle: list[subprocess.Popen[bytes]] = []
        self._started: list[subprocess.Popen[bytes]] = []
        self._prestarted: list[Future[subprocess.Popen[bytes]]] = []  # spawned ahead, not yet given a command
        self.starts = 0  # interpreters started (what the pool saves is the difference to the commands run)
        # per key (a project): one command at a time, and whether its build has started (`run_unless_claimed`)
        self._keys: dict[str, threading.Lock] = {}
        self._claimed: set[str] = set()
        # a build and its key's pre-parse: announced (`expect`), promised an interpreter, waiting for the
        # pre-parse to end, handed the pre-parse's interpreter; and the pre-parses under way
        self._expected: set[str] = set()
        self._reserved: set[str] = set()
        self._waiting: set[str] = set()
        self._handed: set[str] = set()
        self._preparsing: set[str] = set()
        self._kept: dict[int, str] = {}  # per interpreter (pid): the identity of the manifest it kept
        atexit.register(self.close)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def prestart(self, count: int) -> None:
        """Start up to `count` interpreters now, without waiting: each imports dbt while the caller goes
        on, and the first commands take them (never more than `size` interpreters in all)."""
        with self._lock:
            if self.closed:
                return
            missing = min(count, self.size) - len(self._started) - len(self._prestarted)
            for _ in range(max(missing, 0)):
                self._prestarted.append(self._spawner.submit(self._spawn))

    def _start(self) -> subprocess.Popen[bytes]:
        # PR_SET_PDEATHSIG fires when the *thread* that started the child ends: every interpreter is started
        # from the pool's own thread, which lives until `close` (a pre-parse thread, or a scheduler thread,
        # may end while its interpreter still serves the build)
        return self._spawner.submit(self._spawn).result()

    def _spawn(self) -> subprocess.Popen[bytes]:
        parent = ["--parent", str(os.getpid())] if sys.platform == "linux" else []  # it dies with mesh
        process = subprocess.Popen(
            [sys.executable, "-u", "-m", "governance.build.worker", *parent],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        with _RUNNING_LOCK:
            _RUNNING.add(process)
        with self._lock:
            self._started.append(process)
            self.starts += 1
        return process

    def _key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._keys.setdefault(key, threading.Lock())

    def expect(self, keys: Sequence[str]) -> None:
        """Announce the builds that start first (a plan's projects with nothing upstream to wait for):
        pre-parses leave each an interpreter from now on, or, while its own pre-parse runs, that pre-parse
        hands over its interpreter when it ends (`run_unless_claimed`). Before, the thread that ended a
        pre-parse took its interpreter straight back for the next one, and the build waited a parse."""
        with self._lock:
            for key in keys:
                if key in self._claimed:
                    continue
                self._claimed.add(key)
                self._expected.add(key)
                if key not in self._preparsing:
                    self._reserved.add(key)
                    self._slots.reserve()

    def run(
        self, request: Mapping[str, object], on_line: Callable[[bytes], None], *, key: str | None = None
    ) -> tuple[int, float, list[bytes]]:
        """Send one request (see worker.py) and stream its output: (exit code, worker's peak RSS, lines).

        With a `key` (a project's build): marks it claimed, and waits for a command of the same key that
        is under way (its pre-parse) to finish first, then runs in that command's interpreter."""
        if key is None:
            return self._run(request, on_line)
        lock = self._key_lock(key)
        with self._lock:
            self._claimed.add(key)
            self._expected.discard(key)
            reserved = key in self._reserved
            self._reserved.discard(key)
            self._waiting.add(key)
        with lock:
            with self._lock:
                self._waiting.discard(key)
                handed = key in self._handed
                self._handed.discard(key)
            if handed:
                if reserved:  # promised an interpreter too: give the promise back
                    self._slots.unreserve()
            else:
                self._slots.acquire(urgent=True, reserved=reserved)
            try:
                return self._run_held(request, on_line)
            finally:
                self._slots.release()

    def run_unless_claimed(self, request: Mapping[str, object], key: str) -> bool:
        """Run a preparatory command for `key` (its output dropped) unless the key's own command has
        started (then False): never both at once, never the preparation after it. It takes an interpreter
        only when no other command is waiting for one, and never waits for a key while holding one. When
        it ends while the key's build waits, the build gets its interpreter."""
        self._slots.acquire(urgent=False)
        handed = False
        try:
            lock = self._key_lock(key)
            if not lock.acquire(blocking=False):  # the key's own command is under way
                return False
            try:
                with self._lock:
                    if key in self._claimed:
                        return False
                    self._preparsing.add(key)
                # at low priority: it fills the cores the builds leave idle (worker.py `in_background`)
                returncode, _, _ = self._run_held({**request, "background": True}, lambda _: None)
                return returncode == 0
            finally:
                with self._lock:
                    self._preparsing.discard(key)
                    if key in self._waiting:
                        self._handed.add(key)
                        handed = True
                    elif key in self._expected and key not in self._reserved:
                        self._reserved.add(key)
                        self._slots.reserve()
                lock.release()
        finally:
            if not handed:
                self._slots.release()

    def _run(
        self, request: Mapping[str, object], on_line: Callable[[bytes], None]
    ) -> tuple[int, float, list[bytes]]:
        with self._slots.held(urgent=True):
            return self._run_held(request, on_line)

    def _take_idle(self, reuse: object) -> subprocess.Popen[bytes] | None:
        """An idle interpreter (under `_lock`): the one that kept the manifest `reuse` names, else one that
        kept none (a manifest kept elsewhere may be its build's next), else the last to become idle. The
        one taken forgets what it kept (worker.py drops it at its next command)."""
        if not self._idle:
            return None

        def rank(process: subprocess.Popen[bytes]) -> int:
            kept = self._kept.get(process.pid)
            return 0 if reuse is not None and kept == reuse else 1 if kept is None else 2

        process = min(reversed(self._idle), key=rank)
        self._idle.remove(process)
        self._kept.pop(process.pid, None)
        return process

    def _run_held(
        self, request: Mapping[str, object], on_line: Callable[[bytes], None]
    ) -> tuple[int, float, list[bytes]]:
        from governance.build.worker import DONE_MARK

        mark = DONE_MARK.encode()
        with self._lock:
            if self.closed:
                return 2, 0.0, [b"the dbt worker pool is closed"]
            process = self._take_idle(request.get("reuse"))
            ahead = self._prestarted.pop(0) if process is None and self._prestarted else None
        if ahead is not None:
            try:
                process = ahead.result()
            except RuntimeError:  # closed meanwhile
                return 2, 0.0, [b"the dbt worker pool is closed"]
        if process is None or process.poll() is not None:
            try:
                process = self._start()
            except RuntimeError:  # closed meanwhile
                return 2, 0.0, [b"the dbt worker pool is closed"]
        assert process.stdin is not None and process.stdout is not None
        lines: list[bytes] = []
        try:
            process.stdin.write(orjson.dumps(request) + b"\n")
            process.stdin.flush()
        except OSError:
            return process.wait(), 0.0, [b"the dbt worker process exited"]
        for line in process.stdout:
            if line.startswith(mark):
                done = orjson.loads(line[len(mark) :])
                returncode = int(done["returncode"])
                with self._lock:
                    self._idle.append(process)
                    if request.get("keep") is not None and returncode == 0:
                        self._kept[process.pid] = str(request["keep"])
                return returncode, float(done["peak_rss_mb"]), lines
            lines.append(line)
            on_line(line)
        returncode = process.wait()  # the worker died mid-command: its output says why
        return returncode or 2, 0.0, lines

    def close(self) -> None:
        with self._lock:
            self.closed = True
            ahead, self._prestarted = self._prestarted, []
        for future in ahead:  # one not yet spawned never is; one under way is closed with the others
            if not future.cancel():
                with contextlib.suppress(Exception):
                    future.result()
        with self._lock:
            started, self._started, self._idle = self._started, [], []
        for process in started:
            with contextlib.suppress(OSError):
                assert process.stdin is not None
                process.stdin.close()
        for process in started:
            try:
                process.wait(timeout=KILL_AFTER_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
            with _RUNNING_LOCK:
                _RUNNING.discard(process)
        self._spawner.shutdown(wait=False)  # its thread ends: interpreters not closed above die with it


def install_packages(project: DbtProject, profiles_dir: Path, env: dict[str, str]) -> str:
    """`dbt deps` where the project declares packages not yet installed; the failure's cause, or ''."""
    if not deps_needed(project):
        return ""
    command = [dbt_executable(), "deps", "--project-dir", str(project.path),
               "--profiles-dir", str(profiles_dir), "--log-format", "json"]  # fmt: skip
    returncode, _, lines = run_dbt(command, project, env, lambda _: None)
    if returncode != 0:
        return "dbt deps failed:\n" + (error_from_log(lines) or f"dbt deps exited with {returncode}")
    record_deps(project)
    return ""


def build_project(
    project: DbtProject,
    *,
    options: BuildOptions,
    profiles_dir: Path,
    on_progress: ProgressCallback,
    env: dict[str, str] | None = None,
) -> ProjectResult:
    """Install packages, build one project, stream node progress; summarise from run_results.json."""
    started = time.perf_counter()
    full_env = {**os.environ, **(env or {}), **options.project_env.get(project.name, {})}
    deps_error = install_packages(project, profiles_dir, full_env)
    if deps_error:
        seconds = time.perf_counter() - started
        return ProjectResult(project.name, Outcome.FAILED, seconds, reason=deps_error)
    run_results = options.target_dir(project) / "run_results.json"
    run_results.unlink(missing_ok=True)  # never report a previous run's results as this one's

    def on_line(line: bytes) -> None:
        event = parse_event(project.name, line)
        if event is not None:
            on_progress(event)

    command = dbt_command(project, options, profiles_dir)
    if options.workers is not None:
        request = {"argv": command[1:], "cwd": str(project.path), "env": full_env,
                   "reuse": parse_identity(command[1:], full_env)}  # fmt: skip
        returncode, peak_rss_mb, lines = options.workers.run(request, on_line, key=project.name)
    else:
        returncode, peak_rss_mb, lines = run_dbt(command, project, full_env, on_line)
    seconds = time.perf_counter() - started
    if not run_results.is_file():
        reason = error_from_log(lines) or f"dbt exited with {returncode} before running any node"
        return ProjectResult(project.name, Outcome.FAILED, seconds, reason=reason, peak_rss_mb=peak_rss_mb)
    counts = read_run_results(run_results)
    outcome = Outcome.SUCCESS if returncode == 0 and not counts.failed else Outcome.FAILED
    reason = ""
    if outcome is Outcome.FAILED:
        reason = (
            error_from_results(run_results)
            or error_from_log(lines)
            or f"dbt exited with {returncode}; {len(counts.failed)} node(s) failed"
        )
    return ProjectResult(
        project.name, outcome, seconds, counts.models, counts.tests, counts.failed, counts.sql_seconds,
        reason=reason, peak_rss_mb=peak_rss_mb, seeds=counts.seeds, built=counts.built,
    )  # fmt: skip
