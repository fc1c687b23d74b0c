"""Metrics on small hand-made tables whose answers can be worked out on paper."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.analysis import cofailure, metrics, overview, survival, time_to_restore, trend_tests
from incidents.present import narrative

WINDOW = metrics.Window.from_dates("2025-01-01", "2025-01-30")  # 30 days = 720 h


def prepared(table: pd.DataFrame, window: metrics.Window = WINDOW) -> pd.DataFrame:
    return metrics.in_window(table, window)


def test_window_from_inclusive_dates_is_thirty_days():
    assert WINDOW.hours == 720
    assert WINDOW.months == pytest.approx(1.0)


def test_window_rejects_end_before_start():
    with pytest.raises(ValueError, match="before it starts"):
        metrics.Window.from_dates("2025-02-01", "2025-01-01")


def test_frequency_counts_incidents_in_window_with_exact_interval(make_table):
    table = prepared(make_table({}, {"start_utc": "2025-01-20T00:00:00Z",
                                     "end_utc": "2025-01-20T01:00:00Z"}))
    row = metrics.frequency(table, WINDOW).iloc[0]
    assert row["incidents"] == 2
    assert row["per_month"] == pytest.approx(2.0)
    # Garwood 95% for k=2: chi2(0.025, 4)/2 = 0.2422, chi2(0.975, 6)/2 = 7.2247
    assert row["per_month_lower"] == pytest.approx(0.2422, abs=1e-4)
    assert row["per_month_upper"] == pytest.approx(7.2247, abs=1e-4)


def test_frequency_reports_group_with_no_incidents_as_zero(make_table):
    table = prepared(make_table({}))
    groups = pd.DataFrame({"vendor": ["Acme Mail", "Beta Chat"]})
    result = metrics.frequency(table, WINDOW, groups=groups).set_index("vendor")
    assert result.loc["Beta Chat", "incidents"] == 0
    assert result.loc["Beta Chat", "per_month_lower"] == 0
    assert result.loc["Beta Chat", "per_month_upper"] > 0


def test_incident_starting_before_window_is_not_counted(make_table):
    table = prepared(make_table({"start_utc": "2024-12-31T23:00:00Z"}))
    assert len(table) == 0


def test_mtbf_withholds_point_estimate_below_minimum_count(make_table):
    table = prepared(make_table({}, {"start_utc": "2025-01-20T00:00:00Z",
                                     "end_utc": "2025-01-20T01:00:00Z"}))
    row = metrics.mtbf(table, WINDOW, min_incidents=3).iloc[0]
    assert not row["enough_data"]
    assert math.isnan(row["mtbf_hours"])
    assert row["mtbf_lower_hours"] > 0


def test_mtbf_point_estimate_is_window_over_count(make_table):
    rows = [{"start_utc": f"2025-01-{d:02d}T00:00:00Z", "end_utc": f"2025-01-{d:02d}T01:00:00Z"}
            for d in (5, 10, 15)]
    row = metrics.mtbf(prepared(make_table(*rows)), WINDOW, min_incidents=3).iloc[0]
    assert row["mtbf_hours"] == pytest.approx(240.0)
    assert row["mtbf_lower_hours"] < 240 < row["mtbf_upper_hours"]


def test_overlapping_outages_count_once_in_downtime(make_table):
    table = prepared(make_table(
        {"start_utc": "2025-01-10T10:00:00Z", "end_utc": "2025-01-10T12:00:00Z"},
        {"start_utc": "2025-01-10T11:00:00Z", "end_utc": "2025-01-10T13:00:00Z"}))
    row = metrics.downtime(table, WINDOW).iloc[0]
    assert row["outage_hours"] == pytest.approx(3.0, abs=0.02)


def test_nested_outage_adds_nothing_to_downtime(make_table):
    table = prepared(make_table(
        {"start_utc": "2025-01-10T10:00:00Z", "end_utc": "2025-01-10T20:00:00Z"},
        {"start_utc": "2025-01-10T11:00:00Z", "end_utc": "2025-01-10T12:00:00Z"}))
    assert metrics.downtime(table, WINDOW).iloc[0]["outage_hours"] == pytest.approx(10.0,
                                                                                    abs=0.02)


def test_a_partial_outage_counts_at_the_status_page_weight_outside_outages(make_table):
    table = prepared(make_table(
        {"start_utc": "2025-01-10T10:00:00Z", "end_utc": "2025-01-10T12:00:00Z"},
        {"start_utc": "2025-01-10T11:00:00Z", "end_utc": "2025-01-10T15:00:00Z",
         "impact": "partial-outage"},
        {"start_utc": "2025-01-11T11:00:00Z", "end_utc": "2025-01-11T15:00:00Z",
         "impact": "degradation"}))
    row = metrics.downtime(table, WINDOW).iloc[0]
    assert row["outage_hours"] == pytest.approx(2.0, abs=0.02)
    assert row["partial_hours"] == pytest.approx(3.0, abs=0.02)  # degraded time: nothing
    assert row["weighted_hours"] == pytest.approx(2.0 + 0.3 * 3.0, abs=0.02)
    assert row["availability"] == pytest.approx(1 - 2.9 / 720, abs=1e-4)


def test_incident_crossing_window_end_is_clipped_in_downtime(make_table):
    table = prepared(make_table({"start_utc": "2025-01-30T20:00:00Z",
                                 "end_utc": "2025-01-31T10:00:00Z"}))
    assert metrics.downtime(table, WINDOW).iloc[0]["outage_hours"] == pytest.approx(4.0,
                                                                                    abs=0.02)


def test_day_precision_start_is_placed_at_midday_not_midnight(make_table):
    table = prepared(make_table({"start_utc": "2025-01-10T00:00:00Z", "start_precision": "day",
                                 "end_utc": "2025-01-11T12:00:00Z"}))
    row = table.iloc[0]
    assert row["duration_hours"] == pytest.approx(24.0, abs=0.01)
    assert row["duration_min_hours"] == pytest.approx(12.0, abs=0.01)
    assert row["duration_max_hours"] == pytest.approx(36.0, abs=0.02)


def test_restore_time_median_of_three_resolved(make_table):
    rows = [{"start_utc": "2025-01-05T00:00:00Z", "end_utc": end} for end in (
        "2025-01-05T01:00:00Z", "2025-01-05T03:00:00Z", "2025-01-05T10:00:00Z")]
    row = time_to_restore.restore_times(prepared(make_table(*rows))).iloc[0]
    assert row["n"] == 3 and row["events"] == 3
    assert row["median"] == pytest.approx(3.0, abs=0.02)


def test_restore_time_censors_recent_open_incident(make_table):
    window = metrics.Window.from_dates("2025-01-01", "2025-01-10")
    rows = [{"start_utc": "2025-01-05T00:00:00Z", "end_utc": "2025-01-05T02:00:00Z"},
            {"start_utc": "2025-01-09T00:00:00Z", "end_utc": "", "end_precision": ""}]
    row = time_to_restore.restore_times(metrics.in_window(make_table(*rows), window)).iloc[0]
    assert row["n"] == 2 and row["events"] == 1 and row["ongoing"] == 1


def test_all_ongoing_gives_no_median(make_table):
    window = metrics.Window.from_dates("2025-01-01", "2025-01-10")
    rows = [{"start_utc": "2025-01-09T00:00:00Z", "end_utc": "", "end_precision": ""}]
    row = time_to_restore.restore_times(metrics.in_window(make_table(*rows), window)).iloc[0]
    assert row["events"] == 0
    assert math.isnan(row["median"])


def test_old_incident_without_end_is_left_out_of_restore_time(make_table):
    rows = [{"start_utc": "2025-01-02T00:00:00Z", "end_utc": "", "end_precision": ""},
            {"start_utc": "2025-01-05T00:00:00Z", "end_utc": "2025-01-05T02:00:00Z"}]
    row = time_to_restore.restore_times(prepared(make_table(*rows))).iloc[0]
    assert row["n"] == 1 and row["end_unknown"] == 1


def test_advisories_are_not_in_restore_time(make_table):
    rows = [{"impact": "advisory", "end_utc": "2025-01-15T00:00:00Z"}, {}]
    assert time_to_restore.restore_times(prepared(make_table(*rows))).iloc[0]["n"] == 1


@pytest.mark.parametrize("seed", range(12))
def test_grouped_kaplan_meier_matches_single_group_restore_time(seed):

    rng = np.random.default_rng(seed)
    durations = rng.exponential(5, size=40).round(1)
    resolved = rng.random(40) > 0.3
    single = survival.restore_time(durations, resolved)
    grouped = time_to_restore.grouped_kaplan_meier_summary(np.zeros(40, dtype=int), durations,
                                                           resolved)
    row = grouped.iloc[0]
    for name in ("median", "median_lower", "median_upper", "p90"):
        expected = getattr(single, name)
        if expected is None:
            assert math.isnan(row[name])
        else:
            assert row[name] == pytest.approx(expected)


def test_laplace_verdict_worsening_when_incidents_bunch_at_the_end(make_table):
    rows = [{"start_utc": f"2025-01-{d:02d}T00:00:00Z", "end_utc": f"2025-01-{d:02d}T01:00:00Z"}
            for d in (26, 27, 28, 29, 29, 30)]
    row = trend_tests.trend(prepared(make_table(*rows)), WINDOW).iloc[0]
    assert row["laplace_u"] > 0
    assert row["verdict"] == "worsening"


def test_many_incidents_at_one_instant_are_not_a_trend(make_table):
    rows = [{"start_utc": "2025-01-29T00:00:00Z", "end_utc": "2025-01-29T01:00:00Z"}] * 200
    row = trend_tests.trend(prepared(make_table(*rows)), WINDOW).iloc[0]
    assert (row["n"], row["distinct_times"], row["verdict"]) == (200, 1, "not testable")
    assert math.isnan(row["laplace_u"]) and math.isnan(row["beta"])


def test_incidents_sharing_an_instant_count_once_in_the_trend_test(make_table):
    days = [3, 10, 20]
    once = trend_tests.trend(prepared(make_table(*[
        {"start_utc": f"2025-01-{d:02d}T00:00:00Z", "end_utc": f"2025-01-{d:02d}T01:00:00Z"}
        for d in days])), WINDOW).iloc[0]
    repeated = trend_tests.trend(prepared(make_table(*[
        {"start_utc": f"2025-01-{d:02d}T00:00:00Z", "end_utc": f"2025-01-{d:02d}T01:00:00Z"}
        for d in [*days, 20, 20, 20]])), WINDOW).iloc[0]
    # Laplace U of events at 2.5, 9.5 and 19.5 days in 30 (start_mid is the minute's middle):
    # (mean - 15) / (30 / sqrt(12 * 3))
    assert once["laplace_u"] == pytest.approx(
        (np.mean([2, 9, 19]) + 0.5 / 1440 - 15) / (30 / math.sqrt(36)), rel=1e-6)
    assert repeated["laplace_u"] == pytest.approx(once["laplace_u"])
    assert repeated["n"] == 6 and repeated["distinct_times"] == 3


def test_trend_needs_three_incidents(make_table):
    row = trend_tests.trend(prepared(make_table({})), WINDOW).iloc[0]
    assert row["verdict"] == "insufficient data"


def test_change_induced_share_ignores_unknown_in_denominator(make_table):
    rows = [{"change_induced": "yes"}, {"change_induced": "no"},
            {"change_induced": "unknown"}, {"change_induced": "yes"}]
    row = metrics.change_induced_share(prepared(make_table(*rows))).iloc[0]
    assert (row["yes"], row["no"], row["unknown"]) == (2, 1, 1)
    assert row["share"] == pytest.approx(2 / 3)
    assert row["share_lower"] < row["share"] < row["share_upper"]


def test_access_vector_matrix_counts_each_client_once_per_incident(make_table):
    rows = [{"affected_clients": "outlook-mobile;outlook-mac-new"},
            {"affected_clients": "outlook-mobile", "start_utc": "2025-01-20T00:00:00Z",
             "end_utc": "2025-01-20T01:00:00Z"}]
    matrix = metrics.access_vector_matrix(prepared(make_table(*rows)))
    assert matrix.loc["outlook-mobile", "2025Q1"] == 2
    assert matrix.loc["outlook-mac-new", "2025Q1"] == 1


def test_co_failures_pair_overlapping_incidents_on_different_services(make_table):
    rows = [{"service": "Mailbox"}, {"service": "Calendar", "start_utc": "2025-01-10T11:00:00Z",
                                     "end_utc": "2025-01-10T13:00:00Z"}]
    table = prepared(make_table(*rows))
    pairs = cofailure.co_failures(table, "service")
    assert pairs[["service_a", "service_b", "incidents_a", "incidents_b"]].values.tolist() == [
        ["Calendar", "Mailbox", 1, 1]]
    assert pairs["overlap_hours"].iloc[0] == pytest.approx(1.0)  # 11:00-12:00
    assert set(cofailure.blast_radius(table)["co_failing"]) == {1}


def span(vendor: str, start: int, end: int, service: str = "Mailbox") -> dict[str, str]:
    """An incident of ``vendor`` from ``start`` to ``end`` o'clock on 10 January 2025."""
    return {"vendor": vendor, "service": service, "start_utc": f"2025-01-10T{start:02d}:00:00Z",
            "end_utc": f"2025-01-10T{end:02d}:00:00Z"}


