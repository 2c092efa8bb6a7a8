"""The synthetic data generator: reproducible to the byte, and dirty in the ways silver must clean."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "generate_data.py"
TABLES = {
    "orders": ("customers", "products", "orders", "order_lines"),
    "marketing": ("campaigns", "campaign_spend", "web_events"),
    "logistics": ("carriers", "shipments", "delivery_events"),
}


def _generate(out: Path, seed: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", "0.002", "--seed", str(seed), "--out", str(out), *extra],
        check=False,
        capture_output=True,
        text=True,
    )


def _digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((out / "raw").rglob("*.parquet"))
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen-a")
    result = _generate(out, 7)
    assert result.returncode == 0, result.stderr
    return out


def _scalar(query: str) -> int:
    with duckdb.connect() as con:
        row = con.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def test_every_table_is_written_and_reported(generated: Path) -> None:
    for domain, tables in TABLES.items():
        for table in tables:
            files = list((generated / "raw" / domain / table).glob("*.parquet"))
            assert files, f"{domain}.{table} missing"
    assert (generated / "warehouse").is_dir()


def test_same_seed_gives_identical_bytes_whatever_the_thread_count(generated: Path, tmp_path: Path) -> None:
    assert _generate(tmp_path / "b", 7, "--threads", "1").returncode == 0
    assert _digests(tmp_path / "b") == _digests(generated)


def test_another_seed_gives_other_data(generated: Path, tmp_path: Path) -> None:
    assert _generate(tmp_path / "c", 8).returncode == 0
    assert _digests(tmp_path / "c") != _digests(generated)


def test_raw_data_carries_the_dirt_silver_cleans(generated: Path) -> None:
    raw = generated / "raw"
    customers = f"'{raw}/orders/customers/*.parquet'"
    assert _scalar(f"select count(*) - count(distinct customer_id) from {customers}") > 0
    assert _scalar(f"select count(*) from {customers} where email is not null and email not like '%@%'") > 0
    assert _scalar(f"select count(*) from {customers} where email <> trim(email)") > 0
    # naive, Z-suffixed and offset timestamps side by side
    formats = (
        "case when updated_at like '%Z' then 'z' "
        "when updated_at like '%+__:__' or updated_at like '%-__:__' then 'offset' else 'naive' end"
    )
    assert _scalar(f"select count(distinct {formats}) from {customers}") == 3
    events = f"'{raw}/marketing/web_events/*.parquet'"
    assert _scalar(f"select count(*) - count(distinct event_id) from {events}") > 0
    late = "received_at > cast(event_ts as timestamptz) + interval 1 hour"
    assert _scalar(f"select count(*) from {events} where {late}") > 0
    spend = f"'{raw}/marketing/campaign_spend/*.parquet'"
    assert _scalar(f"select count(*) from {spend} where spend_amount like '%,%'") > 0
    statuses = f"'{raw}/orders/orders/*.parquet'"
    assert _scalar(f"select count(*) from {statuses} where order_status <> lower(trim(order_status))") > 0


@pytest.mark.parametrize("scale", ["0", "-1", "abc"])
def test_bad_scale_is_a_usage_error(tmp_path: Path, scale: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", scale, "--out", str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "scale must be" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "raw").exists()
