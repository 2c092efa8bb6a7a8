"""The anomaly detector on series with known answers."""

from __future__ import annotations

from datetime import timedelta

import numpy

from governance.health.anomalies import Batch, Detector, deltas, detect, detect_batch, weekdays
from tests.governance.health.series import START, daily, scored


def flat(values: list[float]) -> list[tuple]:
    return [(START + timedelta(days=i), v) for i, v in enumerate(values)]


def test_a_drop_in_a_steady_series_is_flagged_with_its_figures() -> None:
    history = flat([1000, 1010, 990, 1005, 995, 1002, 998, 1001, 1003, 997] * 2)
    anomaly = detect(history, (START + timedelta(days=20), 300))
    assert anomaly is not None
    assert anomaly.expected == 1000.5
    assert anomaly.score < -3.5
    assert anomaly.baseline == 20
    assert anomaly.describe("rows").startswith("rows 300 against a usual 1,000")


def test_ordinary_noise_is_not_flagged() -> None:
    history = flat([1000, 1010, 990, 1005, 995, 1002, 998, 1001, 1003, 997] * 2)
    assert detect(history, (START + timedelta(days=20), 1012)) is None


def test_nothing_is_flagged_before_the_minimum_history() -> None:
    history = flat([1000] * 13)
    assert detect(history, (START + timedelta(days=13), 0)) is None
    assert detect([*history, (START + timedelta(days=13), 1000)], (START + timedelta(days=14), 0)) is not None


def test_direction_limits_what_is_flagged() -> None:
    history = flat([10.0] * 20)
    late = (START + timedelta(days=20), 40.0)
    early = (START + timedelta(days=20), 0.0)
    assert detect(history, late, direction=1) is not None
    assert detect(history, early, direction=1) is None
    assert detect(history, early, direction=-1) is not None


def test_a_constant_history_does_not_flag_a_small_wobble() -> None:
    # MAD 0: the spread is floored at 5% of the median, so 1,000 -> 1,010 is ordinary
    history = flat([1000.0] * 20)
    assert detect(history, (START + timedelta(days=20), 1010.0)) is None
    assert detect(history, (START + timedelta(days=20), 1300.0)) is not None


def test_weekday_seasonality_keeps_mondays_and_weekends_ordinary() -> None:
    series = daily(seed=3, days=63, rate=0.0)
    history, points = series.points[:-7], series.points[-7:]
    for point in points:  # a whole week of ordinary days, Monday peak and weekend trough included
        assert detect(history, point) is None, point


def test_without_seasonality_a_weekday_drop_hides_in_the_weekly_spread() -> None:
    """The same Monday drop: found against Mondays, missed against all days."""
    series = daily(seed=3, days=63, rate=0.0)
    history = series.points
    monday = START + timedelta(days=63)
    assert monday.weekday() == 0
    dropped = (monday, 900.0)  # about half a usual Monday, still an ordinary Tuesday
    anomaly = detect(history, dropped)
    assert anomaly is not None and anomaly.weekday == "Mon"
    assert detect(history, dropped, Detector(min_per_weekday=10**6)) is None


def test_deltas_turn_a_cumulative_count_into_arrivals() -> None:
    assert deltas(flat([100, 150, 175])) == [(START + timedelta(days=1), 50), (START + timedelta(days=2), 25)]


def test_known_anomalies_are_found_with_high_precision_and_recall() -> None:
    """20 seeded series of 90 days, drops and spikes at 5%: precision and recall both >= 0.9 (the
    benchmark, scripts/bench_health.py, reports the exact figures)."""
    tp = fp = fn = 0
    for seed in range(20):
        found = scored(daily(seed), detect)
        tp, fp, fn = tp + found[0], fp + found[1], fn + found[2]
    assert tp + fn > 40  # enough anomalies for the figures to mean something
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.9


def test_the_detector_is_deterministic() -> None:
    series = daily(seed=11)
    first = [detect(series.points[:i], series.points[i]) for i in range(1, len(series.points))]
    second = [detect(series.points[:i], series.points[i]) for i in range(1, len(series.points))]
    assert first == second