def test_co_failures_count_vendor_pairs_with_hours_together(make_table):
    # Acme 10-12 and 11-13 (merged 10-13), Beta 12-14 and 20-21: together 12-13 only; the
    # Acme incident ending at 12 only touches Beta's start, which is not an overlap.
    table = prepared(make_table(span("Acme Mail", 10, 12), span("Acme Mail", 11, 13),
                                span("Beta Chat", 12, 14), span("Beta Chat", 20, 21)))
    pairs = cofailure.co_failures(table)
    assert pairs[["vendor_a", "vendor_b", "incidents_a", "incidents_b"]].values.tolist() == [
        ["Acme Mail", "Beta Chat", 1, 1]]
    assert pairs["overlap_hours"].iloc[0] == pytest.approx(1.0)
    assert pairs.attrs["pairs"] == 1


def test_co_failures_set_the_overlap_against_what_independence_would_give(make_table):
    # Acme fails 10-13 (3 h), Beta 12-14 and 20-21 (3 h) in a 24-hour window: independent
    # vendors failing that long would overlap 3 x 3 / 24 = 0.375 h; they overlapped 1 h.
    table = prepared(make_table(span("Acme Mail", 10, 12), span("Acme Mail", 11, 13),
                                span("Beta Chat", 12, 14), span("Beta Chat", 20, 21)))
    pair = cofailure.co_failures(table, window_hours=24.0).iloc[0]
    assert (pair["hours_a"], pair["hours_b"]) == (pytest.approx(3.0), pytest.approx(3.0))
    assert pair["expected_hours"] == pytest.approx(0.375)
    assert pair["ratio"] == pytest.approx(1.0 / 0.375)


