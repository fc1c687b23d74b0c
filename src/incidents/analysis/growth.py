"""Reliability growth on plain numbers: the Crow-AMSAA (power-law NHPP) fit and its MTBF bounds at
the window end (NIST/SEMATECH e-Handbook 8.1.7.2 and 8.4.5.2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from incidents.analysis import stats

__all__ = [
    "PowerLaw",
    "power_law",
]


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


def _crow_time_terminated_bounds(ts: float, n: int, alpha: float) -> tuple[float, float]:
    """NIST e-Handbook 8.4.5.2 approximate MTBF bounds at the end of a fixed-time test.

    With z = z_{1-a/2} and MTBF_hat * r * (r - 1) = T * S (S = sum ln(T/t_i))::

        ML = T S / (r + z^2/4 + sqrt(r z^2 / 2 + z^4 / 16))^2
        MU = T S / (r - z sqrt(r / 2))^2        (inf when r <= z sqrt(r/2))
    """
    z = stats.norm_ppf(1.0 - alpha / 2.0)
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
    nan = stats.NAN
    return PowerLaw(nan, nan, nan, nan, nan, n, end, unbiased, time_terminated, confidence)


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
    alpha = stats.alpha_from(confidence)
    t = stats.as_event_times(event_times, strictly_positive=True)
    T, time_terminated = stats.window_end(t, end)
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
