"""The generator's arrivals over time: the world's clock, a late batch, a volume drop, and the skew of
carriers, channels, weekdays and transit times (scripts/generate_data.py, scripts/datagen/arrivals.py)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "generate_data.py"
AS_OF = "2026-06-01T12:00:00"


def generate(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--scale", "0.003", "--seed", "5", "--out", str(out), *extra]
    return subprocess.run(command, check=False, capture_output=True, text=True)


def digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((out / "raw").rglob("*.parquet"))
    }


def scalar(out: Path, table: str, expression: str, where: str = "true") -> object:
    with duckdb.connect() as con:
        row = con.execute(
            f"select {expression} from read_parquet('{out}/raw/{table}/*.parquet') where {where}"
        ).fetchone()
    assert row is not None
    return row[0]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plain")
    assert generate(out).returncode == 0
    return out


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("as-of")
    assert generate(out, "--as-of", AS_OF).returncode == 0
    return out


def test_as_of_moves_only_arrival_times_so_the_last_load_lands_just_before_it(
    plain: Path, current: Path
) -> None:
    assert scalar(plain, "orders/orders", "max(_loaded_at)") == datetime(2026, 1, 1, 2)
    assert scalar(current, "orders/orders", "max(_loaded_at)") == datetime(2026, 6, 1, 11)
    for table in ("orders/orders", "logistics/delivery_events", "marketing/web_events"):
        assert scalar(current, table, "count(*)") == scalar(plain, table, "count(*)")
    # business times are untouched: the same orders, placed when they were
    assert scalar(current, "orders/orders", "max(ordered_at)") == scalar(
        plain, "orders/orders", "max(ordered_at)"
    )
    shift = scalar(current, "logistics/delivery_events", "max(received_at)") - scalar(  # type: ignore[operator]
        plain, "logistics/delivery_events", "max(received_at)"
    )
    assert shift == datetime(2026, 6, 1, 9) - datetime(2026, 1, 1, 0)


def test_a_late_batch_holds_the_domains_recent_arrivals_back(tmp_path: Path, current: Path) -> None:
    assert generate(tmp_path, "--as-of", AS_OF, "--late-batch", "orders:30").returncode == 0
    newest = scalar(tmp_path, "orders/orders", "max(_loaded_at)")
    assert newest <= datetime(2026, 5, 31, 6)  # type: ignore[operator]
    assert scalar(tmp_path, "orders/orders", "count(*)") < scalar(current, "orders/orders", "count(*)")  # type: ignore[operator]
    # other domains arrive as usual
    assert (
        digests(tmp_path)["raw/marketing/campaigns/campaigns.parquet"]
        == digests(current)["raw/marketing/campaigns/campaigns.parquet"]
    )


def test_a_volume_drop_thins_the_last_day_only(tmp_path: Path, current: Path) -> None:
    assert generate(tmp_path, "--as-of", AS_OF, "--volume-drop", "logistics:0.2").returncode == 0
    last_day = "received_at > timestamp '2026-05-31 12:00:00'"
    before = scalar(current, "logistics/delivery_events", "count(*)", last_day)
    after = scalar(tmp_path, "logistics/delivery_events", "count(*)", last_day)
    assert 0 < after < 0.4 * before  # type: ignore[operator]
    earlier = "received_at <= timestamp '2026-05-31 12:00:00'"
    assert scalar(tmp_path, "logistics/delivery_events", "count(*)", earlier) == scalar(
        current, "logistics/delivery_events", "count(*)", earlier
    )


def test_the_same_flags_give_the_same_bytes(tmp_path: Path) -> None:
    flags = ("--as-of", AS_OF, "--late-batch", "orders", "--volume-drop", "marketing:0.5")
    assert generate(tmp_path / "a", *flags).returncode == 0
    assert generate(tmp_path / "b", *flags).returncode == 0
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_carriers_channels_and_weekdays_are_skewed(plain: Path) -> None:
    shipments = f"read_parquet('{plain}/raw/logistics/shipments/*.parquet')"
    orders = f"read_parquet('{plain}/raw/orders/orders/*.parquet')"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        carriers = dict(con.execute(f"select carrier_id, count(*) from {shipments} group by 1").fetchall())
        channels = dict(
            con.execute(f"select channel, count(distinct order_id) from {orders} group by 1").fetchall()
        )
        placed = f"select isodow(min(cast(ordered_at as timestamptz))) as day from {orders} group by order_id"
        days = dict(con.execute(f"select day, count(*) from ({placed}) group by 1").fetchall())
    assert carriers[1] > 2 * carriers[8]  # DHL carries far more than Colissimo
    assert channels["web"] > channels["app"] > channels["marketplace"]
    assert days[1] > 1.5 * days[3]  # Monday peak ...
    assert days[6] + days[7] < 0.8 * (days[3] + days[4])  # ... and weekend trough


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--as-of", "soon"], "--as-of must be 'now' or an ISO time"),
        (["--late-batch", "billing"], "unknown domain 'billing'"),
        (["--volume-drop", "orders:1.5"], "fraction must be in [0, 1)"),
    ],
)
def test_bad_flags_are_usage_errors(tmp_path: Path, flags: list[str], message: str) -> None:
    result = generate(tmp_path, *flags)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "raw").exists()
