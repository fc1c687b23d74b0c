"""Co-failures and blast radius: which vendors or services were down at the same time, and how far
each incident reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from incidents.analysis import metrics
from incidents.data.load import multi_values

#: Pairs of groups :func:`co_failures` returns at most (most hours together first).
CO_FAILURE_PAIRS = 25


#: Groups :func:`co_failures` and :func:`blast_radius` compare at most, those with the most
#: downtime: the work grows with groups x incidents, never with incidents squared.
CO_FAILURE_GROUPS = 60


@dataclass(frozen=True)
class _Blocks:
    """The union of a group's intervals as sorted, disjoint blocks ``[start, end)`` (hours),
    with the length of all blocks before each."""

    start: np.ndarray
    end: np.ndarray
    before: np.ndarray

    @property
    def hours(self) -> float:
        return float(self.before[-1] + self.end[-1] - self.start[-1]) if len(self.start) else 0.0

    def touching(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """How many blocks overlap each interval ``(low, high)``: start < high and end > low
        (so an instant inside a block counts). Blocks are disjoint, so both ends are sorted."""
        return (np.searchsorted(self.start, high, side="left")
                - np.searchsorted(self.end, low, side="right"))

    def covered_before(self, t: np.ndarray) -> np.ndarray:
        """Hours of the blocks before each time ``t``."""
        i = np.searchsorted(self.start, t, side="left") - 1
        last = np.maximum(i, 0)
        inside = np.minimum(t, self.end[last]) - self.start[last]
        return np.where(i >= 0, self.before[last] + inside, 0.0)


def _blocks_by_code(codes: np.ndarray, s: np.ndarray, e: np.ndarray,
                    size: int) -> list[_Blocks]:
    """:class:`_Blocks` per group code, by one sort of every interval (as
    :func:`_union_by_code` merges them); intervals without a positive length add none."""
    usable = ~np.isnan(s) & ~np.isnan(e) & (e > s)
    codes, s, e = codes[usable], s[usable], e[usable]
    order = metrics.order_by_group_then(codes, s)
    codes, s, e = codes[order], s[order], e[order]
    reach = pd.Series(e).groupby(codes, sort=False).cummax().to_numpy() if len(s) else e
    first_of_group = np.r_[True, codes[1:] != codes[:-1]] if len(s) else np.zeros(0, bool)
    new_block = first_of_group | (s > np.r_[np.nan, reach[:-1]]) if len(s) else first_of_group
    last_of_block = np.r_[new_block[1:], True] if len(s) else new_block
    block_code, block_s, block_e = codes[new_block], s[new_block], reach[last_of_block]
    bounds = np.searchsorted(block_code, np.arange(size + 1))
    out = []
    for code in range(size):
        start, end = block_s[bounds[code]:bounds[code + 1]], block_e[bounds[code]:bounds[code + 1]]
        before = np.r_[0.0, np.cumsum(end - start)[:-1]] if len(start) else np.zeros(0)
        out.append(_Blocks(start, end, before))
    return out


def _spans(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents with a known impact interval ``[start_mid, end_mid)``."""
    return incidents.loc[incidents["start_mid"].notna() & incidents["end_mid"].notna()
                         & incidents["vendor"].notna() & incidents["service"].notna()]


def _busiest(blocks: list[_Blocks], limit: int) -> list[int]:
    """Codes of the ``limit`` groups with the most hours of downtime (ties: first code)."""
    hours = np.array([b.hours for b in blocks])
    chosen = np.argsort(-hours, kind="stable")[:limit]
    return sorted(int(code) for code in chosen if hours[code] > 0)


