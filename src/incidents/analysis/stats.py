"""Reliability statistics for the vendor reliability report.

Pure functions on plain numbers: durations and exposures are hours (floats),
events are times in hours since the start of the observation window.  Inputs
are numpy arrays or sequences; no DataFrames.  Every public function documents
its formula, units and source, and each returns a small frozen dataclass
(``error_budget_minutes`` returns a float).

Conventions that change the answer are always named arguments, never silent:

* time- vs failure-terminated windows (``end`` given or ``None``),
* one- vs two-sided intervals (``one_sided``),
* plain MLE vs bias-corrected estimates (``unbiased``).

``scipy`` is imported lazily inside the functions that need it (only
``scipy.special`` / ``integrate`` / ``optimize``, never ``scipy.stats``):
``import scipy.stats`` costs about a second, and this module is imported by
every report notebook.

Sources
-------
NIST/SEMATECH e-Handbook of Statistical Methods, chapter 8
(https://www.itl.nist.gov/div898/handbook/apr/apr.htm):
8.1.7.1 (HPP), 8.1.7.2 (power law NHPP), 8.2.3.4 (trend tests),
8.4.5.1 (HPP/exponential MTBF bounds), 8.4.5.2 (power law / Duane model).
R ``survival`` package (Therneau): ``survfit`` and ``quantile.survfit``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "LaplaceTrend",
    "MtbfInterval",
    "RateInterval",
    "dispersion_test",
    "error_budget_minutes",
    "laplace_trend",
    "mtbf_bounds_array",
    "mtbf_interval",
    "poisson_rate_bounds_array",
    "poisson_rate_interval",
    "quasi_poisson_rate_bounds",
]

# R survival's default ``tolerance`` in quantile.survfit: sqrt(.Machine$double.eps).
R_TOL: Final[float] = math.sqrt(float(np.finfo(float).eps))
NAN: Final[float] = float("nan")

WORSENING: Final[str] = "worsening"
IMPROVING: Final[str] = "improving"
NO_TREND: Final[str] = "no trend"
INSUFFICIENT: Final[str] = "insufficient data"


# --------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MtbfInterval:
    """MTBF point estimate and chi-square bounds (hours) for an HPP window."""

    estimate: float
    lower: float
    upper: float
    failures: int
    exposure: float
    confidence: float
    one_sided: bool


@dataclass(frozen=True, slots=True)
class RateInterval:
    """Poisson rate (events per hour) with exact Garwood bounds."""

    rate: float
    lower: float
    upper: float
    count: int
    exposure: float
    confidence: float


@dataclass(frozen=True, slots=True)
class LaplaceTrend:
    """Laplace trend test result; ``end`` is the window end T actually used."""

    statistic: float
    p_value: float
    direction: str
    n: int
    end: float
    time_terminated: bool


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def alpha_from(confidence: float) -> float:
    """Return 1 - confidence after checking 0 < confidence < 1."""
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}") from None
    if not 0.0 < c < 1.0:  # also rejects nan
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return 1.0 - c


def as_float_array(values: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(values)
    if arr.dtype == bool:
        raise ValueError(f"{name} must be numeric, got booleans")
    try:
        out = arr.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {values!r}") from None
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite (no nan/inf)")
    return out


def _as_exposure(exposure: ArrayLike) -> NDArray[np.float64]:
    out = as_float_array(exposure, "exposure")
    if np.any(out <= 0):
        raise ValueError(f"exposure must be > 0 hours, got {exposure!r}")
    return out


def _as_counts(counts: ArrayLike, name: str) -> NDArray[np.int64]:
    out = as_float_array(counts, name)
    if np.any(out < 0) or np.any(out != np.floor(out)):
        raise ValueError(f"{name} must be non-negative integers, got {counts!r}")
    return out.astype(np.int64)


def as_event_times(event_times: ArrayLike, *, strictly_positive: bool) -> NDArray[np.float64]:
    t = as_float_array(event_times, "event_times").ravel()
    if strictly_positive and np.any(t <= 0):
        raise ValueError("event_times must be > 0 hours (ln(T/t_i) is undefined at t_i = 0)")
    if np.any(t < 0):
        raise ValueError("event_times must be >= 0 hours since the window start")
    return np.sort(t)


def window_end(t: NDArray[np.float64], end: float | None) -> tuple[float, bool]:
    """Return (T, time_terminated); failure-terminated windows end at t_n."""
    if end is None:
        return (float(t[-1]) if t.size else NAN), False
    T = float(as_float_array(end, "end"))
    if T <= 0:
        raise ValueError(f"end must be > 0 hours, got {end!r}")
    if t.size and t[-1] > T:
        raise ValueError(f"end={end!r} is earlier than the last event at {t[-1]!r}")
    return T, True


# --------------------------------------------------------------------------
# Distribution helpers (scipy.special only, imported lazily)
# --------------------------------------------------------------------------


def _chi2_ppf(q: ArrayLike, df: ArrayLike) -> NDArray[np.float64]:
    """Chi-square quantile: chi2.ppf(q, df) = 2 * gammaincinv(df / 2, q)."""
    from scipy.special import gammaincinv

    return 2.0 * gammaincinv(np.asarray(df, dtype=float) / 2.0, q)


def norm_ppf(q: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(q))


def _norm_two_sided_p(z: float) -> float:
    from scipy.special import ndtr

    return float(2.0 * ndtr(-abs(z)))


# --------------------------------------------------------------------------
# HPP: MTBF and Poisson rate intervals
# --------------------------------------------------------------------------


def mtbf_bounds_array(
    exposure: ArrayLike,
    failures: ArrayLike,
    confidence: float = 0.90,
    one_sided: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised HPP MTBF estimate and chi-square bounds (hours).

    Same formulas as :func:`mtbf_interval`, broadcast over arrays so that
    thousands of (exposure, failures) groups need no Python loop.  ``confidence``
    and ``one_sided`` are scalars shared by all groups.

    Returns ``(estimate, lower, upper)`` arrays of the broadcast shape.  Where
    failures == 0: estimate = upper = inf and lower is the one-sided bound
    2T / chi2.ppf(1 - a, 2) = T / (-ln a).

    Raises ValueError if any exposure <= 0, any failure count is negative or
    non-integer, or confidence is not in (0, 1).
    """
    alpha = alpha_from(confidence)
    T, r = np.broadcast_arrays(_as_exposure(exposure), _as_counts(failures, "failures"))
    tail = alpha if one_sided else alpha / 2.0
    has = r > 0
    r_safe = np.where(has, r, 1)
    estimate = np.where(has, T / r_safe, np.inf)
    lower = np.where(
        has,
        2.0 * T / _chi2_ppf(1.0 - tail, 2 * r + 2),
        2.0 * T / _chi2_ppf(1.0 - alpha, 2),
    )
    upper = np.where(has, 2.0 * T / _chi2_ppf(tail, 2 * r_safe), np.inf)
    return estimate, lower, upper