def test_co_failures_are_one_row_per_group_pair_however_many_incidents(make_table):
    # 400 incidents on each of two services, every one overlapping every other: 160,000
    # incident pairs, one pair of services.
    rows = [span("Acme Mail", 8, 20, service) for service in ("Mailbox", "Calendar")
            for _ in range(400)]
    table = prepared(make_table(*rows))
    pairs = cofailure.co_failures(table, "service")
    assert len(pairs) == 1
    assert pairs[["incidents_a", "incidents_b", "overlap_hours"]].values.tolist() == [
        [400, 400, 12.0]]
    assert set(cofailure.blast_radius(table)["co_failing"]) == {1}


def test_co_failures_compare_only_the_groups_with_most_downtime(make_table):
    rows = [span("Acme Mail", 8, 8 + hours, f"S{hours}") for hours in (1, 2, 3, 4)]
    table = prepared(make_table(*rows))
    pairs = cofailure.co_failures(table, "service", max_groups=2, limit=10)
    assert pairs[["service_a", "service_b"]].values.tolist() == [["S3", "S4"]]
    assert pairs.attrs == {"pairs": 1, "groups": 4, "groups_compared": 2}
    blast = cofailure.blast_radius(table, max_services=2)
    assert blast.set_index("service")["co_failing"].to_dict() == {"S1": 2, "S2": 2, "S3": 1,
                                                                  "S4": 1}
    assert blast.attrs["services_left_out"] == 2


