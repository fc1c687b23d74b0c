"""Time to restore per group: Kaplan-Meier product-limit curves for many groups at once (one sort),
with R survfit's quantile rule and log-transform intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from incidents.analysis import metrics


def grouped_kaplan_meier_summary(codes: np.ndarray, durations: np.ndarray,
                                 resolved: np.ndarray, confidence: float = 0.95
                                 ) -> pd.DataFrame:
    """Kaplan-Meier median (log-transform interval) and p90 for many groups at once.

    Vectorised equivalent of :func:`incidents.analysis.survival.restore_time` applied per group code
    (same product-limit estimator, Greenwood variance, R ``survfit`` quantile rules); returns
    one row per code with ``n``, ``events``, ``median``, ``median_lower``, ``median_upper``
    and ``p90`` (NaN where not reached). Pure numpy over sorted arrays: no Python loop.
    """
    t = np.asarray(durations, dtype=float)
    valid = ~np.isnan(t)
    code = np.asarray(codes)[valid]
    t = t[valid]
    event = np.asarray(resolved, dtype=bool)[valid].astype(float)
    order = metrics.order_by_group_then(code, t)
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


def _runs(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by group: the index of each run's first row, and each row's run."""
    first = np.r_[True, group[1:] != group[:-1]]
    return np.flatnonzero(first), np.cumsum(first) - 1


def within_group_cumsum(values: np.ndarray, group: np.ndarray,
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
        log_s = within_group_cumsum(np.log1p(-np.minimum(deaths / at_risk, 1.0)), step_group,
                                    runs)
        denom = at_risk * (at_risk - deaths)
        green = within_group_cumsum(np.where(denom > 0, deaths / denom, np.inf), step_group,
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
    the window end, and so is an incident with no published end at its last update that still
    reported impact. Incidents whose end was never published, with no such update (and that
    are not ongoing), cannot enter and are counted in ``end_unknown``.

    A duration whose start or end is known only to the day or month is an interval, not a
    number of hours: it enters the estimate at both ends of what its dates allow, never at a
    midpoint. ``median`` is the Kaplan-Meier median with every such incident at its shortest
    duration, ``median_longest`` with every one at its longest; the true median lies between
    them (the estimate is monotone in each duration), and they are equal when every time is
    known to the hour. ``median_lower`` is the lower 95% limit of the first, ``median_upper``
    the upper limit of the second; ``imprecise`` counts those incidents.
    ``median_if_earliest`` / ``median_if_latest`` are the plain medians of the shortest and
    longest durations of the restored incidents. The mean (``mean_hours``, restored incidents
    only) is a labelled aside: restore times are skewed and the median is the headline. Hours.
    """
    found = metrics.grouping(incidents, by)
    restorable = (incidents["impact"] != "advisory").to_numpy()

    def column(name: str, dtype: type) -> np.ndarray:  # restorable rows only, as numpy
        values = incidents[name].to_numpy(dtype=dtype, **(
            {"na_value": np.nan} if dtype is float else {}))
        return values[restorable]

    codes, labels, size = found.codes[restorable], found.labels, found.size
    known, resolved = column("end_known", bool), column("resolved", bool)
    hours = column("duration_hours", float)
    fine = ["minute", "hour"]
    precise = (incidents["start_precision"].isin(fine) & (
        incidents["end_precision"].isin(fine) | incidents["end_utc"].isna())).to_numpy()[
            restorable]
    interval = resolved & ~precise
    shortest = np.where(interval, column("duration_min_hours", float), hours)
    longest = np.where(interval, column("duration_max_hours", float), hours)
    low = grouped_kaplan_meier_summary(codes[known], shortest[known], resolved[known],
                                       confidence).reindex(range(size))
    high = grouped_kaplan_meier_summary(codes[known], longest[known], resolved[known],
                                        confidence).reindex(range(size))
    table = labels.to_frame(index=False)
    for name in ("n", "events", "median", "median_lower", "p90"):
        table[name] = low[name].to_numpy()
    table["median_longest"] = high["median"].to_numpy()
    table["median_upper"] = high["median_upper"].to_numpy()
    table["p90_longest"] = high["p90"].to_numpy()
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
    table["imprecise"] = np.bincount(codes[known & interval], minlength=size)
    table["end_unknown"] = np.bincount(codes[~known], minlength=size)
    table["ongoing"] = np.bincount(codes[column("ongoing", bool)], minlength=size)
    for name in ("n", "events"):
        table[name] = table[name].fillna(0).astype(int)
    return table