def test_the_batch_detector_gives_the_scalar_detectors_answers() -> None:
    """`mesh health` judges 10,000 products at once (detect_batch); every answer must be `detect`'s."""
    cases = []
    for seed in range(12):
        for seasonal in (True, False):
            points = daily(seed, days=70, seasonal=seasonal).points
            cases += [(points[:i], points[i]) for i in range(1, len(points))]
    cases.append((flat([1000.0] * 20), (START + timedelta(days=20), 1300.0)))  # MAD 0
    cases.append(([], (START, 5.0)))  # no history
    series = [
        (
            weekdays(numpy.array([m.timestamp() for m, _ in [*history, current]])),
            numpy.array([v for _, v in [*history, current]], dtype="float64"),
        )
        for history, current in cases
    ]
    for direction in (0, 1, -1):
        batch = detect_batch(Batch.of(series, Detector().window), direction=direction)
        scalar = [detect(history, current, direction=direction) for history, current in cases]
        assert sum(a is not None for a in scalar) > (20 if direction == 0 else 5)
        for got, want in zip(batch, scalar, strict=True):
            assert (got is None) == (want is None)
            if got is not None and want is not None:
                assert (got.expected, got.baseline, got.weekday) == (
                    want.expected,
                    want.baseline,
                    want.weekday,
                )
                assert abs(got.score - want.score) < 1e-9 and got.value == want.value


def _per_product(history):  # type: ignore[no-untyped-def]
    """The loop `history_anomalies` ran before it was vectorised: one product at a time."""
    detector = Detector()
    volume, lateness = [], []
    keep = detector.window + 2
    days = weekdays(history.t)
    for i in range(len(history.products)):
        rows = history.rows_of(i)
        runs = slice(max(rows.start, rows.stop - keep), rows.stop)
        if history.published is not None:
            published = history.published[rows]
            if published.any() and not published.all():
                runs = numpy.flatnonzero(~published)[-keep:] + rows.start
        day, counts, lags = days[runs], history.rows[runs], history.lag[runs]
        known = ~numpy.isnan(counts)
        volume.append((day[known][1:], numpy.diff(counts[known])))
        known = ~numpy.isnan(lags)
        lateness.append((day[known], lags[known]))
    found_volume = detect_batch(Batch.of(volume, detector.window), detector)
    found_late = detect_batch(Batch.of(lateness, detector.window), detector, direction=1)
    return (
        {p: a for p, a in zip(history.products, found_volume, strict=True) if a is not None},
        {p: a for p, a in zip(history.products, found_late, strict=True) if a is not None},
    )


def test_the_vectorised_history_gives_the_per_product_answers() -> None:
    """`history_anomalies` judges every product at once; the same answers as one product at a time, on
    histories of every length (none, one run, past the window), with missing figures and publishes."""
    from governance.health.causes import history_anomalies
    from governance.health.store import History

    rng = numpy.random.default_rng(7)
    products = 400
    t, key, rows, lag, published = [], [], [], [], []
    for p in range(products):
        runs = int(rng.integers(1, 80))
        start = 1_700_000_000 + int(rng.integers(0, 7)) * 86400
        count = 1000.0
        kind = p % 4  # builds only, publishes only, both interleaved, builds with some missing figures
        for r in range(runs):
            count += 100 + rng.normal(0, 5) + (rng.choice([0, -90, 150], p=[0.9, 0.05, 0.05]))
            t.append(start + r * 86400 + float(rng.integers(0, 3600)))
            key.append(p)
            missing = kind == 3 and rng.random() < 0.2
            rows.append(numpy.nan if missing else count)
            lag.append(numpy.nan if missing else 3 + rng.gamma(2.0) + (40 if rng.random() < 0.03 else 0))
            published.append(kind == 1 or (kind == 2 and r % 2 == 1))
    table = {
        "product_key": numpy.array(key, dtype="uint64"), "t": numpy.array(t), "row_count": numpy.array(rows),
        "lag": numpy.array(lag), "shape": numpy.zeros(len(t), dtype="uint64"),
        "run_key": numpy.arange(len(t), dtype="uint64")[::-1].copy(), "published": numpy.array(published),
    }  # fmt: skip
    history = History.of(table, {p: f"model.d.p{p}" for p in range(products)})
    volume, late = history_anomalies(history)
    assert (volume, late) == _per_product(history)
    assert len(volume) > 10 and len(late) > 5  # the comparison is not between two empty answers
    assert history_anomalies(History.of({k: v[:0] for k, v in table.items()}, {})) == ({}, {})