def test_co_failures_of_an_empty_table_are_an_empty_table(make_table):
    table = prepared(make_table(span("Acme Mail", 8, 9)))
    assert cofailure.co_failures(table.iloc[0:0]).empty
    assert cofailure.co_failures(table).empty


def test_month_below_sla_gets_the_credit_tier(make_table):
    # 10 hours out in a 31-day January: 1 - 10/744 = 98.66% < 99% -> 50% credit tier
    from incidents.analysis import availability

    rows = [{"start_utc": "2025-01-10T00:00:00Z", "end_utc": "2025-01-10T10:00:00Z",
             "product": "Mail"}]
    window = metrics.Window.from_dates("2025-01-01", "2025-01-31")
    slas = pd.DataFrame({"sla_id": ["acme"], "vendor": ["Acme Mail"], "name": ["Acme SLA"],
                         "services": ["Mail"], "target": [0.999], "period": ["month"],
                         "credit_tiers": ["0.999:25;0.99:50;0.95:100"]})
    month = availability.sla_periods(metrics.in_window(make_table(*rows), window), window,
                                     slas).iloc[0]
    assert month["availability"] == pytest.approx(1 - 10 / 744, abs=1e-4)
    assert month["below_target"]
    assert month["credit_percent"] == 50


def test_credit_for_availability_above_every_threshold_is_zero():
    assert metrics.credit_for(0.9995, "0.999:25;0.99:50") == 0.0


