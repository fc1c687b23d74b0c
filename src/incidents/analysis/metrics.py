"""Reliability metrics on the validated incident table, vectorised over groups.

Every function takes the typed table from :func:`incidents.data.load.load_incidents` (or one made
like it), an analysis :class:`Window` and a grouping (``"vendor"``, ``["vendor", "service"]``
...), and returns a tidy DataFrame with one row per group. Numbers carry their uncertainty as
extra columns; small samples are flagged, never hidden.

Conventions, stated once:

* An incident belongs to a window when its start falls inside it (counts, MTBF, trend); for
  downtime its impact is clipped to the window.
* Date precision: a duration is the middle of the range its two precisions allow (an hour-,
  day- or month-precision stamp covers that whole hour, day or month), and the extremes are
  kept beside it (``duration_min_hours``, ``duration_max_hours``); an impact interval starts
  at the middle of its start's precision interval.
* Month = 30 days for rates and error budgets; availability per calendar month, as SLAs count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from incidents.analysis import stats
from incidents.data import schema
from incidents.data.load import multi_values

HOURS_PER_MONTH = 30 * 24.0
HOURS_PER_YEAR = 365.25 * 24.0
#: An incident without an end is "ongoing" (censored) when it started this recently before the
#: window end; older ones have an unpublished end and are left out of restore times.
ONGOING_HORIZON = pd.Timedelta(days=14)
#: Weight of a partial outage against a full outage in downtime: the status pages'
#: convention, as the report's availability uses it (degraded performance counts nothing).
PARTIAL_WEIGHT = schema.IMPACT_WEIGHTS["partial-outage"]


@dataclass(frozen=True, slots=True)
class Window:
    """Analysis window ``[start, end)`` in UTC."""

    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def from_dates(cls, start: str, end: str) -> Window:
        """Window from inclusive calendar days, e.g. ``("2025-01-01", "2025-12-31")``."""
        first = pd.Timestamp(start, tz="UTC").normalize()
        last = pd.Timestamp(end, tz="UTC").normalize() + pd.Timedelta(days=1)
        if last <= first:
            raise ValueError(f"the window ends ({end}) before it starts ({start})")
        return cls(first, last)

    @property
    def hours(self) -> float:
        return (self.end - self.start) / pd.Timedelta(hours=1)

    @property
    def months(self) -> float:
        """Length in 30-day months."""
        return self.hours / HOURS_PER_MONTH

    @property
    def years(self) -> float:
        return self.hours / HOURS_PER_YEAR

    def label(self) -> str:
        last = self.end - pd.Timedelta(days=1)
        return f"{self.start:%d %b %Y} to {last:%d %b %Y}"


def as_list(by: str | list[str] | Groups) -> list[str]:
    if isinstance(by, Groups):
        return list(by.keys)
    return [by] if isinstance(by, str) else list(by)


@dataclass(frozen=True)
class Groups:
    """The rows of one incident table assigned to groups once, to share between metrics.

    ``codes[i]`` is the group of row ``i``; ``labels`` (sorted) names each group. Every metric
    accepts a ``Groups`` in place of ``by`` when it is given the same table.
    """

    keys: tuple[str, ...]
    codes: np.ndarray
    labels: pd.Index

    @property
    def size(self) -> int:
        return len(self.labels)

    def frame(self) -> pd.DataFrame:
        """One row per group with the key columns."""
        return self.labels.to_frame(index=False)


def grouping(incidents: pd.DataFrame, by: str | list[str] | Groups) -> Groups:
    """Group the rows of ``incidents`` by the ``by`` columns (a ``Groups`` is returned as is)."""
    if isinstance(by, Groups):
        return by
    keys = as_list(by)
    codes, labels = group_codes(incidents[keys], keys)
    return Groups(tuple(keys), codes, labels)


# ---------------------------------------------------------------- time handling


#: Nanoseconds each precision stands for, in schema order; a month's own length is computed
#: per stamp (0 here).
_WIDTH_NS = np.array([0 if level == "month" else pd.Timedelta(span).value
                      for level, span in schema.PRECISION_SPANS.items()], dtype=np.int64)
_NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds
_NS_PER_HOUR = 3_600_000_000_000


def _precision_width(precision: pd.Series, stamps: pd.Series) -> np.ndarray:
    """Nanoseconds a stamp of that precision stands for (a month has its own length; no
    precision, as for a missing end, is 0)."""
    levels = pd.Categorical(precision, categories=list(schema.PRECISIONS))
    codes = np.asarray(levels.codes)
    widths = np.where(codes >= 0, _WIDTH_NS[codes], 0)
    months = codes == list(schema.PRECISIONS).index("month")
    if months.any():
        month_start = stamps[months]
        widths[months] = ((month_start + pd.offsets.MonthBegin(1)) - month_start).to_numpy(
            dtype="timedelta64[ns]").astype(np.int64)
    return widths


def _nanoseconds(stamps: pd.Series) -> np.ndarray:
    """UTC stamps as int64 nanoseconds since the epoch (NaT is the smallest int64)."""
    return np.asarray(stamps.dt.as_unit("ns").array.asi8)


def _stamps(nanoseconds: np.ndarray, index: pd.Index) -> pd.Series:
    """int64 nanoseconds since the epoch as UTC timestamps (the smallest int64 is NaT)."""
    return pd.Series(pd.DatetimeIndex(nanoseconds.view("M8[ns]")).tz_localize("UTC"),
                     index=index)


def with_times(incidents: pd.DataFrame, as_of: pd.Timestamp | pd.Series) -> pd.DataFrame:
    """Add best-estimate times and duration bounds, honouring each stamp's precision.

    New columns: ``resolved`` (an end is published), ``ongoing`` (no end, started within
    ``ONGOING_HORIZON`` of ``as_of``), ``end_at_least`` (no end, but a last update with impact:
    it lasted at least until then, censored there like an ongoing one),
    ``duration_min_hours`` / ``duration_max_hours`` (the
    shortest and longest duration the two precisions allow), ``duration_hours`` (the middle
    of that range; for ongoing incidents the time so far, censored), ``start_mid`` (middle of
    the start's precision interval), ``end_mid`` (``start_mid + duration``) and ``end_known``.
    Two stamps known to the same day give 12 h, not 0. Computed on int64 nanoseconds.
    ``as_of`` is one time, or one per row (each vendor's own end: its evidence's cut-off).
    """
    table = incidents.copy(deep=False)  # copy-on-write: new columns never touch the input
    start, end = _nanoseconds(table["start_utc"]), _nanoseconds(table["end_utc"])
    start_width = _precision_width(table["start_precision"], table["start_utc"])
    end_width = _precision_width(table["end_precision"], table["end_utc"])
    resolved = end != _NAT
    has_start = start != _NAT
    start_mid = np.where(has_start, start + start_width // 2, _NAT)
    if isinstance(as_of, pd.Series):
        now = _nanoseconds(pd.to_datetime(as_of.reindex(table.index), utc=True))
    else:
        now = pd.Timestamp(as_of).as_unit("ns").value
    horizon = pd.Timedelta(ONGOING_HORIZON).as_unit("ns").value
    ongoing = ~resolved & has_start & (start >= now - horizon)
    # A poll-derived end lies between end_utc and end_latest_utc; an incident with no end but
    # a last update still reporting impact lasted at least until then (censored there).
    latest = (_nanoseconds(table["end_latest_utc"]) if "end_latest_utc" in table
              else np.full(len(table), _NAT))
    last_impact = (_nanoseconds(table["last_impact_utc"]) if "last_impact_utc" in table
                   else np.full(len(table), _NAT))
    at_least = ~resolved & ~ongoing & (last_impact != _NAT) & has_start
    end_top = np.where(latest != _NAT, np.maximum(latest, end + end_width), end + end_width)
    with np.errstate(invalid="ignore", over="ignore"):
        shortest = np.where(resolved, np.maximum((end - start - start_width) / _NS_PER_HOUR, 0),
                            np.nan)
        longest = np.where(resolved, (end_top - start) / _NS_PER_HOUR, np.nan)
        # The best estimate keeps to the stamps' own precision: a poll-derived latest end
        # (first snapshot without the incident, sometimes days later across an archive gap)
        # widens the bound, not the estimate, so downtime stays a lower bound there.
        stamped = np.where(resolved, (end + end_width - start) / _NS_PER_HOUR, np.nan)
        so_far = np.where(ongoing, np.maximum((now - start_mid) / _NS_PER_HOUR, 0), np.nan)
        so_far = np.where(at_least, np.maximum((last_impact - start_mid) / _NS_PER_HOUR, 0),
                          so_far)
        duration = np.where(resolved, (shortest + stamped) / 2, so_far)
        known = ~np.isnan(duration)
        end_mid = np.where(known, start_mid + np.round(np.where(known, duration, 0)
                                                       * _NS_PER_HOUR).astype(np.int64), _NAT)
    table["start_mid"] = _stamps(start_mid, table.index)
    table["resolved"] = resolved
    table["ongoing"] = ongoing
    table["duration_min_hours"] = shortest
    table["duration_max_hours"] = longest
    table["duration_hours"] = duration
    table["end_mid"] = _stamps(end_mid, table.index)
    table["end_known"] = resolved | ongoing | at_least
    table["end_at_least"] = at_least
    return table


def in_window(incidents: pd.DataFrame, window: Window, ends: pd.Series | None = None
              ) -> pd.DataFrame:
    """Incidents that started inside the window, with :func:`with_times` columns added; with
    ``ends`` (vendor -> time) an open incident is judged as of its vendor's own end."""
    inside = (incidents["start_utc"] >= window.start) & (incidents["start_utc"] < window.end)
    chosen = incidents.loc[inside]
    if ends is None:
        return with_times(chosen, window.end)
    as_of = chosen["vendor"].astype("object").map(ends)
    return with_times(chosen, pd.to_datetime(as_of, utc=True).fillna(window.end).clip(
        upper=window.end))


def vendors_with_enough_incidents(incidents: pd.DataFrame, minimum: int) -> list[str]:
    """Vendors with at least ``minimum`` incidents in the table, most incidents first."""
    counts = incidents["vendor"].value_counts()
    return sorted(counts[counts >= minimum].index, key=lambda v: (-counts[v], v))


# ---------------------------------------------------------------- frequency and MTBF


def _group_counts(incidents: pd.DataFrame, by: str | list[str] | Groups,
                  groups: pd.DataFrame | None) -> pd.DataFrame:
    found = grouping(incidents, by)
    counts = found.frame()
    counts["incidents"] = np.bincount(found.codes, minlength=found.size)
    if groups is not None:
        keys = list(found.keys)
        counts = groups[keys].drop_duplicates().merge(counts, on=keys, how="left")
        counts["incidents"] = counts["incidents"].fillna(0).astype(int)
    return counts


def frequency(incidents: pd.DataFrame, window: Window, by: str | list[str] = "vendor",
              confidence: float = 0.95, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Incidents per month and per year with exact (Garwood) Poisson intervals.

    ``incidents`` are those in the window (see :func:`in_window`); exposure is the window
    length. ``groups`` lists groups to report with zero incidents too.
    """
    table = _group_counts(incidents, by, groups)
    count = table["incidents"].to_numpy()
    exposure = np.full(len(table), window.months)
    rate, lower, upper = stats.poisson_rate_bounds_array(count, exposure, confidence)
    table["per_month"] = rate
    table["per_month_lower"] = lower
    table["per_month_upper"] = upper
    for column in ("per_month", "per_month_lower", "per_month_upper"):
        table[column.replace("month", "year")] = table[column] * (HOURS_PER_YEAR / HOURS_PER_MONTH)
    return table


def mtbf(incidents: pd.DataFrame, window: Window, by: str | list[str] = "vendor",
         confidence: float = 0.90, min_incidents: int = 3,
         groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean time between failures in hours with chi-square bounds (e-Handbook 8.4.5.1).

    Exposure is the window (time-terminated). Below ``min_incidents`` the point estimate is
    withheld (``mtbf_hours`` is NaN, ``enough_data`` False) and only the bounds are given.
    """
    table = _group_counts(incidents, by, groups)
    count = table["incidents"].to_numpy()
    exposure = np.full(len(table), window.hours)
    estimate, lower, upper = stats.mtbf_bounds_array(exposure, count, confidence, False)
    table["enough_data"] = count >= min_incidents
    table["mtbf_hours"] = np.where(table["enough_data"], estimate, np.nan)
    table["mtbf_lower_hours"] = lower
    table["mtbf_upper_hours"] = upper
    return table


# ---------------------------------------------------------------- time to restore


# ---------------------------------------------------------------- downtime and availability


def union_hours(keys: pd.DataFrame, starts: pd.Series, ends: pd.Series) -> pd.Series:
    """Length in hours of the union of ``[start, end)`` intervals per group of ``keys``.

    Overlapping and nested intervals count once (see :func:`_union_by_code`).
    """
    by = list(keys.columns)
    codes, labels = group_codes(keys, by)
    totals = _union_by_code(codes, hours_since_epoch(starts), hours_since_epoch(ends),
                            len(labels))
    return pd.Series(totals, index=labels, name="hours")


def hours_since_epoch(stamps: pd.Series) -> np.ndarray:
    nanoseconds = _nanoseconds(stamps)
    return np.where(nanoseconds == _NAT, np.nan, nanoseconds / _NS_PER_HOUR)


def _union_by_code(codes: np.ndarray, s: np.ndarray, e: np.ndarray, size: int,
                   presorted: bool = False) -> np.ndarray:
    """Union length per group code of intervals ``[s, e)`` (hours, NaN and empty skipped).

    Sort by group and start (skipped when ``presorted``), take the running maximum of the
    ends per group, start a new block wherever a start passes that maximum; each block adds
    its last running maximum minus its first start. Pure numpy apart from one grouped cummax.
    """
    usable = ~np.isnan(s) & ~np.isnan(e) & (e > s)
    if not usable.all():
        codes, s, e = codes[usable], s[usable], e[usable]
    if len(s) == 0:
        return np.zeros(size)
    if not presorted:
        order = order_by_group_then(codes, s)
        codes, s, e = codes[order], s[order], e[order]
    reach = pd.Series(e).groupby(codes, sort=False).cummax().to_numpy()
    first_of_group = np.r_[True, codes[1:] != codes[:-1]]
    previous_reach = np.r_[np.nan, reach[:-1]]
    new_block = first_of_group | (s > previous_reach)
    last_of_block = np.r_[new_block[1:], True]
    lengths = reach[last_of_block] - s[new_block]
    return np.bincount(codes[new_block], weights=lengths, minlength=size)


def group_codes(keys: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.Index]:
    """Integer code per row and the index of group labels (sorted) for ``keys``.

    Each key column is factorised once (sorted), the codes are combined in mixed radix and
    the combinations that occur are numbered in order: the labels come out sorted as a
    ``groupby(sort=True)`` would give them, without a second hashing pass over the rows.
    A row with a missing key gets code -1 in one key and is dropped as groupby drops it.
    """
    if len(by) == 1:
        codes, uniques = pd.factorize(keys[by[0]], sort=True)
        return codes, pd.Index(uniques, name=by[0])
    factors = [pd.factorize(keys[column], sort=True) for column in by]
    sizes = [max(1, len(uniques)) for _, uniques in factors]
    combined = np.zeros(len(keys), dtype=np.int64)
    missing = np.zeros(len(keys), dtype=bool)
    for (codes, _), size in zip(factors, sizes, strict=True):
        combined = combined * size + codes
        missing |= codes < 0
    total = int(np.prod(sizes, dtype=np.float64))
    if total > 50_000_000:  # too many combinations to count densely: let pandas group them
        grouped = keys.groupby(by, observed=True, sort=True)
        return grouped.ngroup().to_numpy(), pd.MultiIndex.from_frame(
            grouped.size().reset_index()[by])
    present = np.flatnonzero(np.bincount(combined[~missing], minlength=total))
    number = np.full(total, -1, dtype=np.int64)
    number[present] = np.arange(len(present))
    codes = np.where(missing, -1, number[np.where(missing, 0, combined)])
    levels = []
    for (_, uniques), size in zip(reversed(factors), reversed(sizes), strict=True):
        levels.append(np.asarray(uniques)[present % size] if len(uniques) else uniques)
        present = present // size
    return codes, pd.MultiIndex.from_arrays(list(reversed(levels)), names=by)


def _clipped_intervals(incidents: pd.DataFrame, window: Window) -> pd.DataFrame:
    usable = incidents.loc[incidents["end_known"] & incidents["impact"].isin(
        ["outage", "degradation"])]
    return usable.assign(
        s=usable["start_mid"].clip(lower=window.start, upper=window.end),
        e=usable["end_mid"].clip(lower=window.start, upper=window.end))


def downtime(incidents: pd.DataFrame, window: Window, by: str | list[str] = "vendor",
             partial_weight: float = PARTIAL_WEIGHT) -> pd.DataFrame:
    """Merged downtime per group in the window, full and partial outages kept apart.

    ``outage_hours`` is the union of outage intervals; ``partial_hours`` the time partly out
    but not fully; ``weighted_hours = outage + partial_weight * partial`` (the status pages'
    weights, as :mod:`incidents.analysis.availability` uses them; degraded performance and
    advisories
    count nothing); ``availability = 1 - weighted_hours / window hours``. Intervals are
    clipped to the window. Incidents with no published end are not counted
    (``end_unknown``), so availability is an upper bound. Scope and SLAs are the business of
    :mod:`incidents.analysis.availability`; this is the fast table the benchmark measures.
    """
    found = grouping(incidents, by)
    codes, labels, size = found.codes, found.labels, found.size
    impact = incidents["impact"]
    known = incidents["end_known"].to_numpy(dtype=bool)
    counted = known & impact.isin(["outage", "partial-outage"]).to_numpy()
    outage = counted & (impact == "outage").to_numpy()
    low, high = hours_since_epoch(pd.Series([window.start, window.end]))
    s = np.clip(hours_since_epoch(incidents["start_mid"]), low, high)
    e = np.clip(hours_since_epoch(incidents["end_mid"]), low, high)
    # One sort serves both unions: the outages, taken in that order, are still sorted.
    rows = np.flatnonzero(counted & (e > s))  # (NaN compares False: unknown ends drop out)
    codes_in, s_in, e_in = codes[rows], s[rows], e[rows]
    order = order_by_group_then(codes_in, s_in)
    codes_in, s_in, e_in, rows = codes_in[order], s_in[order], e_in[order], rows[order]
    any_hours = _union_by_code(codes_in, s_in, e_in, size, presorted=True)
    out = outage[rows]
    out_hours = _union_by_code(codes_in[out], s_in[out], e_in[out], size, presorted=True)
    table = labels.to_frame(index=False)
    table["outage_hours"] = out_hours
    table["partial_hours"] = np.clip(any_hours - out_hours, 0, None)
    table["weighted_hours"] = out_hours + partial_weight * table["partial_hours"]
    table["availability"] = (1 - table["weighted_hours"] / window.hours).clip(0, 1)
    table["end_unknown"] = np.bincount(codes[~known], minlength=size)
    return table


def calendar_months(window: Window) -> pd.DataFrame:
    """Calendar months overlapping the window, each clipped to it (``month``, ``s``, ``e``)."""
    first = window.start.replace(day=1).normalize()
    starts = pd.date_range(first, window.end, freq="MS", inclusive="left")
    months = pd.DataFrame({"month": starts.strftime("%Y-%m")})
    months["s"] = np.maximum(starts, window.start)
    months["e"] = np.minimum(starts + pd.offsets.MonthBegin(1), window.end)
    return months


def parse_credit_tiers(tiers: str) -> list[tuple[float, float]]:
    """``"0.999:25;0.99:50"`` -> ``[(0.99, 50.0), (0.999, 25.0)]``, strictest threshold first."""
    pairs = []
    for part in filter(None, (p.strip() for p in str(tiers or "").split(";"))):
        threshold, _, credit = part.partition(":")
        pairs.append((float(threshold), float(credit)))
    return sorted(pairs)


def credit_for(availability: float, tiers: str) -> float:
    """Service credit (% of the monthly fee) the tiers give for a month's availability.

    NaN when the SLA publishes no credit tiers: the credit is unknown, not zero.
    """
    if not parse_credit_tiers(tiers):
        return float("nan")
    for threshold, credit in parse_credit_tiers(tiers):
        if availability < threshold:
            return credit
    return 0.0


# ---------------------------------------------------------------- trend and outlook


# ---------------------------------------------------------------- causes and access vectors


def change_induced_share(incidents: pd.DataFrame, by: str | list[str] = "vendor",
                         confidence: float = 0.95) -> pd.DataFrame:
    """Share of incidents caused by the vendor's own changes, with a Clopper-Pearson interval.

    The share is over incidents whose cause is known (``yes`` or ``no``); ``unknown`` is
    counted beside it, since an undisclosed cause could be either. This is DORA's change
    failure rate seen from the customer's side.
    """
    from scipy.special import betaincinv  # the beta quantile (``scipy.stats`` imports slowly)

    keys = as_list(by)
    flags = incidents["change_induced"].astype("object")
    table = incidents[keys].assign(
        yes=flags.eq("yes"), no=flags.eq("no"), unknown=flags.eq("unknown")).groupby(
        keys, observed=True)[["yes", "no", "unknown"]].sum().reset_index()
    known = table["yes"] + table["no"]
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = table["yes"] / known.where(known > 0)
    with np.errstate(invalid="ignore"):  # the cases np.where replaces just below
        table["share_lower"] = np.where(table["yes"] > 0, betaincinv(
            table["yes"], known - table["yes"] + 1, tail), 0.0)
        table["share_upper"] = np.where(table["yes"] < known, betaincinv(
            table["yes"] + 1, known - table["yes"], 1 - tail), 1.0)
    table.loc[known == 0, ["share_lower", "share_upper"]] = np.nan
    return table


def breakdown(incidents: pd.DataFrame, column: str, by: str | list[str] = "vendor",
              multi: bool = False) -> pd.DataFrame:
    """Count of incidents per group and term of ``column`` (root cause, mitigation ...).

    With ``multi`` a ``;``-separated column counts an incident once per term it lists.
    """
    keys = as_list(by)
    values = multi_values(incidents[column].astype("object")) if multi else incidents[
        column].astype("object")
    frame = incidents[keys].loc[values.index].assign(term=values.to_numpy())
    return frame.groupby([*keys, "term"], observed=True).size().rename(
        "incidents").reset_index().sort_values([*keys, "incidents"], ascending=[
            *([True] * len(keys)), False]).reset_index(drop=True)


def access_vector_matrix(incidents: pd.DataFrame, period: str = "Q",
                         window: Window | None = None) -> pd.DataFrame:
    """Client surface or protocol by period: how many incidents broke each way in.

    Rows are client terms, columns periods (``"Q"`` quarters, ``"Y"`` years, ``"M"`` months);
    with a ``window`` every period in it is a column, quiet ones as zeros.
    """
    clients = multi_values(incidents["affected_clients"].astype("object"))
    starts = incidents.loc[clients.index, "start_utc"].dt.tz_localize(None)
    periods = starts.dt.to_period(period).astype(str)
    frame = pd.DataFrame({"client": clients.to_numpy(), "period": periods.to_numpy()})
    matrix = pd.crosstab(frame["client"], frame["period"]).sort_index()
    if window is not None:
        every = pd.period_range(window.start.tz_localize(None),
                                (window.end - pd.Timedelta(days=1)).tz_localize(None),
                                freq=period).astype(str)
        matrix = matrix.reindex(columns=every, fill_value=0)
    return matrix


def order_by_group_then(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Row order sorted by group code, then by value (as ``np.lexsort((values, codes))``).

    Two passes: any sort of the values (ties between equal values never matter to the
    callers; skipped when the values are already in order, as start times of a table kept
    in time order are), then a stable sort of the codes, which numpy does as a radix sort
    when the codes fit in 16 bits (up to 65,536 groups): about 15x faster than a lexsort.
    """
    codes = _small_codes(codes)
    if len(values) < 2 or bool(np.all(values[1:] >= values[:-1])):
        return np.argsort(codes, kind="stable")
    by_value = np.argsort(values)
    return by_value[np.argsort(codes[by_value], kind="stable")]


def _small_codes(codes: np.ndarray) -> np.ndarray:
    """Group codes in the narrowest unsigned type numpy's radix sort takes, when they fit."""
    codes = np.asarray(codes)
    if codes.size and codes.min() >= 0 and codes.max() <= np.iinfo(np.uint16).max:
        return codes.astype(np.uint16)
    return codes