def co_failures(incidents: pd.DataFrame, by: str = "vendor", limit: int = CO_FAILURE_PAIRS,
                max_groups: int = CO_FAILURE_GROUPS, window_hours: float | None = None
                ) -> pd.DataFrame:
    """Pairs of groups (vendors, or the services of one vendor with ``by="service"``) that
    were failing at the same time, one row per pair, never one per pair of incidents.

    Each group's impact intervals ``[start_mid, end_mid)`` are merged into disjoint blocks
    (its own overlapping incidents count once); then for each pair of groups, with binary
    searches in the other's sorted blocks: ``incidents_a`` (``incidents_b``), how many of the
    first (second) group's incidents overlapped a failure of the other, and
    ``overlap_hours``, the hours both were failing at once. The ``max_groups`` groups with
    the most downtime are compared, so the work is at most ``max_groups`` x incidents x
    log(incidents); the ``limit`` pairs with the most hours together are returned.
    ``attrs``: ``pairs`` (pairs that overlapped at all), ``groups``, ``groups_compared``.
    Incidents without a known end are left out.

    With ``window_hours`` (the length of the window the incidents come from) each pair also
    gets ``hours_a`` and ``hours_b`` (each group's own failing hours), ``expected_hours``,
    the overlap two independent groups failing that long would have by chance
    (``hours_a x hours_b / window_hours``), and ``ratio``, observed over expected: near 1 is
    coincidence, well above 1 a shared cause or dependency worth asking about.
    """
    spans = _spans(incidents)
    codes, labels = metrics.group_codes(spans[[by]], [by])
    s = metrics.hours_since_epoch(spans["start_mid"])
    e = metrics.hours_since_epoch(spans["end_mid"])
    blocks = _blocks_by_code(codes, s, e, len(labels))
    chosen = _busiest(blocks, max_groups)
    rows_of = {code: np.flatnonzero(codes == code) for code in chosen}
    found = []
    for i, a in enumerate(chosen):
        for b in chosen[i + 1:]:
            ra, rb = rows_of[a], rows_of[b]
            hours = float(np.sum(blocks[b].covered_before(blocks[a].end)
                                 - blocks[b].covered_before(blocks[a].start)))
            hit_a = int(np.count_nonzero(blocks[b].touching(s[ra], e[ra])))
            hit_b = int(np.count_nonzero(blocks[a].touching(s[rb], e[rb])))
            if hit_a or hit_b:
                found.append((labels[a], labels[b], hit_a, hit_b, hours, blocks[a].hours,
                              blocks[b].hours))
    columns = [f"{by}_a", f"{by}_b", "incidents_a", "incidents_b", "overlap_hours", "hours_a",
               "hours_b"]
    table = pd.DataFrame(found, columns=columns).astype(
        {"incidents_a": int, "incidents_b": int, "overlap_hours": float})
    if window_hours:
        table["expected_hours"] = table["hours_a"] * table["hours_b"] / window_hours
        table["ratio"] = table["overlap_hours"] / table["expected_hours"]
    table = table.sort_values(["overlap_hours", f"{by}_a", f"{by}_b"],
                              ascending=[False, True, True], kind="stable")
    table = table.head(limit).reset_index(drop=True)
    table.attrs.update(pairs=len(found), groups=len(labels), groups_compared=len(chosen))
    return table


def blast_radius(incidents: pd.DataFrame, max_services: int = CO_FAILURE_GROUPS,
                 by: str = "service") -> pd.DataFrame:
    """How far each incident reached: clients and regions it names, and how many other
    services (groups of ``by``) of the same vendor were failing at the same time
    (``co_failing``).

    ``co_failing`` counts, per incident, the other services (of the vendor's ``max_services``
    with the most downtime) with a failure overlapping it, by binary search in each service's
    merged blocks: vendor incidents x services x log, not incidents squared. ``attrs``:
    ``services_left_out``, services not compared because of ``max_services``.
    """
    clients = multi_values(incidents["affected_clients"].astype("object"))
    regions = multi_values(incidents["regions"].astype("object"))
    table = incidents[["vendor", "incident_id", *dict.fromkeys(["service", by]),
                       "severity"]].copy()
    table["clients"] = clients[clients.ne("unknown")].groupby(level=0).size().reindex(
        table.index).fillna(0).astype(int)
    table["regions"] = regions[regions.ne("unknown")].groupby(level=0).size().reindex(
        table.index).fillna(0).astype(int)
    table["global"] = regions.eq("global").groupby(level=0).any().reindex(table.index).fillna(
        False).astype(bool)
    spans = _spans(incidents)
    pair_codes, pairs = metrics.group_codes(spans[["vendor", by]], ["vendor", by])
    vendor_codes, _ = metrics.group_codes(spans[["vendor"]], ["vendor"])
    s = metrics.hours_since_epoch(spans["start_mid"])
    e = metrics.hours_since_epoch(spans["end_mid"])
    blocks = _blocks_by_code(pair_codes, s, e, len(pairs))
    vendor_of_pair = np.zeros(len(pairs), dtype=np.int64)
    vendor_of_pair[pair_codes] = vendor_codes
    co_failing = np.zeros(len(spans), dtype=np.int64)
    left_out = 0
    for vendor in np.unique(vendor_codes):
        services = np.flatnonzero(vendor_of_pair == vendor)
        chosen = _busiest([blocks[c] for c in services], max_services)
        left_out += int(np.count_nonzero([blocks[c].hours > 0 for c in services])) - len(chosen)
        rows = np.flatnonzero(vendor_codes == vendor)
        for code in services[chosen]:
            other = rows[pair_codes[rows] != code]
            co_failing[other] += blocks[code].touching(s[other], e[other]) > 0
    table["co_failing"] = pd.Series(co_failing, index=spans.index).reindex(
        table.index).fillna(0).astype(int)
    table.attrs["services_left_out"] = left_out
    return table
