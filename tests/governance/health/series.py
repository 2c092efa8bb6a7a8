"""Generated daily series with known anomalies, shared by the detector's tests and its benchmark."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

START = datetime(2026, 1, 5, 6, tzinfo=UTC)  # a Monday
WEEKDAY_FACTOR = (1.6, 1.0, 0.95, 1.0, 1.05, 0.55, 0.6)  # Monday peak, weekend trough


@dataclass(frozen=True)
class Generated:
    points: list[tuple[datetime, float]]
    anomalies: frozenset[int]  # indexes of injected anomalies


def daily(
    seed: int,
    days: int = 90,
    *,
    level: float = 1000.0,
    noise: float = 0.05,
    seasonal: bool = True,
    rate: float = 0.05,
    size: tuple[float, float] = (0.4, 0.9),
    warm_up: int = 14,
) -> Generated:
    """Rows arriving per day: weekday rhythm, multiplicative noise, and drops or spikes at a known
    `rate` after `warm_up` days (each changes the day's value by a factor 1 -/+ `size`)."""
    rng = random.Random(seed)
    points: list[tuple[datetime, float]] = []
    anomalies = set()
    for day in range(days):
        moment = START + timedelta(days=day)
        base = level * (WEEKDAY_FACTOR[moment.weekday()] if seasonal else 1.0)
        value = base * (1 + rng.gauss(0, noise))
        if day >= warm_up and rng.random() < rate:
            change = rng.uniform(*size)
            value = base * (1 - change if rng.random() < 0.5 else 1 + 2 * change)
            anomalies.add(day)
        points.append((moment, round(value)))
    return Generated(points, frozenset(anomalies))


def scored(generated: Generated, detect_at: object) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of `detect_at(history, current)` over a series."""
    tp = fp = fn = 0
    points = generated.points
    for i in range(1, len(points)):
        history = points[:i]  # past anomalies stay in the history, as they do in the store
        flagged = detect_at(history, points[i]) is not None  # type: ignore[operator]
        truth = i in generated.anomalies
        tp += flagged and truth
        fp += flagged and not truth
        fn += truth and not flagged
    return tp, fp, fn