def test_outlook_interval_brackets_expectation(make_table):
    rows = [{"start_utc": f"2025-01-{d:02d}T00:00:00Z", "end_utc": f"2025-01-{d:02d}T01:00:00Z"}
            for d in (3, 12, 21)]
    row = trend_tests.outlook(prepared(make_table(*rows)), WINDOW, horizon_days=30).iloc[0]
    assert row["lower"] <= row["expected"] <= row["upper"]
    assert row["expected"] == pytest.approx(3.5, abs=0.01)  # (n + 1/2) * 30/30


# ---------------------------------------------------------------- properties

intervals = st.lists(st.tuples(st.floats(0, 700), st.floats(0, 200)), min_size=1, max_size=20)


def _frame(spans: list[tuple[float, float]], shift_hours: float = 0.0) -> tuple[pd.DataFrame,
                                                                                metrics.Window]:
    base = pd.Timestamp("2025-01-01T00:00:00Z") + pd.Timedelta(hours=shift_hours)
    starts = [base + pd.Timedelta(hours=s) for s, _ in spans]
    ends = [base + pd.Timedelta(hours=s + d) for s, d in spans]
    frame = pd.DataFrame({"vendor": "V", "impact": "outage", "start_mid": starts,
                          "end_mid": ends, "end_known": True})
    return frame, metrics.Window(base, base + pd.Timedelta(hours=720))


@given(intervals)
@settings(max_examples=60, deadline=None)
def test_merged_downtime_never_exceeds_window_and_availability_in_unit_range(spans):
    frame, window = _frame(spans)
    row = metrics.downtime(frame, window).iloc[0]
    assert 0 <= row["outage_hours"] <= window.hours + 1e-9
    assert 0 <= row["availability"] <= 1


@given(intervals)
@settings(max_examples=60, deadline=None)
def test_merged_downtime_is_at_most_the_sum_and_at_least_the_longest(spans):
    frame, window = _frame(spans)
    hours = metrics.downtime(frame, window).iloc[0]["outage_hours"]
    clipped = [min(s + d, 720) - min(s, 720) for s, d in spans]
    assert max(clipped) - 1e-6 <= hours <= sum(clipped) + 1e-6


@given(intervals, st.floats(-5000, 5000))
@settings(max_examples=40, deadline=None)
def test_shifting_all_times_leaves_downtime_unchanged(spans, shift):
    frame, window = _frame(spans)
    moved, moved_window = _frame(spans, shift)
    a = metrics.downtime(frame, window).iloc[0]["outage_hours"]
    b = metrics.downtime(moved, moved_window).iloc[0]["outage_hours"]
    assert a == pytest.approx(b, abs=1e-6)


def test_grouped_kaplan_meier_reproduces_r_survfit_on_aml():
    """R ``survfit(Surv(time, status) ~ x, data = aml)`` prints
    Maintained: median 31, 0.95LCL 18, 0.95UCL NA;
    Nonmaintained: median 23, 0.95LCL 8, 0.95UCL NA (the aml data of R's survival package)."""
    maintained = [(9, 1), (13, 1), (13, 0), (18, 1), (23, 1), (28, 0), (31, 1), (34, 1),
                  (45, 0), (48, 1), (161, 0)]
    nonmaintained = [(5, 1), (5, 1), (8, 1), (8, 1), (12, 1), (16, 0), (23, 1), (27, 1),
                     (30, 1), (33, 1), (43, 1), (45, 1)]
    rows = [(0, t, e) for t, e in maintained] + [(1, t, e) for t, e in nonmaintained]
    codes, times, events = (np.array(col) for col in zip(*rows, strict=True))
    table = time_to_restore.grouped_kaplan_meier_summary(codes, times.astype(float),
                                                         events.astype(bool))
    assert (table.loc[0, "median"], table.loc[0, "median_lower"]) == (31, 18)
    assert math.isnan(table.loc[0, "median_upper"])
    assert (table.loc[1, "median"], table.loc[1, "median_lower"]) == (23, 8)
    assert math.isnan(table.loc[1, "median_upper"])


