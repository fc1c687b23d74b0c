"""Reliability metrics on the validated incident table, vectorised over groups.

Every function takes the typed table from :func:`incidents.load.load_incidents` (or one made
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


def _as_list(by: str | list[str] | Groups) -> list[str]:
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
    keys = _as_list(by)
    codes, labels = _group_codes(incidents[keys], keys)
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


def with_times(incidents: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add best-estimate times and duration bounds, honouring each stamp's precision.

    New columns: ``resolved`` (an end is published), ``ongoing`` (no end, started within
    ``ONGOING_HORIZON`` of ``as_of``), ``end_at_least`` (no end, but a last update with impact:
    it lasted at least until then, censored there like an ongoing one),
    ``duration_min_hours`` / ``duration_max_hours`` (the
    shortest and longest duration the two precisions allow), ``duration_hours`` (the middle
    of that range; for ongoing incidents the time so far, censored), ``start_mid`` (middle of
    the start's precision interval), ``end_mid`` (``start_mid + duration``) and ``end_known``.
    Two stamps known to the same day give 12 h, not 0. Computed on int64 nanoseconds.
    """
    table = incidents.copy(deep=False)  # copy-on-write: new columns never touch the input
    start, end = _nanoseconds(table["start_utc"]), _nanoseconds(table["end_utc"])
    start_width = _precision_width(table["start_precision"], table["start_utc"])
    end_width = _precision_width(table["end_precision"], table["end_utc"])
    resolved = end != _NAT
    has_start = start != _NAT
    start_mid = np.where(has_start, start + start_width // 2, _NAT)
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


def in_window(incidents: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Incidents that started inside the window, with :func:`with_times` columns added."""
    inside = (incidents["start_utc"] >= window.start) & (incidents["start_utc"] < window.end)
    return with_times(incidents.loc[inside], window.end)


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


def grouped_kaplan_meier_summary(codes: np.ndarray, durations: np.ndarray,
                                 resolved: np.ndarray, confidence: float = 0.95
                                 ) -> pd.DataFrame:
    """Kaplan-Meier median (log-transform interval) and p90 for many groups at once.

    Vectorised equivalent of :func:`incidents.stats.restore_time` applied per group code
    (same product-limit estimator, Greenwood variance, R ``survfit`` quantile rules); returns
    one row per code with ``n``, ``events``, ``median``, ``median_lower``, ``median_upper``
    and ``p90`` (NaN where not reached). Pure numpy over sorted arrays: no Python loop.
    """
    t = np.asarray(durations, dtype=float)
    valid = ~np.isnan(t)
    code = np.asarray(codes)[valid]
    t = t[valid]
    event = np.asarray(resolved, dtype=bool)[valid].astype(float)
    order = _order_by_group_then(code, t)
    code, t, event = code[order], t[order], event[order]
    first_of_group = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, bool)
    groups, group_of_row = code[first_of_group], np.cumsum(first_of_group) - 1
    result = pd.DataFrame(index=pd.Index(groups, name="code"))
    result["n"] = np.bincount(group_of_row, minlength=len(groups))
    result["events"] = np.bincount(group_of_row, weights=event, minlength=len(groups)).astype(
        int)
    names = ("median", "median_lower", "median_upper", "p90")
    if len(t) == 0:
        return result.assign(**{name: np.nan for name in names})
    steps = _km_steps(group_of_row, t, event, result["n"].to_numpy(), confidence)
    steps["last_time"] = t[np.r_[group_of_row[1:] != group_of_row[:-1], True]]
    result["median"] = _first_at_or_below(steps, steps["survival"], 0.5, len(groups), True)
    result["median_lower"] = _first_at_or_below(steps, steps["lower"], 0.5, len(groups))
    result["median_upper"] = _first_at_or_below(steps, steps["upper"], 0.5, len(groups))
    result["p90"] = _first_at_or_below(steps, steps["survival"], 0.1, len(groups), True)
    return result


def _order_by_group_then(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
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


def _runs(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by group: the index of each run's first row, and each row's run."""
    first = np.r_[True, group[1:] != group[:-1]]
    return np.flatnonzero(first), np.cumsum(first) - 1


def _within_group_cumsum(values: np.ndarray, group: np.ndarray,
                         runs: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Cumulative sum restarting at each group, for rows sorted by group.

    One global cumulative sum minus the total before each group's first row. An infinite
    term (of one sign in a call, as the Kaplan-Meier sums have) makes the rest of its group
    that infinity, as a running sum would. ``runs`` is :func:`_runs` of ``group`` if known.
    """
    if len(values) == 0:
        return values
    starts, run = runs if runs is not None else _runs(group)
    finite = np.isfinite(values)
    clean = np.where(finite, values, 0.0)
    total = np.cumsum(clean)
    sums = total - (total - clean)[starts][run]
    if finite.all():
        return sums
    last_of_group = np.r_[run[1:] != run[:-1], True]
    if not (~finite & ~last_of_group).any():  # (Kaplan-Meier: only a group's last step)
        return np.where(finite, sums, values)
    infinite = np.cumsum(~finite)
    reached = (infinite - (infinite - ~finite)[starts][run]) > 0
    return np.where(reached, values[~finite][0], sums)


def _km_steps(group: np.ndarray, t: np.ndarray, event: np.ndarray, sizes: np.ndarray,
              confidence: float) -> dict[str, np.ndarray]:
    """Product-limit curve and log-transform bounds at every distinct event time per group."""
    new_step = np.r_[True, (group[1:] != group[:-1]) | (t[1:] != t[:-1])]
    first_row = np.flatnonzero(new_step)
    deaths = np.bincount(np.cumsum(new_step) - 1, weights=event)
    keep = deaths > 0
    first_row, deaths = first_row[keep], deaths[keep]
    step_group, step_t = group[first_row], t[first_row]
    # Rows are sorted by group then time: those at risk at a step are the rows from its
    # first row to the end of its group.
    at_risk = (np.cumsum(sizes)[step_group] - first_row).astype(float)
    runs = _runs(step_group)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = _within_group_cumsum(np.log1p(-np.minimum(deaths / at_risk, 1.0)), step_group,
                                     runs)
        denom = at_risk * (at_risk - deaths)
        green = _within_group_cumsum(np.where(denom > 0, deaths / denom, np.inf), step_group,
                                     runs)
        z = _normal_quantile(0.5 + confidence / 2)
        se = np.sqrt(green)
        # Where S reaches 0 the log-transform interval is undefined (NA in R's survfit).
        defined = np.isfinite(se) & np.isfinite(log_s)
        upper = np.where(defined, np.minimum(np.exp(log_s + z * se), 1.0), np.nan)
        lower = np.where(defined, np.exp(log_s - z * se), np.nan)
    return {"group": step_group, "t": step_t, "survival": np.exp(log_s), "upper": upper,
            "lower": lower}


def _normal_quantile(p: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(p))


def _first_at_or_below(steps: dict[str, np.ndarray], curve: np.ndarray, level: float,
                       groups: int, midpoint: bool = False) -> np.ndarray:
    """Per group, the first step time where ``curve <= level`` (R's survfit quantile rule).

    With ``midpoint`` a curve exactly at ``level`` gives the midpoint of that step time and
    the next one, as R's ``quantile.survfit`` does; a curve that ends flat at ``level`` gives
    the midpoint with the group's last recorded time (``steps["last_time"]``).
    """
    tol = 1.5e-8  # R's sqrt(.Machine$double.eps)
    out = np.full(groups, np.nan)
    hit = np.flatnonzero(curve <= level + tol)
    hit_group = steps["group"][hit]  # sorted: the steps are in group order
    first_pos = np.flatnonzero(np.r_[True, hit_group[1:] != hit_group[:-1]]) if len(hit) else hit
    first_group, index = hit_group[first_pos], hit[first_pos]
    times = steps["t"][index].copy()
    if midpoint:
        exact = np.abs(curve[index] - level) <= tol
        has_next = np.r_[steps["group"][1:] == steps["group"][:-1], False][index]
        following = np.r_[steps["t"][1:], np.nan][index]
        following = np.where(has_next, following, steps["last_time"][first_group])
        times[exact] = (times[exact] + following[exact]) / 2
    out[first_group] = times
    return out


def restore_times(incidents: pd.DataFrame, by: str | list[str] = "vendor",
                  confidence: float = 0.95) -> pd.DataFrame:
    """Time to restore per group: Kaplan-Meier median with its interval, p90, and a mean.

    Advisories are left out (no service was lost). Ongoing incidents are right-censored at
    the window end. Incidents whose end was never published (and that are not ongoing) are
    left out and counted in ``end_unknown``. Incidents whose start or end is known only to
    the day or month are left out of the Kaplan-Meier estimate (their duration is an interval
    of a day or more, not hours) and counted in ``imprecise``; they stay in the bounds below.
    ``median_if_earliest`` / ``median_if_latest``
    are the plain medians of the shortest and longest durations the date precisions allow, so
    a reader sees how much precision matters (``imprecise`` counts incidents with a start or
    end known only to the day or month). The mean (``mean_hours``, restored incidents only)
    is a labelled aside: restore times are skewed and the median is the headline. Hours.
    """
    found = grouping(incidents, by)
    restorable = (incidents["impact"] != "advisory").to_numpy()

    def column(name: str, dtype: type) -> np.ndarray:  # restorable rows only, as numpy
        values = incidents[name].to_numpy(dtype=dtype, **(
            {"na_value": np.nan} if dtype is float else {}))
        return values[restorable]

    codes, labels, size = found.codes[restorable], found.labels, found.size
    known, resolved = column("end_known", bool), column("resolved", bool)
    hours = column("duration_hours", float)
    fine = ["minute", "hour"]
    # A duration whose start or end is known only to the day is an interval of a day or more,
    # not a number of hours: it stays out of the hour-level estimate (counted in imprecise).
    precise = (incidents["start_precision"].isin(fine) & (
        incidents["end_precision"].isin(fine) | incidents["end_utc"].isna())).to_numpy()[
            restorable]
    use = known & precise
    summary = grouped_kaplan_meier_summary(codes[use], hours[use], resolved[use],
                                           confidence).reindex(range(size))
    table = labels.to_frame(index=False)
    for name in ("n", "events", "median", "median_lower", "median_upper", "p90"):
        table[name] = summary[name].to_numpy()
    done = codes[resolved]
    counted = np.bincount(done, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["mean_hours"] = np.bincount(done, weights=hours[resolved], minlength=size) / (
            np.where(counted > 0, counted, np.nan))
    bounds = pd.DataFrame({"median_if_earliest": column("duration_min_hours", float)[resolved],
                           "median_if_latest": column("duration_max_hours", float)[resolved]})
    medians = bounds.groupby(done).median().reindex(range(size))  # one grouping for both
    for name in bounds.columns:
        table[name] = medians[name].to_numpy()
    table["imprecise"] = np.bincount(codes[known & ~precise], minlength=size)
    table["end_unknown"] = np.bincount(codes[~known], minlength=size)
    table["ongoing"] = np.bincount(codes[column("ongoing", bool)], minlength=size)
    for name in ("n", "events"):
        table[name] = table[name].fillna(0).astype(int)
    return table


def summary_table(incidents: pd.DataFrame, window: Window, by: str | list[str] = "vendor",
                  min_incidents: int = 3,
                  partial_weight: float = PARTIAL_WEIGHT) -> pd.DataFrame:
    """One row per group: frequency, MTBF bounds, restore-time summary, downtime and trend.

    The rows are grouped once and every metric reuses that grouping (the columns are those
    of :func:`frequency`, :func:`mtbf`, :func:`restore_times`, :func:`downtime` and
    :func:`trend`, with ``restore_`` before the restore-time columns).
    """
    found = grouping(incidents, by)
    keys = list(found.keys)
    parts = [
        frequency(incidents, window, found),
        mtbf(incidents, window, found, min_incidents=min_incidents).drop(
            columns=[*keys, "incidents"]),
        restore_times(incidents, found).drop(columns=keys).add_prefix("restore_"),
        downtime(incidents, window, found, partial_weight).drop(
            columns=[*keys, "end_unknown"]),
        trend(incidents, window, found).drop(columns=[*keys, "n"]),
    ]
    return pd.concat(parts, axis=1)


# ---------------------------------------------------------------- downtime and availability


def union_hours(keys: pd.DataFrame, starts: pd.Series, ends: pd.Series) -> pd.Series:
    """Length in hours of the union of ``[start, end)`` intervals per group of ``keys``.

    Overlapping and nested intervals count once (see :func:`_union_by_code`).
    """
    by = list(keys.columns)
    codes, labels = _group_codes(keys, by)
    totals = _union_by_code(codes, _hours_since_epoch(starts), _hours_since_epoch(ends),
                            len(labels))
    return pd.Series(totals, index=labels, name="hours")


def _hours_since_epoch(stamps: pd.Series) -> np.ndarray:
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
        order = _order_by_group_then(codes, s)
        codes, s, e = codes[order], s[order], e[order]
    reach = pd.Series(e).groupby(codes, sort=False).cummax().to_numpy()
    first_of_group = np.r_[True, codes[1:] != codes[:-1]]
    previous_reach = np.r_[np.nan, reach[:-1]]
    new_block = first_of_group | (s > previous_reach)
    last_of_block = np.r_[new_block[1:], True]
    lengths = reach[last_of_block] - s[new_block]
    return np.bincount(codes[new_block], weights=lengths, minlength=size)


def _group_codes(keys: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.Index]:
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
    weights, as :mod:`incidents.availability` uses them; degraded performance and advisories
    count nothing); ``availability = 1 - weighted_hours / window hours``. Intervals are
    clipped to the window. Incidents with no published end are not counted
    (``end_unknown``), so availability is an upper bound. Scope and SLAs are the business of
    :mod:`incidents.availability`; this is the fast table the benchmark measures.
    """
    found = grouping(incidents, by)
    codes, labels, size = found.codes, found.labels, found.size
    impact = incidents["impact"]
    known = incidents["end_known"].to_numpy(dtype=bool)
    counted = known & impact.isin(["outage", "partial-outage"]).to_numpy()
    outage = counted & (impact == "outage").to_numpy()
    low, high = _hours_since_epoch(pd.Series([window.start, window.end]))
    s = np.clip(_hours_since_epoch(incidents["start_mid"]), low, high)
    e = np.clip(_hours_since_epoch(incidents["end_mid"]), low, high)
    # One sort serves both unions: the outages, taken in that order, are still sorted.
    rows = np.flatnonzero(counted & (e > s))  # (NaN compares False: unknown ends drop out)
    codes_in, s_in, e_in = codes[rows], s[rows], e[rows]
    order = _order_by_group_then(codes_in, s_in)
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


def event_hours(incidents: pd.DataFrame, window: Window) -> pd.Series:
    """Start times as hours since the window start (the input of the trend tests)."""
    return (incidents["start_mid"] - window.start) / pd.Timedelta(hours=1)


def monthly_counts(incidents: pd.DataFrame, window: Window, by: str | list[str] = "vendor",
                   rolling_months: int = 3) -> pd.DataFrame:
    """Incidents per group and calendar month (zeros included) with a rolling mean."""
    keys = _as_list(by)
    months = calendar_months(window)[["month"]]
    grid = incidents[keys].drop_duplicates().merge(months, how="cross")
    month_of = incidents["start_utc"].dt.strftime("%Y-%m")
    counts = incidents.assign(month=month_of).groupby([*keys, "month"], observed=True).size()
    grid = grid.merge(counts.rename("incidents").reset_index(), on=[*keys, "month"], how="left")
    grid["incidents"] = grid["incidents"].fillna(0).astype(int)
    grid = grid.sort_values([*keys, "month"]).reset_index(drop=True)
    grid["rolling_mean"] = grid.groupby(keys, observed=True)["incidents"].transform(
        lambda s: s.rolling(rolling_months, min_periods=1).mean())
    return grid


def trend(incidents: pd.DataFrame, window: Window, by: str | list[str] = "vendor",
          alpha: float = 0.05) -> pd.DataFrame:
    """Laplace test and power-law shape per group, time-terminated at the window end.

    ``laplace_u`` > 0 means incidents bunch towards the end of the window (worsening);
    ``verdict`` is ``worsening``, ``improving``, ``no trend``, ``insufficient data`` (fewer
    than 3 incidents) or ``not testable`` (3 or more incidents, but at fewer than 3 distinct
    times). ``beta`` is the unbiased Crow-AMSAA shape (> 1 worsening). Both tests are for a
    point process in continuous time, where two events never share an instant: incidents of
    a group that start at the same moment (one outage recorded once per service, or a
    duplicated row) are one event to them, and ``distinct_times`` counts those events.
    Vectorised forms of :func:`incidents.stats.laplace_trend` and :func:`stats.power_law`.
    """
    found = grouping(incidents, by)
    horizon = window.hours
    times = event_hours(incidents, window).clip(lower=1e-9, upper=horizon).to_numpy(
        dtype=float)
    table = found.frame()
    table["n"] = np.bincount(found.codes, minlength=found.size)
    order = np.lexsort((times, found.codes))
    codes, times = found.codes[order], times[order]
    first = np.r_[True, (codes[1:] != codes[:-1]) | (times[1:] != times[:-1])][:len(codes)]
    codes, times = codes[first], times[first]
    events = np.bincount(codes, minlength=found.size)
    table["distinct_times"] = events
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_t = np.bincount(codes, weights=times, minlength=found.size) / events
        log_sum = np.bincount(codes, weights=np.log(horizon / times), minlength=found.size)
        table["laplace_u"] = (mean_t - horizon / 2) / (horizon * np.sqrt(1 / (12 * events)))
        mle = events / log_sum
    table["p_value"] = 2 * _normal_sf(table["laplace_u"].abs())
    enough = events >= 3
    table["beta"] = pd.Series((events - 1) / events * mle, index=table.index).where(enough)
    table["verdict"] = np.select(
        [table["n"] < 3, ~enough, (table["p_value"] < alpha) & (table["laplace_u"] > 0),
         (table["p_value"] < alpha) & (table["laplace_u"] < 0)],
        ["insufficient data", "not testable", "worsening", "improving"], default="no trend")
    table.loc[~enough, ["laplace_u", "p_value"]] = np.nan
    return table


def _normal_sf(values: pd.Series) -> pd.Series:
    from scipy.special import ndtr

    return pd.Series(ndtr(-values.to_numpy(dtype=float)), index=values.index)


def outlook(incidents: pd.DataFrame, window: Window, by: str | list[str] = "vendor",
            horizon_days: float = 91.0, confidence: float = 0.80,
            alpha: float = 0.05) -> pd.DataFrame:
    """Expected incidents in the next ``horizon_days`` with a prediction interval.

    Constant rate (no significant trend): the Poisson count over the horizon with the rate's
    uncertainty, a negative binomial (gamma-Poisson with Jeffreys prior, shape n + 1/2).
    Significant trend: the fitted power law's expected count
    ``lam * ((T + h)**beta - T**beta)`` with Poisson quantiles (parameter uncertainty not
    included, so that interval is too narrow; flagged in ``model``).
    """
    from scipy.stats import nbinom, poisson

    keys = _as_list(by)
    trends = trend(incidents, window, keys, alpha)
    horizon = horizon_days * 24.0
    total = window.hours
    shape = trends["n"] + 0.5
    prob = total / (total + horizon)
    tail = (1 - confidence) / 2
    trends["expected"] = shape * horizon / total
    trends["lower"] = nbinom.ppf(tail, shape, prob)
    trends["upper"] = nbinom.ppf(1 - tail, shape, prob)
    trends["model"] = "constant rate"
    trending = trends["verdict"].isin(["worsening", "improving"]) & trends["beta"].notna()
    if trending.any():
        beta = trends.loc[trending, "beta"]
        lam = trends.loc[trending, "n"] / total ** beta
        mean = lam * ((total + horizon) ** beta - total ** beta)
        trends.loc[trending, "expected"] = mean
        trends.loc[trending, "lower"] = poisson.ppf(tail, mean)
        trends.loc[trending, "upper"] = poisson.ppf(1 - tail, mean)
        trends.loc[trending, "model"] = "power law (interval excludes fit uncertainty)"
    return trends[[*keys, "n", "verdict", "model", "expected", "lower", "upper"]]


# ---------------------------------------------------------------- causes and access vectors


def change_induced_share(incidents: pd.DataFrame, by: str | list[str] = "vendor",
                         confidence: float = 0.95) -> pd.DataFrame:
    """Share of incidents caused by the vendor's own changes, with a Clopper-Pearson interval.

    The share is over incidents whose cause is known (``yes`` or ``no``); ``unknown`` is
    counted beside it, since an undisclosed cause could be either. This is DORA's change
    failure rate seen from the customer's side.
    """
    from scipy.stats import beta as beta_dist

    keys = _as_list(by)
    flags = incidents["change_induced"].astype("object")
    table = incidents[keys].assign(
        yes=flags.eq("yes"), no=flags.eq("no"), unknown=flags.eq("unknown")).groupby(
        keys, observed=True)[["yes", "no", "unknown"]].sum().reset_index()
    known = table["yes"] + table["no"]
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = table["yes"] / known.where(known > 0)
    table["share_lower"] = np.where(table["yes"] > 0, beta_dist.ppf(
        tail, table["yes"], known - table["yes"] + 1), 0.0)
    table["share_upper"] = np.where(table["yes"] < known, beta_dist.ppf(
        1 - tail, table["yes"] + 1, known - table["yes"]), 1.0)
    table.loc[known == 0, ["share_lower", "share_upper"]] = np.nan
    return table


def breakdown(incidents: pd.DataFrame, column: str, by: str | list[str] = "vendor",
              multi: bool = False) -> pd.DataFrame:
    """Count of incidents per group and term of ``column`` (root cause, mitigation ...).

    With ``multi`` a ``;``-separated column counts an incident once per term it lists.
    """
    keys = _as_list(by)
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
    order = _order_by_group_then(codes, s)
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
                max_groups: int = CO_FAILURE_GROUPS) -> pd.DataFrame:
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
    """
    spans = _spans(incidents)
    codes, labels = _group_codes(spans[[by]], [by])
    s, e = _hours_since_epoch(spans["start_mid"]), _hours_since_epoch(spans["end_mid"])
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
                found.append((labels[a], labels[b], hit_a, hit_b, hours))
    columns = [f"{by}_a", f"{by}_b", "incidents_a", "incidents_b", "overlap_hours"]
    table = pd.DataFrame(found, columns=columns).astype(
        {"incidents_a": int, "incidents_b": int, "overlap_hours": float})
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
    pair_codes, pairs = _group_codes(spans[["vendor", by]], ["vendor", by])
    vendor_codes, _ = _group_codes(spans[["vendor"]], ["vendor"])
    s, e = _hours_since_epoch(spans["start_mid"]), _hours_since_epoch(spans["end_mid"])
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
