"""When the raw data arrives: the synthetic world's clock, and injected incidents.

Every table's arrival column (`_loaded_at`, else `received_at`) says when a row reached the platform.
By default the world ends at END and nothing is changed (the same bytes as ever). With `--as-of T` the
arrival times are moved so the world's last regular load lands just before T (the business timestamps
stay as they are: only arrivals move), so freshness checks see data that arrived recently; what would
arrive after the clock has not arrived yet, and the small tables synced whole every night (FULL_REFRESH)
carry the last nightly sync's time on every row. Incidents:

  --late-batch DOMAIN[:HOURS]   the domain's extracts stopped HOURS (default 48) before the clock:
                                rows that would have arrived since are held back (a table synced
                                whole keeps the last sync before that)
  --volume-drop DOMAIN[:FRACTION]  of the domain's rows that arrived in the last day, only FRACTION
                                (default 0.3) arrive

Which rows drop is a hash of the row and the seed, so the same flags give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from datagen.engine import END

ARRIVAL_COLUMNS = ("_loaded_at", "received_at")
# small extracts synced whole every night (Airbyte full refresh): every row carries the sync's time
FULL_REFRESH = frozenset(
    {("orders", "products"), ("orders", "customers"), ("logistics", "carriers"), ("marketing", "campaigns")}
)
# the world's clock without --as-of: the nightly extract of END's eve lands at END + 2 h
WORLD_CLOCK = datetime.fromisoformat(END).replace(tzinfo=UTC) + timedelta(hours=3)


@dataclass(frozen=True)
class Arrivals:
    as_of: datetime | None = None
    late: dict[str, float] = field(default_factory=dict)  # domain -> hours held back
    drop: dict[str, float] = field(default_factory=dict)  # domain -> fraction of the last day kept

    @property
    def shift_seconds(self) -> int:
        return 0 if self.as_of is None else int((self.as_of - WORLD_CLOCK).total_seconds())

    def changes(self, domain: str) -> bool:
        return self.as_of is not None or domain in self.late or domain in self.drop

    def wrap(self, domain: str, table: str, query: str, columns: list[str]) -> str:
        """`query` as it arrives: held-back rows left out, dropped rows left out, arrival times moved."""
        if not self.changes(domain):
            return query
        arrival = next((c for c in ARRIVAL_COLUMNS if c in columns), None)
        if arrival is None:
            return query
        clock = WORLD_CLOCK - timedelta(hours=self.late.get(domain, 0.0))
        cutoff = f"timestamp '{clock.replace(tzinfo=None).isoformat(sep=' ')}'"
        day_before = f"{cutoff} - interval 1 day"
        moved = {c: f'"{c}"' for c in ARRIVAL_COLUMNS if c in columns}
        where = []
        if (domain, table) in FULL_REFRESH:
            # every row arrives with the last nightly extract (02:00 UTC) before the cutoff
            moved[arrival] = f"date_trunc('day', {cutoff} - interval 2 hour) + interval 2 hour"
            day_before = "timestamp '-infinity'"
        else:
            where.append(f'"{arrival}" <= {cutoff}')  # nothing arrives after the clock
        if domain in self.drop:
            keep = float(self.drop[domain])
            where.append(f"(\"{arrival}\" <= {day_before} or u(hash(arriving), '{table}_drop') < {keep})")
        shift = self.shift_seconds
        replaced = ", ".join(f'{e} + to_seconds({shift}) as "{c}"' for c, e in moved.items())
        return f"select * replace ({replaced}) from ({query}) arriving where {' and '.join(where) or 'true'}"


def parse_incident(text: str, default: float, *, fraction: bool) -> tuple[str, float]:
    """`DOMAIN[:VALUE]` -> (domain, value); ValueError with the reason when malformed."""
    domain, _, value = text.partition(":")
    if domain not in ("orders", "marketing", "logistics"):
        raise ValueError(f"unknown domain {domain!r}; one of orders, marketing, logistics")
    number = default if not value else float(value)
    if fraction and not 0 <= number < 1:
        raise ValueError(f"fraction must be in [0, 1), got {number}")
    if not fraction and not 0 < number <= 24 * 365:
        raise ValueError(f"hours must be in (0, 8760], got {number}")
    return domain, number


def parse_as_of(text: str) -> datetime:
    moment = datetime.now(UTC) if text == "now" else datetime.fromisoformat(text)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)
