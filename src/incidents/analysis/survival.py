"""Time to restore as survival analysis on plain numbers: the Kaplan-Meier product-limit estimate,
its log-transform interval and R survfit's quantile rule (Therneau, R survival: survfit and
quantile.survfit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from incidents.analysis import stats

__all__ = [
    "KaplanMeier",
    "RestoreTime",
    "kaplan_meier",
    "restore_time",
]


@dataclass(frozen=True, slots=True)
class RestoreTime:
    """Kaplan-Meier restore-time summary (hours); ``None`` = not reached."""

    n: int
    events: int
    median: float | None
    median_lower: float | None
    median_upper: float | None
    p90: float | None


@dataclass(frozen=True, slots=True, eq=False)
class KaplanMeier:
    """Product-limit table, one row per distinct duration (read-only arrays)."""

    times: NDArray[np.float64]
    survival: NDArray[np.float64]
    at_risk: NDArray[np.int64]
    events: NDArray[np.int64]
    greenwood_var: NDArray[np.float64]


def _as_resolved(resolved: ArrayLike, size: int) -> NDArray[np.bool_]:
    arr = np.asarray(resolved).ravel()
    if arr.size != size:
        raise ValueError(f"resolved has {arr.size} entries but durations has {size}")
    if arr.dtype != bool:
        try:
            numeric = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError("resolved must be booleans (or 0/1)") from None
        if not np.all((numeric == 0) | (numeric == 1)):
            raise ValueError("resolved must be booleans (or 0/1)")
        arr = numeric == 1
    return arr


def _km_table(durations: ArrayLike, resolved: ArrayLike) -> tuple[KaplanMeier, NDArray[np.float64]]:
    """Kaplan-Meier table plus the cumulative Greenwood sum sum d/(n(n-d))."""
    d = stats.as_float_array(durations, "durations").ravel()
    if np.any(d < 0):
        raise ValueError("durations must be >= 0 hours")
    res = _as_resolved(resolved, d.size)
    if d.size == 0:
        empty = KaplanMeier(
            np.empty(0), np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        )
        return empty, np.empty(0)
    times, inverse = np.unique(d, return_inverse=True)
    total = np.bincount(inverse, minlength=times.size)
    events = np.bincount(inverse, weights=res.astype(float), minlength=times.size).astype(np.int64)
    at_risk = (d.size - np.concatenate(([0], np.cumsum(total)[:-1]))).astype(np.int64)
    survival = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), np.inf)
        greenwood_sum = np.cumsum(terms)
        greenwood_var = np.where(survival > 0, survival**2 * greenwood_sum, np.nan)
    arrays = (times, survival, at_risk, events, greenwood_var)
    for arr in arrays:
        arr.setflags(write=False)
    return KaplanMeier(*arrays), greenwood_sum


def kaplan_meier(durations: ArrayLike, resolved: ArrayLike) -> KaplanMeier:
    """Kaplan-Meier product-limit estimate of P(restore time > t).

    ``durations`` are hours from incident start to resolution (or to now for
    incidents still open); ``resolved`` is True for resolved incidents and
    False for open ones, which are right-censored at their duration.  One row
    per distinct duration t_j (censoring-only rows included, as in R's
    ``survfit``)::

        at_risk n_j  = number of durations >= t_j
        events  d_j  = resolved incidents with duration t_j
        S(t_j)       = prod_{i<=j} (1 - d_i / n_i)
        greenwood_var = S(t_j)^2 * sum_{i<=j} d_i / (n_i (n_i - d_i))

    (Kaplan & Meier 1958; Greenwood 1926 variance, as in R ``survfit``.)
    ``greenwood_var`` is nan once S reaches 0 (the Greenwood term divides by
    zero there).  Empty input gives empty arrays.

    Raises ValueError for negative/non-finite durations, a length mismatch, or
    ``resolved`` values other than booleans or 0/1.
    """
    return _km_table(durations, resolved)[0]


def _run_starts(values: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Mask of entries that differ from their predecessor (nan equals nan).

    Drops the censoring-only rows, where the curve does not move; for a
    monotone curve this is R's ``duplicated()`` step in ``findq``.
    """
    keep = np.ones(values.size, dtype=bool)
    same = (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1]))
    keep[1:] = ~same
    return keep