def mtbf_interval(
    exposure: float,
    failures: int,
    confidence: float = 0.90,
    one_sided: bool = False,
) -> MtbfInterval:
    """MTBF (hours) of a homogeneous Poisson process over a time-terminated window.

    Model: failures arrive as an HPP (constant rate), observed for a fixed
    ``exposure`` T hours (time-terminated / Type I), with r = ``failures``.

    Formulas (NIST/SEMATECH e-Handbook 8.4.5.1 "Constant repair rate
    (HPP/exponential) model", and 8.1.7.1), a = 1 - confidence::

        estimate = T / r
        lower    = 2T / chi2.ppf(1 - a/2, 2r + 2)
        upper    = 2T / chi2.ppf(a/2, 2r)

    ``one_sided=True`` replaces a/2 by a in both lines: ``lower`` is then the
    one-sided 100*confidence % lower bound and ``upper`` the one-sided upper
    bound (each stands on its own; together they are not a 100*confidence %
    interval).  The handbook notes these bounds are exact for repairable
    systems on test for a fixed time.

    Zero failures: only a one-sided lower bound exists (8.4.5.1 "zero fails"
    case): lower = 2T / chi2.ppf(1 - a, 2) = T / (-ln a); estimate = upper =
    inf.  That bound is one-sided whatever ``one_sided`` says, so the result
    reports ``one_sided=True`` in that case.

    Raises ValueError for exposure <= 0 (or non-finite), failures negative or
    non-integer, confidence outside (0, 1).
    """
    if np.ndim(exposure) or np.ndim(failures):
        raise ValueError("mtbf_interval takes scalars; use mtbf_bounds_array for arrays")
    estimate, lower, upper = mtbf_bounds_array(exposure, failures, confidence, one_sided)
    r = int(_as_counts(failures, "failures"))
    return MtbfInterval(
        estimate=float(estimate),
        lower=float(lower),
        upper=float(upper),
        failures=r,
        exposure=float(exposure),
        confidence=float(confidence),
        one_sided=bool(one_sided) or r == 0,
    )


