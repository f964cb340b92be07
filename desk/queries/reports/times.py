"""Median and 90th percentile from solves counted in time bands (desk.models.reports
TIME_EDGES): the band holding the rank, interpolated linearly within it. Exact to within the
band (a minute under two minutes, an hour under four, a day under three days); a rank in the
last, open band reads as its lower edge (14 days or more)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desk.models.reports import TIME_EDGES


@dataclass(frozen=True)
class TimeFigures:
    count: int
    median: float | None  # seconds
    p90: float | None

    @property
    def open_ended(self) -> bool:
        """The 90th percentile lies in the last band: "14 days or more"."""
        return self.p90 is not None and self.p90 >= TIME_EDGES[-1]


def percentile(counts: Sequence[int], share: float) -> float | None:
    total = sum(counts)
    if not total:
        return None
    rank = share * total
    before = 0
    for i, n in enumerate(counts):
        if n and before + n >= rank:
            if i + 1 >= len(TIME_EDGES):
                return float(TIME_EDGES[-1])
            low, high = TIME_EDGES[i], TIME_EDGES[i + 1]
            return low + (high - low) * max(0.0, rank - before) / n
        before += n
    return float(TIME_EDGES[-1])


def time_figures(counts: Sequence[int]) -> TimeFigures:
    return TimeFigures(sum(counts), percentile(counts, 0.5), percentile(counts, 0.9))


def add(into: list[int], counts: Sequence[int]) -> None:
    for i, n in enumerate(counts):
        into[i] += int(n or 0)
