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

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

import numpy

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


DEFAULT = Detector()


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


@dataclass(frozen=True, slots=True)
class Batch:
    """Many products' series at once, each judged as `detect` judges one (tests hold them equal)."""

    history: numpy.ndarray  # n x window values, NaN where a product has fewer observations
    weekday: numpy.ndarray  # n x window weekdays (Monday 0), -1 where there is no observation
    current: numpy.ndarray  # n current values (NaN: nothing to judge)
    current_weekday: numpy.ndarray

    @classmethod
    def of(cls, series: Sequence[tuple[numpy.ndarray, numpy.ndarray]], window: int) -> Batch:
        """`series`: per product (weekdays, values), oldest first, no missing values."""
        n = len(series)
        history = numpy.full((n, window), numpy.nan)
        weekday = numpy.full((n, window), -1, dtype="int64")
        current = numpy.full(n, numpy.nan)
        current_weekday = numpy.full(n, -1, dtype="int64")
        for i, (days, values) in enumerate(series):
            if len(values) < 2:
                continue
            past = values[:-1][-window:]
            history[i, window - len(past) :] = past
            weekday[i, window - len(past) :] = days[:-1][-window:]
            current[i] = values[-1]
            current_weekday[i] = days[-1]
        return cls(history, weekday, current, current_weekday)

    @classmethod
    def from_flat(
        cls, product: numpy.ndarray, days: numpy.ndarray, values: numpy.ndarray, n: int, window: int
    ) -> Batch:
        """`of` without a Python loop: every product's series in one flat array each, grouped by
        `product` (0..n-1, non-decreasing), oldest first within a product (held equal to `of` by a test)."""
        history = numpy.full((n, window), numpy.nan)
        weekday = numpy.full((n, window), -1, dtype="int64")
        current = numpy.full(n, numpy.nan)
        current_weekday = numpy.full(n, -1, dtype="int64")
        if len(product):
            sizes = numpy.bincount(product, minlength=n)
            back = (numpy.cumsum(sizes) - 1)[product] - numpy.arange(len(product))  # 0: the newest
            judged = sizes[product] >= 2
            now = judged & (back == 0)
            current[product[now]] = values[now]
            current_weekday[product[now]] = days[now]
            past = judged & (back >= 1) & (back <= window)
            history[product[past], window - back[past]] = values[past]
            weekday[product[past], window - back[past]] = days[past]
        return cls(history, weekday, current, current_weekday)


def row_medians(values: numpy.ndarray) -> numpy.ndarray:
    """The median of each row, NaNs ignored (NaN for a row of NaNs): sort, then the middle one or two."""
    ordered = numpy.sort(values, axis=1)  # NaN sorts last
    count = numpy.sum(~numpy.isnan(values), axis=1)
    low = numpy.maximum((count - 1) // 2, 0)
    high = numpy.maximum(count // 2, 0)
    rows = numpy.arange(len(values))
    width = values.shape[1] if values.ndim == 2 and values.shape[1] else 1
    if values.size == 0:
        return numpy.full(len(values), numpy.nan)
    middle: numpy.ndarray = (
        ordered[rows, numpy.minimum(low, width - 1)] + ordered[rows, numpy.minimum(high, width - 1)]
    ) / 2
    return numpy.where(count > 0, middle, numpy.nan)


def weekdays(seconds: numpy.ndarray) -> numpy.ndarray:
    """UTC weekday (Monday 0) of seconds since the epoch (1970-01-01 was a Thursday)."""
    days: numpy.ndarray = ((numpy.floor_divide(seconds, 86400) + 3) % 7).astype("int64")
    return days


def detect_batch(
    batch: Batch, detector: Detector = Detector(), *, direction: int = 0
) -> list[Anomaly | None]:
    """`detect` for every row of `batch`, vectorised (numpy): the same answers, fast over 10,000 products."""
    history, days = batch.history, batch.weekday
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no history, nothing judged
        count = numpy.sum(~numpy.isnan(history), axis=1)
        eligible = (count >= detector.min_history) & ~numpy.isnan(batch.current)
        centre_all = row_medians(history)
        overall = numpy.nansum(numpy.abs(history - centre_all[:, None]), axis=1)
        within = numpy.zeros(len(history))
        groups = numpy.zeros(len(history), dtype="int64")
        same = numpy.zeros(len(history), dtype="int64")
        for day in range(7):
            on_day = days == day
            values = numpy.where(on_day, history, numpy.nan)
            within += numpy.nansum(numpy.abs(values - row_medians(values)[:, None]), axis=1)
            per_day = on_day.sum(axis=1)
            groups += per_day >= detector.min_per_weekday
            same = numpy.where(batch.current_weekday == day, per_day, same)
        seasonal = (
            eligible
            & (same >= detector.min_per_weekday)
            & (groups >= 2)
            & (overall > 0)
            & (within <= SEASONAL_SHARE * overall)
        )
        baseline = numpy.where(
            seasonal[:, None] & (days != batch.current_weekday[:, None]), numpy.nan, history
        )
        centre = row_medians(baseline)
        mad = row_medians(numpy.abs(baseline - centre[:, None]))
        spread = numpy.maximum.reduce(
            [
                MAD_TO_SIGMA * mad,
                detector.relative_floor * numpy.abs(centre),
                numpy.full(len(mad), detector.absolute_floor),
            ]
        )
        score = (batch.current - centre) / spread
        flagged = eligible & (numpy.abs(score) > detector.threshold)
        if direction:
            flagged &= score * direction >= 0
        sizes = numpy.sum(~numpy.isnan(baseline), axis=1)
    found: list[Anomaly | None] = [None] * len(history)
    for i in numpy.flatnonzero(flagged).tolist():
        weekday = WEEKDAYS[int(batch.current_weekday[i])] if seasonal[i] else None
        found[i] = Anomaly(
            float(batch.current[i]),
            float(centre[i]),
            float(spread[i]),
            float(score[i]),
            int(sizes[i]),
            weekday,
        )
    return found
