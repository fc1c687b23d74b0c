"""Trends and outlook per group: monthly counts, the Laplace test and power-law shape, and the
expected incidents of the coming months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from incidents.analysis import metrics


def event_hours(incidents: pd.DataFrame, window: metrics.Window) -> pd.Series:
    """Start times as hours since the window start (the input of the trend tests)."""
    return (incidents["start_mid"] - window.start) / pd.Timedelta(hours=1)


def monthly_counts(incidents: pd.DataFrame, window: metrics.Window, by: str | list[str] = "vendor",
                   rolling_months: int = 3) -> pd.DataFrame:
    """Incidents per group and calendar month (zeros included) with a rolling mean."""
    keys = metrics.as_list(by)
    months = metrics.calendar_months(window)[["month"]]
    grid = incidents[keys].drop_duplicates().merge(months, how="cross")
    month_of = incidents["start_utc"].dt.strftime("%Y-%m")
    counts = incidents.assign(month=month_of).groupby([*keys, "month"], observed=True).size()
    grid = grid.merge(counts.rename("incidents").reset_index(), on=[*keys, "month"], how="left")
    grid["incidents"] = grid["incidents"].fillna(0).astype(int)
    grid = grid.sort_values([*keys, "month"]).reset_index(drop=True)
    grid["rolling_mean"] = grid.groupby(keys, observed=True)["incidents"].transform(
        lambda s: s.rolling(rolling_months, min_periods=1).mean())
    return grid


def trend(incidents: pd.DataFrame, window: metrics.Window, by: str | list[str] = "vendor",
          alpha: float = 0.05) -> pd.DataFrame:
    """Laplace test and power-law shape per group, time-terminated at the window end.

    ``laplace_u`` > 0 means incidents bunch towards the end of the window (worsening);
    ``verdict`` is ``worsening``, ``improving``, ``no trend``, ``insufficient data`` (fewer
    than 3 incidents) or ``not testable`` (3 or more incidents, but at fewer than 3 distinct
    times). ``beta`` is the unbiased Crow-AMSAA shape (> 1 worsening). Both tests are for a
    point process in continuous time, where two events never share an instant: incidents of
    a group that start at the same moment (one outage recorded once per service, or a
    duplicated row) are one event to them, and ``distinct_times`` counts those events.
    Vectorised forms of :func:`incidents.analysis.stats.laplace_trend` and :func:`stats.power_law`.
    """
    found = metrics.grouping(incidents, by)
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


def outlook(incidents: pd.DataFrame, window: metrics.Window, by: str | list[str] = "vendor",
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

    keys = metrics.as_list(by)
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