def test_metrics_on_an_empty_window_give_zero_rows_not_errors(make_table):
    empty = prepared(make_table({"start_utc": "2024-06-01T00:00:00Z",
                                 "end_utc": "2024-06-01T01:00:00Z"}))
    assert len(empty) == 0
    groups = pd.DataFrame({"vendor": ["Acme Mail"]})
    assert metrics.frequency(empty, WINDOW, groups=groups).iloc[0]["incidents"] == 0
    assert metrics.mtbf(empty, WINDOW, groups=groups).iloc[0]["mtbf_upper_hours"] == math.inf
    assert time_to_restore.restore_times(empty).empty
    assert trend_tests.trend(empty, WINDOW).empty
    assert metrics.downtime(empty, WINDOW).empty


def test_one_incident_gives_bounds_but_no_trend(make_table):
    table = prepared(make_table({}))
    assert trend_tests.trend(table, WINDOW).iloc[0]["verdict"] == "insufficient data"
    row = metrics.mtbf(table, WINDOW, min_incidents=3).iloc[0]
    assert math.isnan(row["mtbf_hours"]) and row["mtbf_lower_hours"] > 0


def test_two_stamps_on_the_same_day_give_half_a_day_not_zero(make_table):
    table = prepared(make_table({"start_utc": "2025-01-10T00:00:00Z", "start_precision": "day",
                                 "end_utc": "2025-01-10T00:00:00Z", "end_precision": "day"}))
    row = table.iloc[0]
    assert row["duration_min_hours"] == 0
    assert row["duration_max_hours"] == pytest.approx(24)
    assert row["duration_hours"] == pytest.approx(12)


def test_grouped_kaplan_meier_keeps_groups_apart_when_one_reaches_zero():
    codes = np.array([0, 0, 0, 1, 1, 1])
    times = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    table = time_to_restore.grouped_kaplan_meier_summary(codes, times, np.ones(6, dtype=bool))
    assert list(table["median"]) == [2.0, 2.0]
    assert list(table["p90"]) == [3.0, 3.0]


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 30), st.booleans()), min_size=1,
                max_size=60))
@settings(max_examples=80, deadline=None)
def test_grouped_kaplan_meier_equals_per_group_restore_time(rows):

    codes, times, done = (np.array(col) for col in zip(*rows, strict=True))
    table = time_to_restore.grouped_kaplan_meier_summary(codes, times.astype(float), done)
    for code in np.unique(codes):
        mask = codes == code
        single = survival.restore_time(times[mask].astype(float), done[mask])
        for name in ("median", "median_lower", "median_upper", "p90"):
            expected = getattr(single, name)
            got = table.loc[code, name]
            assert (math.isnan(got) if expected is None else got == pytest.approx(expected)), (
                name, code)


def test_summary_table_agrees_with_each_metric(make_table):
    rows = [{"start_utc": f"2025-01-{d:02d}T00:00:00Z", "end_utc": f"2025-01-{d:02d}T0{h}:00:00Z",
             "service": service, "impact": impact}
            for d, h, service, impact in ((3, 1, "Mailbox", "outage"), (9, 4, "Calendar",
                                          "degradation"), (14, 2, "Mailbox", "outage"),
                                          (20, 3, "Mailbox", "advisory"))]
    table = prepared(make_table(*rows))
    keys = ["vendor", "service"]
    summary = overview.summary_table(table, WINDOW, keys)
    alone = metrics.frequency(table, WINDOW, keys).merge(
        metrics.downtime(table, WINDOW, keys), on=keys).merge(
        time_to_restore.restore_times(table, keys).add_prefix("restore_").rename(
            columns={f"restore_{k}": k for k in keys}), on=keys)
    for column in ("incidents", "per_month_upper", "outage_hours", "availability",
                   "restore_median", "restore_n"):
        assert summary[column].tolist() == pytest.approx(alone[column].tolist(), nan_ok=True)
    assert list(summary["service"]) == ["Calendar", "Mailbox"]


