"""Benchmark `mesh docs` and `mesh contracts export` on the synthetic 10,000-model / 50-domain mesh, and the
site in headless Chromium (home page load from disk, search over every product and column).

    .venv/bin/python scripts/bench_docs.py   (section of docs/benchmarks.md)

Alternates, `--repeat` times, as subprocesses over one synthetic repository (scripts/generate_manifests.py):
  * `mesh docs --out DIR` (load, every policy rule, lineage, contracts, every page, the indexes);
  * `mesh contracts export --out DIR`;
  * `mesh check --format json`, side by side, as the reference: the site runs the same rules, so
    "docs / check" says what the catalog costs on top of the policy run.
Then Debian's Chromium (Playwright) opens the generated home page from disk `--repeat` times (navigation
`loadEventEnd`), and times `MeshSearch.search()` in the page for queries that scan every product and column.
Reported: medians (and the worst run), peak RSS per process (wait4), and the site's size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".mesh" / "bench"
MESH = [sys.executable, "-m", "governance"]
CHROMIUM = os.environ.get("MESH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# In the page: a product-name fragment, the most common column name, the rarest one, a classification,
# and no match at all (a full scan of every product and column).
PICK_QUERIES = """() => {
  const counts = new Map();
  for (const p of MESH_INDEX.products) for (const c of p.columns) counts.set(c, (counts.get(c) || 0) + 1);
  const byCount = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return ["fct_", byCount[0][0], byCount[byCount.length - 1][0], "confidential", "zz-no-such-thing"];
}"""


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB, CPU seconds user+sys with its workers); fails loudly on failure."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if code not in (0, 1):  # mesh check exits 1 on the synthetic mesh's seeded violations
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{stderr}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def ensure_mesh(models: int, domains: int, columns: int) -> Path:
    mesh_dir = BENCH / f"docs-mesh-{models}x{domains}"
    if not (mesh_dir / "target" / "manifest.json").is_file():
        subprocess.run(
            [
                sys.executable, str(ROOT / "scripts" / "generate_manifests.py"), "--domains", str(domains),
                "--models", str(models), "--columns", str(columns), "--out", str(mesh_dir),
            ],
            check=True,
        )  # fmt: skip
    return mesh_dir


def browser_figures(site: Path, repeat: int) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        loads = []
        for _ in range(repeat):
            page = browser.new_page()
            page.goto((site / "index.html").as_uri())
            page.wait_for_load_state("load")
            loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
            page.close()
        page = browser.new_page()
        page.goto((site / "index.html").as_uri())
        load_ms = page.evaluate(
            "new Promise(done => { const t = performance.now(); "
            "MeshSearch.load(() => done(performance.now() - t)); })"
        )
        size = page.evaluate(
            "[MESH_INDEX.products.length, MESH_INDEX.products.reduce((n, p) => n + p.columns.length, 0)]"
        )
        queries = page.evaluate(PICK_QUERIES)
        first = page.evaluate(
            "q => { const t = performance.now(); const hits = MeshSearch.search(q); "
            "return [performance.now() - t, hits.length]; }",
            queries[0],
        )
        searches: dict[str, list[float]] = {q: [] for q in queries}
        hits: dict[str, int] = {}
        for _ in range(repeat):
            for query in queries:
                took, found = page.evaluate(
                    "q => { const t = performance.now(); const hits = MeshSearch.search(q); "
                    "return [performance.now() - t, hits.length]; }",
                    query,
                )
                searches[query].append(took)
                hits[query] = found
        browser.close()
    return {
        "loads": loads,
        "products": size[0],
        "columns": size[1],
        "first_search_ms": first[0],
        "index_load_ms": load_ms,
        "searches": searches,
        "hits": hits,
    }


def folder_size(folder: Path) -> tuple[int, float]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10000)
    parser.add_argument("--domains", type=int, default=50)
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--work",
        type=Path,
        default=BENCH / "docs-work",
        help="where the outputs go (e.g. a tmpfs such as /dev/shm to leave out a busy disk's file creation)",
    )
    args = parser.parse_args()
    mesh_dir = ensure_mesh(args.models, args.domains, args.columns)
    work = args.work / "mesh-docs-bench"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "MESH_ROOT": str(mesh_dir)}
    commands = {
        "mesh docs": [*MESH, "docs", "--out", str(work / "site")],
        "mesh contracts export": [*MESH, "contracts", "export", "--out", str(work / "contracts")],
        "mesh check (reference)": [*MESH, "check", "--format", "json", "--output", str(work / "check.json")],
    }
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    load_before = os.getloadavg()[0]
    for _ in range(args.repeat):
        for name, cmd in commands.items():
            runs[name].append(run_measured(cmd, env))
    browser = browser_figures(work / "site", args.repeat)
    files, megabytes = folder_size(work / "site")
    contracts, contract_mb = folder_size(work / "contracts")

    command = "python scripts/bench_docs.py " + " ".join(sys.argv[1:])
    lines = [
        f"Command: `{command.strip()}` on a synthetic mesh of {args.models:,} models / {args.domains} "
        f"domains ({args.columns} columns each); medians of {args.repeat} runs, each a fresh process; "
        f"outputs under {args.work}.",
        "",
        "| step | median wall | worst wall | median CPU (user+sys, with workers) | peak RSS |",
        "|---|---|---|---|---|",
    ]
    for name, measured in runs.items():
        walls = [w for w, _, _ in measured]
        cpu = statistics.median(c for _, _, c in measured)
        lines.append(
            f"| `{name}` | **{statistics.median(walls):.2f} s** | {max(walls):.2f} s | {cpu:.2f} s | "
            f"{max(r for _, r, _ in measured):.0f} MB |"
        )
    docs = statistics.median(w for w, _, _ in runs["mesh docs"])
    check = statistics.median(w for w, _, _ in runs["mesh check (reference)"])
    loads = browser["loads"]
    searches = browser["searches"]
    assert isinstance(loads, list) and isinstance(searches, dict)
    lines += [
        "",
        f"- Site: {files:,} files, {megabytes:.1f} MB; contracts: {contracts:,} files, {contract_mb:.1f} MB. "
        f"`mesh docs` / `mesh check` = {docs / check:.2f}x (the site runs the same rules, then renders).",
        "- Home page in Chromium from disk (`loadEventEnd`): "
        f"median **{statistics.median(loads) * 1000:.0f} ms**, worst {max(loads) * 1000:.0f} ms.",
        f"- Search over {browser['products']:,} products and {browser['columns']:,} columns in the page: "
        f"loading and lower-casing the index (once, when the box is first focused) "
        f"{browser['index_load_ms']:.0f} ms; first query {browser['first_search_ms']:.1f} ms; then per query "
        "(median / worst of the runs, hits):",
    ]
    hits = browser["hits"]
    assert isinstance(hits, dict)
    for query, times in searches.items():
        lines.append(
            f"  `{query}` {statistics.median(times):.1f} / {max(times):.1f} ms ({hits[query]:,} hits)"
        )
    lines.append(f"- Load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}.")
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