def _first_true(mask: NDArray[np.bool_]) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _r_quantile(x: NDArray[np.float64], cdf: NDArray[np.float64], p: float) -> float | None:
    """First time the step CDF ``cdf`` (at times ``x``) reaches p, R-style.

    Mirrors R ``survival:::findq`` (quantile.survfit): the quantile is the
    first time with cdf >= p; if the curve is flat exactly at p (within
    sqrt(machine eps)) the midpoint of that flat segment is returned -- up to
    the next jump, or up to the last time on record if the curve ends flat at
    p.  ``None`` if p is never reached.  nan points (undefined confidence
    limits, where S = 0) are skipped, as R's ``approx`` does.  Times are
    scanned in order, so for the (possibly non-monotone) upper confidence
    curve this is its first crossing of p.
    """
    x_max = float(x[-1])
    keep = _run_starts(cdf)
    x, y = x[keep], cdf[keep]
    valid = ~np.isnan(y)
    xv, yv = x[valid], y[valid]
    if yv.size == 0 or np.max(yv) < p - stats.R_TOL:
        return None
    i1 = _first_true(yv + stats.R_TOL >= p)
    i2 = _first_true(yv - stats.R_TOL >= p)
    quant = None
    if i1 is not None and i2 is not None:
        quant = (xv[i1] + xv[i2]) / 2.0
    if not np.isnan(y[-1]) and abs(p - y[-1]) < stats.R_TOL and i1 is not None:
        quant = (xv[i1] + x_max) / 2.0
    return None if quant is None else float(quant)


def _log_ci(
    survival: NDArray[np.float64], greenwood_sum: NDArray[np.float64], z: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pointwise log-transformed CI of S (R survfit conf.type = "log"); nan where S = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(greenwood_sum)
        log_s = np.log(np.where(survival > 0, survival, np.nan))
        lower = np.exp(log_s - z * se)
        upper = np.minimum(np.exp(log_s + z * se), 1.0)
    return lower, upper


def restore_time(
    durations: ArrayLike, resolved: ArrayLike, confidence: float = 0.95
) -> RestoreTime:
    """Median and 90th-percentile restore time (hours) from Kaplan-Meier.

    Still-open incidents (``resolved`` False) are right-censored at their
    duration (see :func:`kaplan_meier`).  Quantiles follow R ``survival``
    (``quantile.survfit`` / ``print.survfit``):

    * median = smallest t with S(t) <= 0.5; if S(t) == 0.5 exactly over an
      interval, the midpoint of that flat segment (to the next event time, or
      to the last recorded time when the curve ends at 0.5) -- which makes it
      the ordinary sample median when nothing is censored;
    * p90 = the same rule at S(t) <= 0.10;
    * median confidence interval (Brookmeyer & Crowley 1982 as in R): the
      pointwise CI of S is log-transformed (R ``conf.type="log"``, the
      default), S * exp(+-z * se) with se = sqrt(sum d/(n(n-d))) (Greenwood),
      upper limit capped at 1, z = z_{1-(1-confidence)/2}.  The interval is
      the set of t whose CI contains 0.5: ``median_lower`` is the first t
      where the *lower* CI curve falls to 0.5, ``median_upper`` the first t
      where the *upper* CI curve does (same midpoint rule).  The lower CI
      curve crosses 0.5 before S does, so it gives the lower limit; this is
      how R's print.survfit reports 0.95LCL / 0.95UCL.

    ``None`` marks a quantile or bound that is never reached (e.g. all
    incidents still open, or the upper CI curve never falls to 0.5).  Empty
    input gives n = 0 and all quantiles None.

    Raises ValueError like :func:`kaplan_meier`, or for confidence outside
    (0, 1).
    """
    alpha = stats.alpha_from(confidence)
    km, greenwood_sum = _km_table(durations, resolved)
    n = int(km.at_risk[0]) if km.times.size else 0
    events = int(km.events.sum())
    if n == 0:
        return RestoreTime(0, 0, None, None, None, None)
    z = stats.norm_ppf(1.0 - alpha / 2.0)
    ci_lower, ci_upper = _log_ci(km.survival, greenwood_sum, z)
    x = np.concatenate(([0.0], km.times))

    def cdf(curve: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.concatenate(([0.0], 1.0 - curve))

    return RestoreTime(
        n=n,
        events=events,
        median=_r_quantile(x, cdf(km.survival), 0.5),
        median_lower=_r_quantile(x, cdf(ci_lower), 0.5),
        median_upper=_r_quantile(x, cdf(ci_upper), 0.5),
        p90=_r_quantile(x, cdf(km.survival), 0.9),
    )
