"""Anomalies of a product against its own history: robust statistics, deterministic, with the figures.

A value is anomalous when its distance from the median of the baseline, in robust standard deviations
(1.4826 x MAD, floored so a constant history does not flag every wobble), exceeds `threshold` (3.5, the
Iglewicz-Hoaglin cut-off for the modified z-score). The baseline is the last `window` observations
before the current one; nothing is flagged before `min_history` of them exist. Where the history has
weekday seasonality (at least `min_per_weekday` points on the current weekday, and the absolute
deviation from each weekday's median is under half the deviation from the overall median), the
baseline is the same weekday's observations only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

MAD_TO_SIGMA = 1.4826
SEASONAL_SHARE = 0.5  # deviation within weekdays at most this share of the overall deviation
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Detector:
    window: int = 56  # observations of history considered
    min_history: int = 14  # observations needed before anything is flagged (two weeks of daily runs)
    threshold: float = 3.5  # robust z-score
    min_per_weekday: int = 2
    relative_floor: float = 0.05  # the spread is at least 5% of the median ...
    absolute_floor: float = 1.0  # ... and at least this much (one row, one hour)


@dataclass(frozen=True, slots=True)
class Anomaly:
    value: float
    expected: float  # the baseline's median
    spread: float  # robust standard deviation used
    score: float  # signed robust z-score
    baseline: int  # observations in the baseline
    weekday: str | None  # the weekday the baseline was restricted to, if seasonal

    def describe(self, what: str, unit: str = "") -> str:
        basis = f"{self.weekday}s" if self.weekday else "runs"
        return (
            f"{what} {self.value:,.0f}{unit} against a usual {self.expected:,.0f}{unit} "
            f"(robust z {self.score:+.1f}, last {self.baseline} {basis})"
        )


def _spread(values: Sequence[float], centre: float, detector: Detector) -> float:
    mad = median(abs(v - centre) for v in values)
    return max(MAD_TO_SIGMA * mad, detector.relative_floor * abs(centre), detector.absolute_floor)


def _seasonal_baseline(
    history: Sequence[tuple[datetime, float]], weekday: int, detector: Detector
) -> list[float] | None:
    """Same-weekday values when the history shows weekday seasonality, else None."""
    by_day: dict[int, list[float]] = {}
    for moment, value in history:
        by_day.setdefault(moment.weekday(), []).append(value)
    same = by_day.get(weekday, [])
    if len(same) < detector.min_per_weekday:
        return None
    grouped = [v for v in by_day.values() if len(v) >= detector.min_per_weekday]
    if len(grouped) < 2:
        return None
    values = [v for _, v in history]
    centre = median(values)
    overall = sum(abs(v - centre) for v in values)
    within = sum(abs(v - median(by_day[day])) for day, v in ((m.weekday(), v) for m, v in history))
    # seasonal when knowing the weekday removes most of the absolute deviation (noise alone does not)
    if overall == 0 or within > SEASONAL_SHARE * overall:
        return None
    return same


def detect(
    history: Sequence[tuple[datetime, float]],
    current: tuple[datetime, float],
    detector: Detector = Detector(),
    *,
    direction: int = 0,
) -> Anomaly | None:
    """The current value's anomaly against `history` (oldest first), or None.

    `direction` 0 flags both ways, -1 only drops, +1 only rises (a late load is only ever a rise)."""
    window = list(history[-detector.window :])
    if len(window) < detector.min_history:
        return None
    moment, value = current
    seasonal = _seasonal_baseline(window, moment.weekday(), detector)
    baseline = seasonal if seasonal is not None else [v for _, v in window]
    centre = median(baseline)
    spread = _spread(baseline, centre, detector)
    score = (value - centre) / spread
    if abs(score) <= detector.threshold or (direction and score * direction < 0):
        return None
    weekday = WEEKDAYS[moment.weekday()] if seasonal is not None else None
    return Anomaly(value, centre, spread, score, len(baseline), weekday)


def deltas(series: Sequence[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """Change per run of a cumulative series (row counts): what arrived between two builds."""
    return [(series[i][0], series[i][1] - series[i - 1][1]) for i in range(1, len(series))]
