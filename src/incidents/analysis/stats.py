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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "KaplanMeier",
    "LaplaceTrend",
    "MtbfInterval",
    "PowerLaw",
    "RateInterval",
    "RestoreTime",
    "error_budget_minutes",
    "kaplan_meier",
    "laplace_trend",
    "mtbf_bounds_array",
    "mtbf_interval",
    "poisson_rate_bounds_array",
    "poisson_rate_interval",
    "power_law",
    "restore_time",
]

# R survival's default ``tolerance`` in quantile.survfit: sqrt(.Machine$double.eps).
_R_TOL: Final[float] = math.sqrt(float(np.finfo(float).eps))
_NAN: Final[float] = float("nan")

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


@dataclass(frozen=True, slots=True)
class PowerLaw:
    """Crow-AMSAA (power-law NHPP) fit; MTBF fields are hours at ``end``.

    ``time_terminated`` and ``confidence`` record the conventions used (the
    bounds are two-sided at ``confidence``).
    """

    beta: float
    lam: float
    mtbf_now: float
    mtbf_lower: float
    mtbf_upper: float
    n: int
    end: float
    unbiased: bool
    time_terminated: bool
    confidence: float


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


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def _alpha(confidence: float) -> float:
    """Return 1 - confidence after checking 0 < confidence < 1."""
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}") from None
    if not 0.0 < c < 1.0:  # also rejects nan
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return 1.0 - c


def _as_float_array(values: ArrayLike, name: str) -> NDArray[np.float64]:
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
    out = _as_float_array(exposure, "exposure")
    if np.any(out <= 0):
        raise ValueError(f"exposure must be > 0 hours, got {exposure!r}")
    return out


def _as_counts(counts: ArrayLike, name: str) -> NDArray[np.int64]:
    out = _as_float_array(counts, name)
    if np.any(out < 0) or np.any(out != np.floor(out)):
        raise ValueError(f"{name} must be non-negative integers, got {counts!r}")
    return out.astype(np.int64)


def _as_event_times(event_times: ArrayLike, *, strictly_positive: bool) -> NDArray[np.float64]:
    t = _as_float_array(event_times, "event_times").ravel()
    if strictly_positive and np.any(t <= 0):
        raise ValueError("event_times must be > 0 hours (ln(T/t_i) is undefined at t_i = 0)")
    if np.any(t < 0):
        raise ValueError("event_times must be >= 0 hours since the window start")
    return np.sort(t)


def _window_end(t: NDArray[np.float64], end: float | None) -> tuple[float, bool]:
    """Return (T, time_terminated); failure-terminated windows end at t_n."""
    if end is None:
        return (float(t[-1]) if t.size else _NAN), False
    T = float(_as_float_array(end, "end"))
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


def _norm_ppf(q: float) -> float:
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
    alpha = _alpha(confidence)
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
    alpha = _alpha(confidence)
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
    t = _as_event_times(event_times, strictly_positive=False)
    T, time_terminated = _window_end(t, end)
    n = int(t.size)
    if n < 2:
        return LaplaceTrend(_NAN, _NAN, INSUFFICIENT, n, T, time_terminated)
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


def _crow_time_terminated_bounds(ts: float, n: int, alpha: float) -> tuple[float, float]:
    """NIST e-Handbook 8.4.5.2 approximate MTBF bounds at the end of a fixed-time test.

    With z = z_{1-a/2} and MTBF_hat * r * (r - 1) = T * S (S = sum ln(T/t_i))::

        ML = T S / (r + z^2/4 + sqrt(r z^2 / 2 + z^4 / 16))^2
        MU = T S / (r - z sqrt(r / 2))^2        (inf when r <= z sqrt(r/2))
    """
    z = _norm_ppf(1.0 - alpha / 2.0)
    lower = ts / (n + z * z / 4.0 + math.sqrt(n * z * z / 2.0 + z**4 / 16.0)) ** 2
    denom = n - z * math.sqrt(n / 2.0)
    upper = ts / denom**2 if denom > 0 else math.inf
    return lower, upper


def _gamma_product_cdf(a: float, b: float) -> Callable[[float], float]:
    """CDF of G1 * G2 with G1 ~ Gamma(a), G2 ~ Gamma(b) independent, unit scale."""
    from scipy.integrate import quad
    from scipy.special import gammainc, gammaincinv, gammaln

    lo = float(gammaincinv(b, 1e-15))
    hi = float(gammaincinv(b, 1.0 - 1e-15))
    mode = b - 1.0

    def density(u: float) -> float:
        return math.exp((b - 1.0) * math.log(u) - u - gammaln(b))

    def cdf(x: float) -> float:
        value, _ = quad(
            lambda u: gammainc(a, x / u) * density(u),
            lo,
            hi,
            points=[mode] if lo < mode < hi else None,
            limit=200,
            epsabs=1e-12,
            epsrel=1e-10,
        )
        return value

    return cdf


def _gamma_product_quantile(a: float, b: float, p: float) -> float:
    """p-quantile of G1 * G2 (G1 ~ Gamma(a), G2 ~ Gamma(b)), by root finding in log x."""
    from scipy.optimize import brentq

    cdf = _gamma_product_cdf(a, b)

    def excess(log_x: float) -> float:
        return cdf(math.exp(log_x)) - p

    centre = math.log(a * b)
    step = 1.0
    lo, hi = centre - step, centre + step
    while excess(lo) > 0:
        step *= 2.0
        lo = centre - step
    while excess(hi) < 0:
        step *= 2.0
        hi = centre + step
    return math.exp(brentq(excess, lo, hi, xtol=1e-12, rtol=1e-12))