def poisson_rate_bounds_array(
    count: ArrayLike,
    exposure: ArrayLike,
    confidence: float = 0.95,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised exact (Garwood) Poisson rate interval, events per hour.

    Same formulas as :func:`poisson_rate_interval`, broadcast over arrays.
    Returns ``(rate, lower, upper)``; lower is 0 where count == 0.
    """
    alpha = alpha_from(confidence)
    k, T = np.broadcast_arrays(_as_counts(count, "count"), _as_exposure(exposure))
    rate = k / T
    k_safe = np.where(k > 0, k, 1)
    lower = np.where(k > 0, _chi2_ppf(alpha / 2.0, 2 * k_safe) / (2.0 * T), 0.0)
    upper = _chi2_ppf(1.0 - alpha / 2.0, 2 * k + 2) / (2.0 * T)
    return rate, lower, upper


def poisson_rate_interval(count: int, exposure: float, confidence: float = 0.95) -> RateInterval:
    """Exact two-sided (Garwood, 1936) interval for a Poisson rate (events/hour).

    k = ``count`` events observed over ``exposure`` T hours, a = 1 - confidence::

        rate  = k / T
        lower = chi2.ppf(a/2, 2k) / (2T)        (0 when k = 0)
        upper = chi2.ppf(1 - a/2, 2k + 2) / (2T)

    This is the interval of R's ``poisson.test`` (Garwood, F. 1936, Biometrika
    28:437-442).  It is the reciprocal of the two-sided MTBF interval of
    :func:`mtbf_interval` (NIST e-Handbook 8.4.5.1): rate.lower = 1/mtbf.upper.

    Raises ValueError for count negative/non-integer, exposure <= 0,
    confidence outside (0, 1).
    """
    if np.ndim(count) or np.ndim(exposure):
        raise ValueError("poisson_rate_interval takes scalars; use poisson_rate_bounds_array")
    rate, lower, upper = poisson_rate_bounds_array(count, exposure, confidence)
    return RateInterval(
        rate=float(rate),
        lower=float(lower),
        upper=float(upper),
        count=int(_as_counts(count, "count")),
        exposure=float(exposure),
        confidence=float(confidence),
    )


# --------------------------------------------------------------------------
# Laplace trend test
# --------------------------------------------------------------------------


def _direction(u: float, p: float, alpha: float) -> str:
    if p < alpha and u > 0:
        return WORSENING
    if p < alpha and u < 0:
        return IMPROVING
    return NO_TREND


def laplace_trend(
    event_times: ArrayLike,
    end: float | None = None,
    alpha: float = 0.05,
) -> LaplaceTrend:
    """Laplace test for a trend in event times (NIST e-Handbook 8.2.3.4).

    ``event_times`` are hours since the window start (any order; sorted here).

    Time-terminated (``end`` = T given, T >= last event), k = n events::

        U = (sum(t_i) / k - T/2) / (T * sqrt(1 / (12 k)))

    Failure-terminated (``end=None``): the window ends at the last event,
    T = t_n, and that event is left out: k = n - 1 and the sum runs over the
    first n - 1 events (the convention of the ``reliability`` package's
    ``ROCOF``; the terminating event carries no information on the trend).

    Under a homogeneous Poisson process U is approximately N(0, 1).  The
    p-value is two-sided, p = 2 * (1 - Phi(|U|)).  ``direction`` is
    "worsening" (U > 0 and p < alpha: events crowd towards the end, i.e.
    failures becoming more frequent), "improving" (U < 0 and p < alpha), else
    "no trend".  With fewer than 2 events the statistic and p-value are nan
    and direction is "insufficient data".  U is unchanged by rescaling all
    times and ``end`` by the same factor.

    Raises ValueError for negative or non-finite times, end earlier than the
    last event, a zero-length window, or alpha outside (0, 1).
    """
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}")
    t = as_event_times(event_times, strictly_positive=False)
    T, time_terminated = window_end(t, end)
    n = int(t.size)
    if n < 2:
        return LaplaceTrend(NAN, NAN, INSUFFICIENT, n, T, time_terminated)
    if T <= 0:
        raise ValueError("the observation window has zero length (all events at time 0)")
    used = t if time_terminated else t[:-1]
    k = used.size
    u = float((used.sum() / k - T / 2.0) / (T * math.sqrt(1.0 / (12.0 * k))))
    p = _norm_two_sided_p(u)
    return LaplaceTrend(u, p, _direction(u, p, float(alpha)), n, T, time_terminated)


# --------------------------------------------------------------------------
# Power law (Crow-AMSAA) NHPP
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# Kaplan-Meier restore times
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# SLO error budget
# --------------------------------------------------------------------------


def error_budget_minutes(slo: float, window_days: float = 30) -> float:
    """Allowed downtime in minutes for an availability SLO over a window.

    budget = (1 - slo) * window_days * 24 * 60, with ``slo`` a fraction
    (0.999 for "three nines", not 99.9) and ``window_days`` in days.  E.g.
    0.999 over 30 days gives 43.2 minutes.

    Raises ValueError for slo outside (0, 1] or window_days <= 0.
    """
    s = float(slo)
    days = float(window_days)
    if not 0.0 < s <= 1.0:
        raise ValueError(f"slo must be a fraction in (0, 1] such as 0.999, got {slo!r}")
    if not (math.isfinite(days) and days > 0):
        raise ValueError(f"window_days must be > 0, got {window_days!r}")
    return (1.0 - s) * days * 24.0 * 60.0


# --------------------------------------------------------------------------
# Overdispersion
# --------------------------------------------------------------------------


def dispersion_test(counts: ArrayLike) -> tuple[float, float]:
    """Pearson dispersion of counts in equal periods, and the p-value of "more spread than
    Poisson".

    ``phi = sum((x - mean)^2) / (mean * (k - 1))`` over k periods; under a Poisson process
    ``(k - 1) * phi`` is approximately chi-square with k - 1 degrees of freedom (the index of
    dispersion test, Fisher 1950), so ``p = chi2.sf((k - 1) * phi, k - 1)``. Incidents that
    cluster (one bad week, a run of follow-ups) give phi > 1. ``(nan, nan)`` with fewer than
    two periods or no events.
    """
    from scipy.special import gammaincc

    x = _as_counts(counts, "counts").astype(float)
    k = x.size
    if k < 2 or x.sum() == 0:
        return NAN, NAN
    mean = x.mean()
    statistic = float(((x - mean) ** 2).sum() / mean)
    return statistic / (k - 1), float(gammaincc((k - 1) / 2.0, statistic / 2.0))


def quasi_poisson_rate_bounds(count: int, exposure: float, phi: float,
                              confidence: float = 0.95) -> tuple[float, float, float]:
    """Rate with an interval widened for overdispersion ``phi`` (quasi-Poisson).

    The exact (Garwood) interval of ``count / phi`` events (the information the counts carry
    when their variance is ``phi`` times their mean), scaled back by ``phi``; with ``phi``
    at most 1 this is the exact Poisson interval. Returns ``(rate, lower, upper)`` per unit of
    ``exposure``.
    """
    alpha = alpha_from(confidence)
    k, scale = float(count), max(float(phi), 1.0) if not math.isnan(phi) else 1.0
    effective = k / scale
    lower = (float(_chi2_ppf(alpha / 2.0, 2 * effective)) * scale / (2.0 * exposure)
             if k > 0 else 0.0)
    upper = float(_chi2_ppf(1.0 - alpha / 2.0, 2 * effective + 2)) * scale / (2.0 * exposure)
    return k / exposure, lower, upper
