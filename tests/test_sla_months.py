"""Months public reports alone put below a target, and each vendor measured to its own end."""

from __future__ import annotations

import pandas as pd

from incidents.analysis import availability, metrics

WINDOW = metrics.Window.from_dates("2025-01-01", "2025-03-31")


def rows(make_table, *changes):
    table = make_table(*changes)
    return metrics.with_times(table, WINDOW.end)


def test_two_certain_hours_put_a_month_of_672_hours_below_three_nines(make_table):
    # February 2025 has 672 hours: 99.9% allows 0.672 h. A 10:00-12:00 outage stamped to the
    # minute certainly lasted 1 h 59 min (it may have begun up to a minute after 10:00).
    found = availability.months_below(rows(make_table, {
        "start_utc": "2025-02-10T10:00:00Z", "end_utc": "2025-02-10T12:00:00Z"}),
        WINDOW, 0.999)
    (month,) = found.itertuples(index=False)
    assert month.period == "2025-02" and month.ids == "AM0"
    assert abs(month.availability - (1 - (119 / 60) / 672)) < 1e-9


def test_half_an_hour_in_january_is_not_below_three_nines(make_table):
    found = availability.months_below(rows(make_table, {
        "start_utc": "2025-01-10T10:00:00Z", "end_utc": "2025-01-10T10:30:00Z"}),
        WINDOW, 0.999)
    assert found.empty


def test_a_day_precise_outage_counts_only_the_hours_it_certainly_lasted(make_table):
    # Began some time on 10 Feb, ended some time on 13 Feb: certainly from the end of
    # 10 Feb to the start of 13 Feb, 48 h.
    found = availability.months_below(rows(make_table, {
        "start_utc": "2025-02-10T00:00:00Z", "start_precision": "day",
        "end_utc": "2025-02-13T00:00:00Z", "end_precision": "day"}), WINDOW, 0.999)
    assert abs(found.iloc[0]["downtime_hours"] - 48) < 1e-6


def test_a_month_after_the_vendors_own_end_is_left_out(make_table):
    table = rows(make_table, {"start_utc": "2025-03-10T10:00:00Z",
                              "end_utc": "2025-03-10T12:00:00Z"})
    ends = pd.Series({"Acme Mail": pd.Timestamp("2025-03-15", tz="UTC")})
    assert availability.months_below(table, WINDOW, 0.999, ends).empty
    assert len(availability.months_below(table, WINDOW, 0.999)) == 1


def test_availability_is_measured_to_the_vendors_own_end(make_table):
    table = rows(make_table, {"start_utc": "2025-01-10T10:00:00Z",
                              "end_utc": "2025-01-10T12:00:00Z"})
    ends = pd.Series({"Acme Mail": pd.Timestamp("2025-01-31", tz="UTC")})
    found = availability.service_availability(table, WINDOW, ends=ends).iloc[0]
    assert found["covered_hours"] == 30 * 24
    assert abs(found["availability"] - (1 - (119 / 60) / (30 * 24))) < 1e-9
