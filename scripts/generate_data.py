"""Generate the mesh's raw data: deterministic, dirty, realistic Parquet per domain.

    python scripts/generate_data.py --scale 0.02 --seed 7 [--out DIR]
        [--as-of now|TIME] [--late-batch DOMAIN[:HOURS]] [--volume-drop DOMAIN[:FRACTION]]

Writes `<out>/raw/<domain>/<table>/*.parquet` (default out: $MESH_DATA_DIR or <repo>/data). The same
seed, scale and flags give byte-identical files. Scale 1 is about 1M order lines. `--as-of` moves the
arrival times so the data has just arrived at that time (`now` for a demo whose freshness checks pass);
`--late-batch` and `--volume-drop` inject incidents (scripts/datagen/arrivals.py).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import time
from pathlib import Path

from datagen import logistics, marketing, orders
from datagen.arrivals import Arrivals, parse_as_of, parse_incident
from datagen.engine import Sizes, connect
from datagen.output import Writer

REPO = Path(__file__).resolve().parent.parent


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"scale must be a number, got {text!r}") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"scale must be in (0, 100], got {value}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=_scale, default=1.0, help="size factor; 1 = about 1M order lines")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed = same bytes)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(os.environ.get("MESH_DATA_DIR") or REPO / "data"),
        help="data directory (default: $MESH_DATA_DIR or <repo>/data)",
    )
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--as-of", type=_as_of, default=None, metavar="TIME",
                        help="the world's clock: arrivals end just before TIME ('now' or ISO; default: "
                             "the synthetic timeline's own end, 2026-01-01)")  # fmt: skip
    parser.add_argument("--late-batch", type=_late, action="append", default=[], metavar="DOMAIN[:HOURS]",
                        help="the domain's extracts stopped HOURS (default 48) before the clock")  # fmt: skip
    parser.add_argument("--volume-drop", type=_drop, action="append", default=[],
                        metavar="DOMAIN[:FRACTION]",
                        help="only FRACTION (default 0.3) of the domain's last day arrives")  # fmt: skip
    return parser.parse_args(argv)


def _as_of(text: str) -> object:
    try:
        return parse_as_of(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--as-of must be 'now' or an ISO time, got {text!r}") from None


def _incident(text: str, default: float, *, fraction: bool) -> tuple[str, float]:
    try:
        return parse_incident(text, default, fraction=fraction)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None


def _late(text: str) -> tuple[str, float]:
    return _incident(text, 48.0, fraction=False)


def _drop(text: str) -> tuple[str, float]:
    return _incident(text, 0.3, fraction=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = Sizes.for_scale(args.scale)
    out_dir: Path = args.out.resolve()
    try:
        # the DuckDB warehouse files live beside the raw data; DuckDB does not create their folder
        (out_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot create output directory {out_dir}: {exc.strerror}", file=sys.stderr)
        return 2
    say = functools.partial(print, flush=True)
    started = time.perf_counter()
    say(f"generating scale {args.scale} seed {args.seed} into {out_dir / 'raw'}")
    # write everything aside and swap it in at the end: a failed or interrupted run leaves the previous
    # data whole, and a run at another scale leaves no stale files behind for the source globs
    staging = out_dir / ".raw.partial"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        arrivals = Arrivals(args.as_of, dict(args.late_batch), dict(args.volume_drop))
        writer = Writer(connect(args.seed, args.threads), staging, say, arrivals)
        _generate(sizes, writer)
        _swap_in(staging, out_dir / "raw")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    total = sum(writer.rows.values())
    say(f"done: {total:,} rows in {len(writer.rows)} tables, {time.perf_counter() - started:.1f}s")
    return 0


def _generate(sizes: Sizes, writer: Writer) -> None:
    orders.build_truth(writer.con, sizes)
    marketing.build_truth(writer.con, sizes)
    orders.write(sizes, writer)
    marketing.write(sizes, writer)
    logistics.write(sizes, writer)


def _swap_in(staging: Path, raw: Path) -> None:
    previous = raw.with_name(".raw.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if raw.exists():
        raw.rename(previous)
    staging.rename(raw)
    shutil.rmtree(previous, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
