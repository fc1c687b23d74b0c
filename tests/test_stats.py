"""Tests for incidents.analysis.stats.

Published worked examples are compared at the precision the source printed
(absolute tolerance = half a unit in the last printed digit).  Expected values
are copied from the sources, never from this module's output.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from incidents.analysis import growth, stats, survival


def printed(value: float, decimals: int) -> object:
    """pytest.approx with abs tolerance of half the last printed digit."""
    return pytest.approx(value, abs=0.5 * 10.0**-decimals)


# --------------------------------------------------------------------------
# Published data sets
# --------------------------------------------------------------------------

# NIST/SEMATECH e-Handbook 8.4.5.2 (and the trend plots of 8.2.2): system
# repair times in a 1500-hour reliability improvement test.
NIST_TIMES = [5, 40, 43, 175, 389, 712, 747, 795, 1299, 1478]
NIST_END = 1500.0

# `reliability` package docs, ROCOF page: failure interarrival times (based on
# Example 5.11, p. 275 of Modarres et al., Reliability Engineering and Risk
# Analysis).
ROCOF_INTERARRIVALS = [
    104, 131, 1597, 59, 4, 503, 157, 6, 118, 173, 114, 62, 101, 216, 106,
    140, 1, 102, 3, 393, 96, 232, 89, 61, 37, 293, 7, 165, 87, 99,
]  # fmt: skip

# ReliaWiki "Crow-AMSAA (NHPP)" parameter-estimation example: 22 cumulative
# failure times, test ended at the 22nd failure (620 h).  These are the times
# of the `reliability` package's `system_growth` dataset (identified by all
# printed results of its Crow-AMSAA example matching, incl. T/n = 28.18182).
CROW_TIMES = [
    2.7, 10.3, 12.5, 30.6, 57.0, 61.3, 80.0, 109.5, 125.0, 128.6, 143.8,
    167.9, 229.2, 296.7, 320.6, 328.2, 366.2, 396.7, 421.1, 438.2, 501.2, 620.0,
]  # fmt: skip

# R survival::aml (Miller 1981, Survival Analysis): weeks in remission,
# status 1 = relapse, 0 = censored.  Rows as in Rdatasets csv/survival/aml.csv.
AML_MAINTAINED_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]
AML_MAINTAINED_STATUS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
AML_NONMAINTAINED_TIME = [5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_NONMAINTAINED_STATUS = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]


# --------------------------------------------------------------------------
# mtbf_interval / mtbf_bounds_array
# --------------------------------------------------------------------------


def test_mtbf_interval_matches_nist_hpp_example_800_hours_2_failures() -> None:
    """NIST/SEMATECH e-Handbook 8.4.5.1 example, R script and output.

    Source: https://www.itl.nist.gov/div898/handbook/apr/section4/apr451.htm
    ("Constant repair rate (HPP/exponential) model", Example) and its R code
    https://www.itl.nist.gov/div898/handbook/apr/section4/apr451.r:
    ``LOWER = 1600/qchisq(0.95, df=6)`` -> 127.0690 and
    ``UPPER = 1600/qchisq(.05, df=4)`` -> 2251.229, i.e. T = 800 h, r = 2,
    90% two-sided.  MTBF estimate 800/2 = 400 h.
    """
    result = stats.mtbf_interval(800.0, 2, confidence=0.90)
    assert result.estimate == pytest.approx(400.0)
    assert result.lower == printed(127.0690, 4)
    assert result.upper == printed(2251.229, 3)
    assert (result.failures, result.exposure, result.one_sided) == (2, 800.0, False)


def test_mtbf_zero_failures_gives_lower_bound_only() -> None:
    """NIST e-Handbook 8.4.5.1 "zero fails" case: only MTBF_lower = T / (-ln a).

    Hand-worked: T = 1000 h, 90% -> 1000 / ln(10) = 1000 / 2.302585093 = 434.2945.
    """
    result = stats.mtbf_interval(1000.0, 0, confidence=0.90)
    assert result.estimate == math.inf
    assert result.upper == math.inf
    assert result.lower == printed(434.2945, 4)
    assert result.one_sided is True  # reported as one-sided even though not requested


def test_mtbf_zero_failures_lower_bound_ignores_one_sided_flag() -> None:
    two = stats.mtbf_interval(500.0, 0, 0.95, one_sided=False)
    one = stats.mtbf_interval(500.0, 0, 0.95, one_sided=True)
    assert two.lower == one.lower == pytest.approx(500.0 / -math.log(0.05))


def test_mtbf_one_sided_uses_alpha_instead_of_half_alpha() -> None:
    """One-sided 95% bounds equal the ends of the two-sided 90% interval."""
    one = stats.mtbf_interval(800.0, 2, confidence=0.95, one_sided=True)
    two = stats.mtbf_interval(800.0, 2, confidence=0.90, one_sided=False)
    assert one.lower == pytest.approx(two.lower)
    assert one.upper == pytest.approx(two.upper)
    assert one.one_sided is True


def test_mtbf_bounds_array_matches_scalar_version_elementwise() -> None:
    exposure = np.array([800.0, 1000.0, 24.0, 720.0])
    failures = np.array([2, 0, 5, 1])
    estimate, lower, upper = stats.mtbf_bounds_array(exposure, failures, 0.90, False)
    for i in range(exposure.size):
        one = stats.mtbf_interval(exposure[i], int(failures[i]), 0.90)
        assert (estimate[i], lower[i], upper[i]) == pytest.approx(
            (one.estimate, one.lower, one.upper)
        )


def test_mtbf_bounds_array_broadcasts_one_exposure_over_many_groups() -> None:
    estimate, lower, upper = stats.mtbf_bounds_array(720.0, np.arange(5), 0.9, False)
    assert estimate.shape == lower.shape == upper.shape == (5,)
    assert np.isinf(estimate[0]) and np.isinf(upper[0])
    assert np.all(np.diff(lower[1:]) < 0)  # more failures, lower MTBF bound


@pytest.mark.parametrize(
    ("exposure", "failures", "confidence", "match"),
    [
        (0.0, 1, 0.9, "exposure"),
        (-5.0, 1, 0.9, "exposure"),
        (math.nan, 1, 0.9, "exposure"),
        (100.0, -1, 0.9, "failures"),
        (100.0, 2.5, 0.9, "failures"),
        (100.0, True, 0.9, "failures"),
        (100.0, 1, 0.0, "confidence"),
        (100.0, 1, 1.0, "confidence"),
        (100.0, 1, 1.5, "confidence"),
        (100.0, 1, math.nan, "confidence"),
    ],
)
def test_mtbf_interval_rejects_invalid_input(
    exposure: float, failures: float, confidence: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        stats.mtbf_interval(exposure, failures, confidence)  # type: ignore[arg-type]


def test_mtbf_bounds_array_rejects_any_invalid_group() -> None:
    with pytest.raises(ValueError, match="exposure"):
        stats.mtbf_bounds_array([100.0, 0.0], [1, 1], 0.9, False)
    with pytest.raises(ValueError, match="failures"):
        stats.mtbf_bounds_array([100.0, 100.0], [1, -2], 0.9, False)


def test_mtbf_interval_result_is_frozen() -> None:
    result = stats.mtbf_interval(100.0, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.lower = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------
# poisson_rate_interval / poisson_rate_bounds_array
# --------------------------------------------------------------------------


def test_poisson_rate_interval_matches_published_welsh_nickel_example() -> None:
    """Exact (Garwood / R ``poisson.test``) interval, 137 events in 24.19893 units.

    Source: R ``poissonCI()`` reference page, Examples, "SMR for Welsh nickel
    workers" (the example of R's ``?poisson.test``, stats package,
    https://rdrr.io/r/stats/poisson.test.html), printed output
    ``est 5.661407  lci 4.753125  uci 6.692709``.
    """
    result = stats.poisson_rate_interval(137, 24.19893, confidence=0.95)
    assert result.rate == printed(5.661407, 6)
    assert result.lower == printed(4.753125, 6)
    assert result.upper == printed(6.692709, 6)


def test_poisson_rate_interval_matches_published_horse_kick_example() -> None:
    """Deaths from horse kicks: 196 deaths in 280 Prussian army corps-years.

    Source: R ``poissonCI()`` reference page, Examples (data from the
    DescTools ``PoissonCI`` example, https://rdrr.io/cran/DescTools/man/PoissonCI.html):
    exact 95%: ``0.7000000 0.6054271 0.8051570``; 95% lower one-sided bound
    ``0.6198372``, which is the lower end of the two-sided 90% interval.
    """
    result = stats.poisson_rate_interval(196, 280.0)
    assert result.rate == printed(0.7000000, 7)
    assert result.lower == printed(0.6054271, 7)
    assert result.upper == printed(0.8051570, 7)
    assert stats.poisson_rate_interval(196, 280.0, 0.90).lower == printed(0.6198372, 7)


def test_poisson_rate_zero_count_has_zero_lower_bound() -> None:
    """k = 0: lower = 0, upper = chi2(0.975, 2) / (2T) = -ln(0.025) / T."""
    result = stats.poisson_rate_interval(0, 10.0)
    assert (result.rate, result.lower) == (0.0, 0.0)
    assert result.upper == pytest.approx(-math.log(0.025) / 10.0)


def test_poisson_rate_bounds_array_matches_scalar_version() -> None:
    counts = np.array([0, 1, 5, 196])
    exposure = np.array([10.0, 10.0, 3.0, 280.0])
    rate, lower, upper = stats.poisson_rate_bounds_array(counts, exposure, 0.95)
    for i in range(counts.size):
        one = stats.poisson_rate_interval(int(counts[i]), float(exposure[i]))
        assert (rate[i], lower[i], upper[i]) == pytest.approx((one.rate, one.lower, one.upper))


@pytest.mark.parametrize(
    ("count", "exposure", "confidence"),
    [(-1, 1.0, 0.95), (1.5, 1.0, 0.95), (1, 0.0, 0.95), (1, 1.0, 0.0), (1, 1.0, 2.0)],
)
def test_poisson_rate_interval_rejects_invalid_input(
    count: float, exposure: float, confidence: float
) -> None:
    with pytest.raises(ValueError):
        stats.poisson_rate_interval(count, exposure, confidence)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# laplace_trend
# --------------------------------------------------------------------------


def test_laplace_failure_terminated_matches_reliability_rocof_example() -> None:
    """``reliability`` package docs, ROCOF page (docs/ROCOF.rst).

    https://reliability.readthedocs.io/en/latest/ROCOF.html -- failure
    interarrival times, no test_end (window ends at the last failure, which
    is left out of the mean): printed ``U = 2.409, z_crit = (-1.96,+1.96)``,
    "At 95 % confidence level the ROCOF is WORSENING".
    """
    times = np.cumsum(ROCOF_INTERARRIVALS)
    result = stats.laplace_trend(times, end=None, alpha=0.05)
    assert result.statistic == printed(2.409, 3)
    assert result.direction == "worsening"
    assert result.p_value < 0.05
    assert (result.n, result.end, result.time_terminated) == (30, float(times[-1]), False)


def test_laplace_time_terminated_hand_worked_example() -> None:
    """Events at 3.5 h and 3.9 h in a 4 h window (NIST 8.2.3.4 formula).

    U = (3.7 - 2) / (4 * sqrt(1/24)) = 1.7 / 0.8164966 = 2.082066;
    p = 2 * (1 - Phi(2.082066)) = 0.03734 -> worsening at alpha = 0.05.
    """
    result = stats.laplace_trend([3.9, 3.5], end=4.0)
    assert result.statistic == printed(2.082066, 6)
    assert result.p_value == printed(0.03734, 5)
    assert result.direction == "worsening"
    assert result.time_terminated is True


def test_laplace_evenly_spread_events_show_no_trend() -> None:
    result = stats.laplace_trend([1.0, 2.0, 3.0], end=4.0)
    assert result.statistic == pytest.approx(0.0, abs=1e-12)
    assert result.p_value == pytest.approx(1.0)
    assert result.direction == "no trend"


def test_laplace_events_early_in_window_are_improving() -> None:
    result = stats.laplace_trend([0.1, 0.2, 0.3, 0.5, 0.8], end=10.0)
    assert result.statistic < 0
    assert result.direction == "improving"


def test_laplace_one_event_is_insufficient_data() -> None:
    result = stats.laplace_trend([5.0], end=10.0)
    assert math.isnan(result.statistic) and math.isnan(result.p_value)
    assert result.direction == "insufficient data"
    assert result.n == 1
    empty = stats.laplace_trend([], end=10.0)
    assert empty.direction == "insufficient data" and empty.n == 0


def test_laplace_rejects_end_before_last_event_and_negative_times() -> None:
    with pytest.raises(ValueError, match="earlier than the last event"):
        stats.laplace_trend([1.0, 5.0], end=4.0)
    with pytest.raises(ValueError, match=">= 0"):
        stats.laplace_trend([-1.0, 5.0])
    with pytest.raises(ValueError, match="alpha"):
        stats.laplace_trend([1.0, 5.0], alpha=1.5)
    with pytest.raises(ValueError, match="zero length"):
        stats.laplace_trend([0.0, 0.0])


# --------------------------------------------------------------------------
# power_law
# --------------------------------------------------------------------------


def test_power_law_matches_nist_duane_example_time_terminated() -> None:
    """NIST/SEMATECH e-Handbook 8.4.5.2 "Power law (Duane) model", R output.

    Source: https://www.itl.nist.gov/div898/handbook/apr/section4/apr452.htm
    and https://www.itl.nist.gov/div898/handbook/apr/section4/apr452.r:
    r = 10 failures, T = 1500 h (time-terminated), modified (bias-corrected)
    MLE: ``BetaHat 0.516494`` (NIST's growth slope = 1 - b), ``aHat
    0.2913003``, ``bHat 0.483506`` (our beta), ``MTBF 310.234``; 80%
    interval ``ML 157.7138``, ``MU 548.5566``.
    """
    result = growth.power_law(NIST_TIMES, end=NIST_END, confidence=0.80, unbiased=True)
    assert result.beta == printed(0.483506, 6)
    assert 1.0 - result.beta == printed(0.516494, 6)
    assert result.lam == printed(0.2913003, 7)
    assert result.mtbf_now == printed(310.234, 3)
    assert result.mtbf_lower == printed(157.7138, 4)
    assert result.mtbf_upper == printed(548.5566, 4)
    assert (result.n, result.end, result.time_terminated, result.unbiased) == (
        10,
        1500.0,
        True,
        True,
    )


def test_power_law_failure_terminated_mle_matches_reliability_rocof_example() -> None:
    """``reliability`` docs, ROCOF page: "Beta_hat = 1.588 , Lambda_hat = 3.703e-05".

    https://reliability.readthedocs.io/en/latest/ROCOF.html -- the plain MLE
    beta = n / sum_{i<n} ln(t_n / t_i), lam = n / t_n**beta (failure-terminated).
    """
    result = growth.power_law(np.cumsum(ROCOF_INTERARRIVALS), end=None, unbiased=False)
    assert result.beta == printed(1.588, 3)
    assert result.lam == pytest.approx(3.703e-05, abs=0.0005e-05)
    assert result.time_terminated is False


def test_power_law_failure_terminated_matches_reliability_crow_amsaa_example() -> None:
    """``reliability`` docs, "Reliability growth", Example 2 (Crow-AMSAA).

    https://reliability.readthedocs.io/en/latest/Reliability%20growth.html
    printed: ``Beta: 0.61421``, ``Lambda: 0.42394``, ``Demonstrated MTBF
    (instantaneous): 45.883``, ``Demonstrated MTBF (cumulative): 28.18182``;
    plain MLE, window ending at the last of the 22 failures (620 h).
    """
    result = growth.power_law(CROW_TIMES, end=None, unbiased=False)
    assert result.beta == printed(0.61421, 5)
    assert result.lam == printed(0.42394, 5)
    assert result.mtbf_now == printed(45.883, 3)
    assert result.end / result.n == printed(28.18182, 5)


def test_power_law_unbiased_flag_rescales_beta_by_named_factor() -> None:
    """Time-terminated: (n-1)/n * MLE; failure-terminated: (n-2)/n * MLE."""
    n = len(NIST_TIMES)
    mle = growth.power_law(NIST_TIMES, end=NIST_END, unbiased=False)
    unb = growth.power_law(NIST_TIMES, end=NIST_END, unbiased=True)
    assert unb.beta == pytest.approx(mle.beta * (n - 1) / n)
    mle_f = growth.power_law(NIST_TIMES, unbiased=False)
    unb_f = growth.power_law(NIST_TIMES, unbiased=True)
    assert unb_f.beta == pytest.approx(mle_f.beta * (n - 2) / n)
    # bounds come from the same sufficient statistic, whichever beta is reported
    assert (unb.mtbf_lower, unb.mtbf_upper) == pytest.approx((mle.mtbf_lower, mle.mtbf_upper))


def test_power_law_mtbf_now_equals_inverse_intensity_at_end() -> None:
    result = growth.power_law(CROW_TIMES, end=700.0, unbiased=True)
    intensity = result.lam * result.beta * result.end ** (result.beta - 1)
    assert result.mtbf_now == pytest.approx(1.0 / intensity)
    assert result.mtbf_now == pytest.approx(result.end / (result.n * result.beta))


def test_power_law_failure_terminated_bounds_have_nominal_coverage() -> None:
    """Monte Carlo check of the exact failure-terminated pivot (fixed seed).

    Simulated power-law processes (beta 0.6, lam 0.5, stopped at the 6th
    failure): the 80% interval must cover the true MTBF at t_n in about 80%
    of 600 runs (binomial sd 1.6%).
    """
    rng = np.random.default_rng(20240601)
    beta, lam, n, runs = 0.6, 0.5, 6, 600
    covered = 0
    for _ in range(runs):
        unit_times = np.cumsum(rng.exponential(size=n))
        times = (unit_times / lam) ** (1.0 / beta)
        result = growth.power_law(times, end=None, confidence=0.80)
        true_mtbf = 1.0 / (lam * beta * times[-1] ** (beta - 1.0))
        covered += result.mtbf_lower <= true_mtbf <= result.mtbf_upper
    assert covered / runs == pytest.approx(0.80, abs=0.05)


def test_power_law_with_fewer_than_three_events_returns_nan_with_n() -> None:
    result = growth.power_law([3.0, 7.0], end=10.0)
    assert result.n == 2
    assert all(
        math.isnan(v)
        for v in (result.beta, result.lam, result.mtbf_now, result.mtbf_lower, result.mtbf_upper)
    )
    assert result.end == 10.0 and result.time_terminated is True


def test_power_law_rejects_event_at_time_zero_and_bad_confidence() -> None:
    with pytest.raises(ValueError, match="> 0"):
        growth.power_law([0.0, 1.0, 2.0, 3.0], end=5.0)
    with pytest.raises(ValueError, match="confidence"):
        growth.power_law(NIST_TIMES, end=NIST_END, confidence=1.0)
    with pytest.raises(ValueError, match="earlier"):
        growth.power_law(NIST_TIMES, end=1000.0)


# --------------------------------------------------------------------------
# kaplan_meier / restore_time
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "status", "n", "events", "median", "lcl"),
    [
        (AML_MAINTAINED_TIME, AML_MAINTAINED_STATUS, 11, 7, 31, 18),
        (AML_NONMAINTAINED_TIME, AML_NONMAINTAINED_STATUS, 12, 11, 23, 8),
    ],
)
def test_restore_time_matches_r_survfit_on_aml(
    time: list[int], status: list[int], n: int, events: int, median: float, lcl: float
) -> None:
    """R ``survfit(Surv(time, status) ~ x, data = aml)`` printed output.

    R survival package (conf.type = "log", conf.int = 0.95), as printed in
    public R tutorials running this call on survival::aml::

                         n events median 0.95LCL 0.95UCL
        x=Maintained    11      7     31      18      NA
        x=Nonmaintained 12     11     23       8      NA

    Rules: https://rdrr.io/pkg/survival/man/quantile.survfit.html
    """
    result = survival.restore_time(time, status, confidence=0.95)
    assert (result.n, result.events) == (n, events)
    assert result.median == printed(median, 0)
    assert result.median_lower == printed(lcl, 0)
    assert result.median_upper is None  # "NA"


@pytest.mark.parametrize(
    ("time", "median", "lcl"),
    [(AML_MAINTAINED_TIME, 28.0, 18), (AML_NONMAINTAINED_TIME, 19.5, 8)],
)
def test_restore_time_uses_r_midpoint_rule_on_flat_half_survival(
    time: list[int], median: float, lcl: float
) -> None:
    """R ``survfit(Surv(time) ~ x, data = aml)`` (status ignored) printed output::

                         n events median 0.95LCL 0.95UCL
        x=Maintained    11     11   28.0      18      NA
        x=Nonmaintained 12     12   19.5       8      NA

    19.5 is the midpoint of the flat S(t) = 0.5 segment [16, 23) -- R's
    quantile.survfit rule ("the midpoint of the horizontal segment is
    returned"), https://rdrr.io/pkg/survival/man/quantile.survfit.html.
    """
    result = survival.restore_time(time, [True] * len(time))
    assert result.median == printed(median, 1)
    assert result.median_lower == printed(lcl, 0)
    assert result.median_upper is None


def test_restore_time_matches_r_survfit_on_pooled_aml() -> None:
    """R ``survfit(Surv(t, d) ~ 1)`` on all 23 aml rows, knitted R output::

              n  events  median 0.95LCL 0.95UCL
             23      18      27      18      45

    (public R-markdown tutorial; survivors' times 13, 16, 28, 45, 161 identify
    the data as survival::aml).  The upper CI curve is not monotone here: it
    first drops below 0.5 at 45 (0.458) and stays below.
    """
    time = AML_MAINTAINED_TIME + AML_NONMAINTAINED_TIME
    status = AML_MAINTAINED_STATUS + AML_NONMAINTAINED_STATUS
    result = survival.restore_time(time, status)
    assert (result.n, result.events) == (23, 18)
    assert result.median == printed(27, 0)
    assert result.median_lower == printed(18, 0)
    assert result.median_upper == printed(45, 0)


def test_kaplan_meier_hand_worked_table_with_censoring() -> None:
    """aml Maintained group by hand: S = 10/11, *9/10, *7/8, *6/7, (censor 28), *4/5 ...

    Greenwood at t = 9: S^2 * 1/(11*10) = (10/11)^2 / 110.
    """
    km = survival.kaplan_meier(AML_MAINTAINED_TIME, AML_MAINTAINED_STATUS)
    assert km.times.tolist() == [9, 13, 18, 23, 28, 31, 34, 45, 48, 161]
    assert km.at_risk.tolist() == [11, 10, 8, 7, 6, 5, 4, 3, 2, 1]
    assert km.events.tolist() == [1, 1, 1, 1, 0, 1, 1, 0, 1, 0]
    expected = np.cumprod([10 / 11, 9 / 10, 7 / 8, 6 / 7, 1, 4 / 5, 3 / 4, 1, 1 / 2, 1])
    assert km.survival == pytest.approx(expected)
    assert km.greenwood_var[0] == pytest.approx((10 / 11) ** 2 / 110)
    assert not km.survival.flags.writeable


def test_kaplan_meier_without_censoring_is_empirical_survival() -> None:
    durations = [4.0, 1.0, 3.0, 2.0, 2.0]
    km = survival.kaplan_meier(durations, [True] * 5)
    assert km.times.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert km.survival == pytest.approx([4 / 5, 2 / 5, 1 / 5, 0.0])
    assert math.isnan(km.greenwood_var[-1])  # S = 0: Greenwood term undefined


def test_restore_time_without_censoring_equals_sample_median() -> None:
    odd = [5.0, 1.0, 9.0, 3.0, 7.0]
    even = [5.0, 1.0, 9.0, 3.0]
    assert survival.restore_time(odd, [True] * 5).median == pytest.approx(5.0)
    assert survival.restore_time(even, [True] * 4).median == pytest.approx(4.0)


def test_restore_time_all_censored_gives_no_median() -> None:
    result = survival.restore_time([2.0, 5.0, 8.0], [False, False, False])
    assert (result.n, result.events) == (3, 0)
    assert result.median is None and result.p90 is None
    assert result.median_lower is None and result.median_upper is None


def test_restore_time_curve_ending_flat_at_half_takes_midpoint_to_last_time() -> None:
    """S = 0.5 from t = 10 to the last (censored) time 20: R gives (10 + 20) / 2."""
    result = survival.restore_time([10.0, 20.0], [True, False])
    assert result.median == pytest.approx(15.0)


def test_restore_time_p90_is_first_time_survival_at_or_below_tenth() -> None:
    durations = np.arange(1.0, 21.0)  # 20 resolved incidents, 1..20 h
    result = survival.restore_time(durations, np.ones(20, dtype=bool))
    # S(18) = 2/20 = 0.10 exactly, flat until 19 -> R midpoint rule: 18.5
    assert result.p90 == pytest.approx(18.5)


def test_restore_time_empty_input_gives_zero_counts() -> None:
    assert survival.restore_time([], []) == survival.RestoreTime(0, 0, None, None, None, None)


def test_restore_time_rejects_invalid_input() -> None:
    with pytest.raises(ValueError, match="entries"):
        survival.restore_time([1.0, 2.0], [True])
    with pytest.raises(ValueError, match="resolved"):
        survival.restore_time([1.0, 2.0], [1, 2])
    with pytest.raises(ValueError, match="durations"):
        survival.restore_time([-1.0, 2.0], [True, True])
    with pytest.raises(ValueError, match="confidence"):
        survival.restore_time([1.0, 2.0], [True, True], confidence=0.0)


# --------------------------------------------------------------------------
# error_budget_minutes
# --------------------------------------------------------------------------


def test_error_budget_three_nines_over_30_days_is_43_2_minutes() -> None:
    """(1 - 0.999) * 30 * 24 * 60 = 43.2 minutes (hand-worked)."""
    assert stats.error_budget_minutes(0.999) == pytest.approx(43.2)
    assert stats.error_budget_minutes(0.9999, window_days=7) == pytest.approx(1.008)
    assert stats.error_budget_minutes(1.0) == 0.0


@pytest.mark.parametrize(("slo", "days"), [(99.9, 30), (0.0, 30), (-0.1, 30), (0.999, 0)])
def test_error_budget_rejects_percentages_and_empty_windows(slo: float, days: float) -> None:
    with pytest.raises(ValueError):
        stats.error_budget_minutes(slo, days)


# --------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------

exposures = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
counts = st.integers(min_value=0, max_value=500)
confidences = st.floats(min_value=0.5, max_value=0.999)


@given(exposure=exposures, failures=st.integers(1, 500), confidence=confidences)
def test_mtbf_bounds_bracket_estimate(exposure: float, failures: int, confidence: float) -> None:
    result = stats.mtbf_interval(exposure, failures, confidence)
    assert 0 < result.lower <= result.estimate <= result.upper < math.inf


@given(exposure=exposures, failures=counts, scale=st.floats(1e-3, 1e3))
def test_mtbf_interval_scales_with_exposure(exposure: float, failures: int, scale: float) -> None:
    base = stats.mtbf_interval(exposure, failures)
    scaled = stats.mtbf_interval(exposure * scale, failures)
    assert scaled.lower == pytest.approx(base.lower * scale, rel=1e-9)
    assert scaled.upper == pytest.approx(base.upper * scale, rel=1e-9)


@given(exposure=exposures, failures=st.integers(1, 500), confidence=confidences)
def test_poisson_rate_interval_is_reciprocal_of_two_sided_mtbf_interval(
    exposure: float, failures: int, confidence: float
) -> None:
    rate = stats.poisson_rate_interval(failures, exposure, confidence)
    mtbf = stats.mtbf_interval(exposure, failures, confidence)
    assert rate.lower == pytest.approx(1.0 / mtbf.upper, rel=1e-9)
    assert rate.upper == pytest.approx(1.0 / mtbf.lower, rel=1e-9)
    assert rate.lower <= rate.rate <= rate.upper


@given(exposure=exposures, count=counts, low=confidences, high=confidences)
def test_higher_confidence_gives_wider_rate_interval(
    exposure: float, count: int, low: float, high: float
) -> None:
    assume(low < high)
    narrow = stats.poisson_rate_interval(count, exposure, low)
    wide = stats.poisson_rate_interval(count, exposure, high)
    assert wide.lower <= narrow.lower and wide.upper >= narrow.upper


event_lists = st.lists(st.floats(min_value=0.01, max_value=1000.0), min_size=2, max_size=40)


@given(times=event_lists, extra=st.floats(0.0, 500.0), scale=st.floats(0.01, 100.0))
def test_laplace_statistic_is_scale_invariant(
    times: list[float], extra: float, scale: float
) -> None:
    end = max(times) + extra
    base = stats.laplace_trend(times, end=end)
    scaled = stats.laplace_trend(np.array(times) * scale, end=end * scale)
    assert scaled.statistic == pytest.approx(base.statistic, rel=1e-6, abs=1e-9)


@given(times=event_lists, extra=st.floats(0.0, 500.0))
def test_laplace_reversing_time_flips_the_sign(times: list[float], extra: float) -> None:
    end = max(times) + extra
    forward = stats.laplace_trend(times, end=end)
    backward = stats.laplace_trend(end - np.array(times), end=end)
    assert backward.statistic == pytest.approx(-forward.statistic, rel=1e-6, abs=1e-9)
    assert 0.0 <= forward.p_value <= 1.0


distinct_times = st.lists(
    st.floats(min_value=0.1, max_value=1000.0), min_size=3, max_size=25, unique=True
)


@settings(max_examples=60, deadline=None)
@given(times=distinct_times, extra=st.floats(0.0, 500.0), scale=st.floats(0.01, 100.0))
def test_power_law_beta_scale_invariant_and_mtbf_scales(
    times: list[float], extra: float, scale: float
) -> None:
    end = max(times) + extra
    base = growth.power_law(times, end=end)
    assume(math.isfinite(base.beta))
    scaled = growth.power_law(np.array(times) * scale, end=end * scale)
    assert scaled.beta == pytest.approx(base.beta, rel=1e-6)
    assert scaled.mtbf_now == pytest.approx(base.mtbf_now * scale, rel=1e-6)
    assert scaled.mtbf_upper == pytest.approx(base.mtbf_upper * scale, rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    times=distinct_times,
    time_terminated=st.booleans(),
    confidence=st.floats(min_value=0.8, max_value=0.99),
)
def test_power_law_bounds_bracket_mle_mtbf(
    times: list[float], time_terminated: bool, confidence: float
) -> None:
    end = max(times) * 1.1 if time_terminated else None
    result = growth.power_law(times, end=end, confidence=confidence, unbiased=False)
    assume(math.isfinite(result.beta))
    assert 0 < result.mtbf_lower <= result.mtbf_now <= result.mtbf_upper


durations_st = st.lists(st.floats(min_value=0.0, max_value=1e4), min_size=1, max_size=60)


@given(data=st.data(), durations=durations_st)
def test_kaplan_meier_survival_is_monotone_within_unit_interval(
    data: st.DataObject, durations: list[float]
) -> None:
    resolved = data.draw(st.lists(st.booleans(), min_size=len(durations), max_size=len(durations)))
    km = survival.kaplan_meier(durations, resolved)
    assert np.all((km.survival >= 0.0) & (km.survival <= 1.0))
    assert np.all(np.diff(km.survival) <= 0.0)
    assert km.events.sum() == sum(resolved)
    assert km.at_risk[0] == len(durations)


@given(durations=st.lists(st.floats(0.0, 1e4), min_size=1, max_size=60))
def test_restore_time_median_equals_numpy_median_when_nothing_is_open(
    durations: list[float],
) -> None:
    result = survival.restore_time(durations, [True] * len(durations))
    assert result.median == pytest.approx(float(np.median(durations)), rel=1e-9, abs=1e-9)


@given(data=st.data(), durations=st.lists(st.integers(0, 500), min_size=1, max_size=40))
def test_restore_time_quantiles_shift_with_durations(
    data: st.DataObject, durations: list[int]
) -> None:
    resolved = data.draw(st.lists(st.booleans(), min_size=len(durations), max_size=len(durations)))
    base = survival.restore_time(durations, resolved)
    shifted = survival.restore_time(np.array(durations) + 100, resolved)
    for field in ("median", "median_lower", "median_upper", "p90"):
        before, after = getattr(base, field), getattr(shifted, field)
        assert (before is None) == (after is None)
        if before is not None:
            assert after == pytest.approx(before + 100)


@given(data=st.data(), durations=st.lists(st.integers(0, 500), min_size=1, max_size=40))
def test_restore_time_median_interval_contains_median(
    data: st.DataObject, durations: list[int]
) -> None:
    resolved = data.draw(st.lists(st.booleans(), min_size=len(durations), max_size=len(durations)))
    result = survival.restore_time(durations, resolved)
    if result.median is not None and result.median_lower is not None:
        assert result.median_lower <= result.median
    if result.median is not None and result.median_upper is not None:
        assert result.median <= result.median_upper


# ---------------------------------------------------------------- overdispersion


def test_steady_counts_are_not_overdispersed_and_clustered_ones_are():
    phi, p = stats.dispersion_test([3, 3, 3, 3, 3, 3])
    assert phi == pytest.approx(0.0) and p == pytest.approx(1.0)
    # Mean 2.5, squared deviations sum to 100 over 8 months: phi = 100 / 2.5 / 7.
    phi, p = stats.dispersion_test([0, 0, 9, 0, 1, 8, 0, 2])
    assert phi == pytest.approx(100 / 2.5 / 7)
    assert p < 0.001


def test_dispersion_needs_two_periods_and_an_event():
    assert all(math.isnan(v) for v in stats.dispersion_test([4]))
    assert all(math.isnan(v) for v in stats.dispersion_test([0, 0, 0]))


@given(st.integers(min_value=1, max_value=300), st.floats(min_value=1.01, max_value=6.0))
@settings(max_examples=50, deadline=None)
def test_a_quasi_poisson_interval_holds_the_exact_one(count, phi):
    exact = stats.poisson_rate_interval(count, 2.0)
    rate, lower, upper = stats.quasi_poisson_rate_bounds(count, 2.0, phi)
    assert rate == pytest.approx(exact.rate)
    assert lower <= exact.lower + 1e-12 and upper >= exact.upper - 1e-12


def test_a_quasi_poisson_interval_without_extra_spread_is_the_exact_one():
    exact = stats.poisson_rate_interval(20, 2.0)
    assert stats.quasi_poisson_rate_bounds(20, 2.0, 0.7)[1:] == (
        pytest.approx(exact.lower), pytest.approx(exact.upper))