def _crow_failure_terminated_bounds(ts: float, n: int, alpha: float) -> tuple[float, float]:
    """Exact MTBF bounds at t_n for a failure-terminated power-law window.

    With T = t_n, S = sum_{i<n} ln(T/t_i) and M(T) the true instantaneous MTBF,
    M(T) = T S / (G1 * G2) where G1 ~ Gamma(n - 1) and G2 ~ Gamma(n) are
    independent (time-transform to a unit-rate HPP: beta * S ~ Gamma(n - 1),
    Lambda(t_n) ~ Gamma(n), independent).  This pivot is what Crow's (1982)
    failure-truncated tables tabulate; its quantiles are computed numerically.
    """
    q_low = _gamma_product_quantile(n - 1.0, float(n), alpha / 2.0)
    q_high = _gamma_product_quantile(n - 1.0, float(n), 1.0 - alpha / 2.0)
    return ts / q_high, ts / q_low


def _nan_power_law(
    n: int, end: float, unbiased: bool, time_terminated: bool, confidence: float
) -> PowerLaw:
    return PowerLaw(_NAN, _NAN, _NAN, _NAN, _NAN, n, end, unbiased, time_terminated, confidence)


def power_law(
    event_times: ArrayLike,
    end: float | None = None,
    confidence: float = 0.80,
    unbiased: bool = True,
) -> PowerLaw:
    """Crow-AMSAA / power-law NHPP fit and instantaneous MTBF at the window end.

    Model (NIST e-Handbook 8.1.7.2; MIL-HDBK-189): expected events
    N(t) = lam * t**beta, intensity lam * beta * t**(beta - 1); times in hours
    since the window start, beta dimensionless, lam in events / hour**beta.
    beta < 1: failures thinning out (improving); beta > 1: worsening.

    Time-terminated (``end`` = T given; NIST e-Handbook 8.4.5.2)::

        S = sum_{i=1..n} ln(T / t_i);  beta_mle = n / S;  unbiased: (n - 1) / S

    Failure-terminated (``end=None``; T = t_n, the last event)::

        S = sum_{i<n} ln(t_n / t_i);   beta_mle = n / S;  unbiased: (n - 2) / S

    ``unbiased=True`` uses the bias-corrected beta (NIST's "modified MLE";
    MIL-HDBK-189), ``False`` the plain MLE.  Then lam = n / T**beta and::

        mtbf_now = 1 / (lam * beta * T**(beta - 1)) = T / (n * beta)

    Bounds on the instantaneous MTBF at T (two-sided, ``confidence``); they do
    not depend on ``unbiased``:

    * time-terminated: the approximation given in NIST e-Handbook 8.4.5.2
      (``apr452``), z = z_{1-a/2}::

          lower = T S / (n + z^2/4 + sqrt(n z^2/2 + z^4/16))^2
          upper = T S / (n - z sqrt(n/2))^2        (inf if n <= z sqrt(n/2))

      (the handbook writes T S as MTBF_hat * r * (r - 1)).
    * failure-terminated: exact bounds from the pivot M(t_n) = T S / (G1 G2),
      G1 ~ Gamma(n - 1), G2 ~ Gamma(n) independent -- the distribution behind
      Crow's (1982) failure-truncated tables -- with quantiles computed by
      numerical integration instead of table look-up.

    Fewer than 3 events (or all events at the window end, S = 0): the fit is
    not attempted and every numeric field is nan, with ``n`` recorded.

    Raises ValueError for event times <= 0 or non-finite, end earlier than the
    last event, confidence outside (0, 1).
    """
    alpha = _alpha(confidence)
    t = _as_event_times(event_times, strictly_positive=True)
    T, time_terminated = _window_end(t, end)
    n = int(t.size)
    confidence = float(confidence)
    if n < 3:
        return _nan_power_law(n, T, unbiased, time_terminated, confidence)
    used = t if time_terminated else t[:-1]
    s = float(np.sum(np.log(T / used)))
    if s <= 0.0:
        return _nan_power_law(n, T, unbiased, time_terminated, confidence)
    # Bias-corrected numerator: n - 1 (time-terminated) or n - 2 (failure-terminated).
    numerator = (n - 1 if time_terminated else n - 2) if unbiased else n
    beta = numerator / s
    lam = n / T**beta
    bounds = _crow_time_terminated_bounds if time_terminated else _crow_failure_terminated_bounds
    lower, upper = bounds(T * s, n, alpha)
    return PowerLaw(
        beta=beta,
        lam=lam,
        mtbf_now=T / (n * beta),
        mtbf_lower=lower,
        mtbf_upper=upper,
        n=n,
        end=T,
        unbiased=bool(unbiased),
        time_terminated=time_terminated,
        confidence=confidence,
    )


# --------------------------------------------------------------------------
# Kaplan-Meier restore times
# --------------------------------------------------------------------------


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
    d = _as_float_array(durations, "durations").ravel()
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
    if yv.size == 0 or np.max(yv) < p - _R_TOL:
        return None
    i1 = _first_true(yv + _R_TOL >= p)
    i2 = _first_true(yv - _R_TOL >= p)
    quant = None
    if i1 is not None and i2 is not None:
        quant = (xv[i1] + xv[i2]) / 2.0
    if not np.isnan(y[-1]) and abs(p - y[-1]) < _R_TOL and i1 is not None:
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
    alpha = _alpha(confidence)
    km, greenwood_sum = _km_table(durations, resolved)
    n = int(km.at_risk[0]) if km.times.size else 0
    events = int(km.events.sum())
    if n == 0:
        return RestoreTime(0, 0, None, None, None, None)
    z = _norm_ppf(1.0 - alpha / 2.0)
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