def test_outlook_uses_the_power_law_when_the_rate_is_rising(make_table):
    rows = [{"start_utc": f"2025-01-{d:02d}T00:00:00Z", "end_utc": f"2025-01-{d:02d}T01:00:00Z"}
            for d in (26, 27, 28, 29, 29, 30)]
    row = trend_tests.outlook(prepared(make_table(*rows)), WINDOW, horizon_days=30).iloc[0]
    assert row["verdict"] == "worsening"
    assert row["model"].startswith("power law")
    assert row["expected"] > 6.5  # more than the constant-rate forecast, (6 + 1/2) * 30/30
    assert row["lower"] <= row["expected"] <= row["upper"]


def test_access_vector_matrix_shows_quiet_periods_of_the_window(make_table):
    window = metrics.Window.from_dates("2025-01-01", "2025-09-30")
    table = metrics.in_window(make_table({"affected_clients": "imap4"}), window)
    matrix = metrics.access_vector_matrix(table, "Q", window)
    assert list(matrix.columns) == ["2025Q1", "2025Q2", "2025Q3"]
    assert matrix.loc["imap4"].tolist() == [1, 0, 0]


def test_in_window_leaves_its_input_unchanged(make_table):
    table = make_table({}, {"start_utc": "2025-01-20T00:00:00Z", "end_utc": "",
                            "end_precision": ""})
    before = table.copy()
    metrics.in_window(table, WINDOW)
    pd.testing.assert_frame_equal(table, before)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c", None]),
                          st.sampled_from(["y", "x", None])), min_size=1, max_size=40))
def test_two_key_grouping_matches_pandas_groupby(rows):
    keys = pd.DataFrame(rows, columns=["vendor", "service"], dtype=object)
    found = metrics.grouping(keys, ["vendor", "service"])
    grouped = keys.groupby(["vendor", "service"], observed=True, sort=True)
    # A row with a missing key belongs to no group: code -1 (pandas says NaN).
    np.testing.assert_array_equal(found.codes, grouped.ngroup().fillna(-1).to_numpy())
    expected = grouped.size().reset_index()[["vendor", "service"]]
    pd.testing.assert_frame_equal(found.frame(), expected, check_dtype=False,
                                  check_column_type=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from([0.5, 1.0, 2.25, math.inf])),
                min_size=1, max_size=40))
def test_within_group_cumsum_matches_a_grouped_running_sum(rows):
    rows = sorted(rows, key=lambda row: row[0])
    group = np.array([g for g, _ in rows])
    values = np.array([v for _, v in rows])
    expected, running, previous = [], 0.0, None
    for g, v in rows:  # a plain running sum (pandas' compensated one turns inf + x into NaN)
        running = v if g != previous else running + v
        expected.append(running)
        previous = g
    np.testing.assert_allclose(time_to_restore.within_group_cumsum(values, group), expected)


def test_credit_is_unknown_when_the_sla_publishes_no_tiers():
    # A month at 50% availability under an SLA without a credit schedule: not "0% credit".
    assert math.isnan(metrics.credit_for(0.5, ""))
    assert narrative.number(metrics.credit_for(0.5, ""), 0) == "n/a"


def test_blast_radius_by_product_counts_other_products_not_other_component_lists(make_table):
    # Two rows of one product with different component lists overlap each other, and a third
    # row of another product overlaps both: by service all three co-fail, by product only
    # the pair across products counts.
    rows = [{**span("Acme Mail", 8, 12, "Mailbox; Sync"), "product": "Mail"},
            {**span("Acme Mail", 9, 12, "Mailbox"), "product": "Mail"},
            {**span("Acme Mail", 10, 11, "Calendar"), "product": "Calendar"}]
    table = prepared(make_table(*rows))
    assert sorted(cofailure.blast_radius(table)["co_failing"]) == [2, 2, 2]
    by_product = cofailure.blast_radius(table, by="product")
    assert by_product.set_index("service")["co_failing"].to_dict() == {
        "Mailbox; Sync": 1, "Mailbox": 1, "Calendar": 1}
    pairs = cofailure.co_failures(table, "product")
    assert pairs[["product_a", "product_b"]].values.tolist() == [["Calendar", "Mail"]]
    assert "Calendar and Mail" in narrative.blast_sentence(by_product, pairs)
