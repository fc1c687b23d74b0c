"""Records, events, the like-for-like basis, availability per service and per SLA, exposure,
source quality and the window's cut-off: each rule on tiny hand-made data."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from incidents.analysis import availability, basis, metrics, risk, time_to_restore
from incidents.data import companions, schema, sources
from incidents.errors import InputError, ParameterError
from incidents.evidence import event_model
from incidents.evidence import records as evidence
from incidents.present import narrative, parameters, report, services
from tests.conftest import NOW, VENDOR_ROWS, incident_row, write_csv

WINDOW = metrics.Window.from_dates("2024-01-01", "2025-12-31")


def _records(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    full = [{"capture_rate": "", "source_url": "https://status.example.org", "archive": "",
             "misses": "nothing stated", **row} for row in rows]
    return write_csv(tmp_path / "records.csv", full, schema.RECORD_COLUMN_NAMES)


HISTORY = {"record_id": "acme-history", "vendor": "Acme Mail", "kind": "status-history",
           "capture": "complete", "complete_from": "2024-01-01", "complete_to": "2025-12-31",
           "file": "records/acme-history.csv"}


def _evidence(tmp_path: Path, history: list[dict[str, str]],
              curated: list[dict[str, str]] = (), links: list[dict[str, str]] = ()
              ) -> evidence.Evidence:


    write_csv(tmp_path / "vendors.csv", VENDOR_ROWS, schema.VENDOR_COLUMN_NAMES)
    _records(tmp_path, [HISTORY])
    (tmp_path / "records").mkdir(exist_ok=True)
    rows = [incident_row(**{"incident_id": f"H{i}", "record_id": "acme-history", **r})
            for i, r in enumerate(history)]
    write_csv(tmp_path / "records" / "acme-history.csv", rows, schema.INCIDENT_COLUMN_NAMES)
    cur = [incident_row(**{"incident_id": f"C{i}", **r}) for i, r in enumerate(curated)]
    write_csv(tmp_path / "incidents.csv", cur or [incident_row(incident_id="C0")],
              schema.INCIDENT_COLUMN_NAMES)
    if links:
        write_csv(tmp_path / "events.csv", links, schema.EVENT_LINK_COLUMN_NAMES)
    return evidence.load_evidence(tmp_path / "incidents.csv", tmp_path / "vendors.csv",
                                  now=NOW)


def _rows(found: evidence.Evidence, window: metrics.Window = WINDOW) -> pd.DataFrame:
    return metrics.in_window(event_model.event_rows(found.incidents), window)


# ---------------------------------------------------------------- records


def test_a_row_outside_its_records_period_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        _evidence(tmp_path, [{"start_utc": "2023-06-01T10:00:00Z",
                              "end_utc": "2023-06-01T11:00:00Z"}])
    assert "outside the period of the row's record" in str(raised.value)
    (problem,) = raised.value.problems
    assert re.search(r"in .*records\.csv \(line 2\)$", problem.fix), problem.fix


def test_a_row_naming_an_unknown_record_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        _evidence(tmp_path, [{}], curated=[{"record_id": "nowhere"}])
    assert "'nowhere' is not a record" in str(raised.value)


def test_rows_without_a_record_belong_to_their_vendors_curated_record(tmp_path: Path) -> None:
    found = _evidence(tmp_path, [{}])
    curated = found.incidents.loc[found.incidents["incident_id"] == "C0"].iloc[0]
    assert curated["record_id"] == "acme-mail-curated"
    assert curated["record_kind"] == "curated"
    assert not curated["basis"]


def test_the_cutoff_is_the_end_of_the_records_not_today(tmp_path: Path) -> None:
    found = _evidence(tmp_path, [{}])
    assert found.cutoff == pd.Timestamp("2025-12-31", tz="UTC")


def test_a_window_past_the_cutoff_is_cut_there_with_a_note() -> None:
    window, note = parameters.resolve_window("2024-01-01", "2026-06-30",
                                             today=pd.Timestamp("2026-11-01", tz="UTC"),
                                             cutoff=pd.Timestamp("2025-12-31", tz="UTC"))
    assert window.end == pd.Timestamp("2026-01-01", tz="UTC")
    assert "after the data cut-off" in note


def test_an_empty_end_means_the_cutoff() -> None:
    window, note = parameters.resolve_window("2024-01-01", "", cutoff=pd.Timestamp(
        "2025-12-31", tz="UTC"), today=pd.Timestamp("2026-11-01", tz="UTC"))
    assert window.end == pd.Timestamp("2026-01-01", tz="UTC") and note == ""


def test_a_start_after_the_data_is_refused_without_advice_to_swap() -> None:
    with pytest.raises(ParameterError, match="after the data ends"):
        parameters.resolve_window("2099-01-01", "", cutoff=pd.Timestamp("2025-12-31", tz="UTC"))


# ---------------------------------------------------------------- events


def test_a_curated_row_and_its_status_twin_are_one_event_with_the_curated_cause(
        tmp_path: Path) -> None:
    found = _evidence(
        tmp_path, [{"incident_id": "abc", "root_cause_category": "unknown",
                    "change_induced": "unknown", "start_utc": "2025-01-10T10:05:00Z"}],
        curated=[{"incident_id": "abc", "root_cause_category": "configuration",
                  "change_induced": "yes"}],
        links=[{"event_id": "acme-2025-01-10", "record_id": r, "incident_id": "abc",
                "status": "confirmed", "reason": "same status id"}
               for r in ("acme-history", "acme-mail-curated")])
    rows = event_model.event_rows(found.incidents)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["record_id"] == "acme-history"  # the row rates count, with its id and link
    # Equal precision: the time a person read in the vendor's review stands.
    assert row["start_utc"] == pd.Timestamp("2025-01-10T10:00:00Z")
    assert row["root_cause_category"] == "configuration"  # enrichment from the curated row
    assert row["change_induced"] == "yes"
    assert row["rows_in_event"] == 2 and row["curated_in_event"]


def _linked_pair(tmp_path: Path, history: dict[str, str], curated: dict[str, str]
                 ) -> pd.Series:
    found = _evidence(
        tmp_path, [{"incident_id": "abc", **history}], curated=[{"incident_id": "abc", **curated}],
        links=[{"event_id": "acme-pair", "record_id": r, "incident_id": "abc",
                "status": "confirmed", "reason": "same outage"}
               for r in ("acme-history", "acme-mail-curated")])
    rows = event_model.event_rows(found.incidents)
    assert len(rows) == 1
    return rows.iloc[0]


def test_the_curated_reading_of_impact_severity_and_service_beats_the_record_row(
        tmp_path: Path) -> None:
    row = _linked_pair(
        tmp_path, {"impact": "degradation", "severity": "3", "product": "Account Management",
                   "start_utc": "2025-01-10T18:00:00Z", "end_utc": "2025-01-10T20:36:00Z"},
        {"impact": "outage", "severity": "5", "product": "Mail", "service": "Mailbox",
         "start_utc": "2025-01-10T06:48:00Z", "end_utc": "2025-01-10T21:20:00Z"})
    assert row["record_id"] == "acme-history"
    assert (row["impact"], int(row["severity"]), row["product"]) == ("outage", 5, "Mail")
    assert row["start_utc"] == pd.Timestamp("2025-01-10T06:48:00Z")
    assert row["end_utc"] == pd.Timestamp("2025-01-10T21:20:00Z")


def test_a_record_time_more_precise_than_the_curated_one_is_kept(tmp_path: Path) -> None:
    row = _linked_pair(
        tmp_path, {"start_utc": "2025-01-10T10:05:00Z", "start_precision": "minute"},
        {"start_utc": "2025-01-10T00:00:00Z", "start_precision": "day",
         "impact": "partial-outage"})
    assert row["start_utc"] == pd.Timestamp("2025-01-10T10:05:00Z")
    assert row["start_precision"] == "minute"
    assert row["impact"] == "partial-outage"  # the reading still comes from the person


def test_the_event_says_where_the_record_and_the_person_disagree(tmp_path: Path) -> None:
    row = _linked_pair(tmp_path, {"impact": "degradation", "severity": "3"},
                       {"impact": "outage", "severity": "5"})
    assert "impact: degradation (acme-history) / outage (curated)" in row["disagreement"]
    assert "severity: 3 (acme-history) / 5 (curated)" in row["disagreement"]


def test_an_event_whose_rows_agree_has_no_disagreement(tmp_path: Path) -> None:
    assert _linked_pair(tmp_path, {}, {})["disagreement"] == ""


def test_a_proposed_link_does_not_merge_rows(tmp_path: Path) -> None:
    found = _evidence(tmp_path, [{"incident_id": "abc"}], curated=[{"incident_id": "abc"}],
                      links=[{"event_id": "e", "record_id": r, "incident_id": "abc",
                              "status": "proposed", "reason": "same id"}
                             for r in ("acme-history", "acme-mail-curated")])
    assert found.incidents["event"].nunique() == 2


def test_rows_sharing_an_event_id_are_one_event() -> None:
    incidents = pd.DataFrame({"record_id": ["r", "r", "r"], "incident_id": ["1", "2", "3"],
                              "event_id": ["x", "x", ""]})
    links = pd.DataFrame(columns=schema.EVENT_LINK_COLUMN_NAMES)
    assert event_model.assign_events(incidents, links).tolist() == ["x", "x", "r/3"]


def test_a_link_joins_an_event_id_group_to_another_row() -> None:
    incidents = pd.DataFrame({"record_id": ["r", "r", "s"], "incident_id": ["1", "2", "9"],
                              "event_id": ["x", "x", ""]})
    links = pd.DataFrame({"event_id": ["E", "E"], "record_id": ["r", "s"],
                          "incident_id": ["1", "9"], "status": ["confirmed"] * 2,
                          "reason": ["", ""]})
    assert event_model.assign_events(incidents, links).tolist() == ["E", "E", "E"]


# ---------------------------------------------------------------- like for like


def test_only_outages_and_partial_outages_of_severity_4_or_5_count_on_the_basis(
        tmp_path: Path) -> None:
    found = _evidence(tmp_path, [
        {"severity": "4", "start_utc": "2024-03-01T10:00:00Z", "end_utc": "2024-03-01T10:10:00Z"},
        {"severity": "5", "impact": "partial-outage", "start_utc": "2024-03-05T10:00:00Z",
         "end_utc": "2024-03-05T10:30:00Z"},
        # A long outage the vendor rated minor, and a severe but usable degradation: neither.
        {"severity": "2", "start_utc": "2024-04-01T10:00:00Z", "end_utc": "2024-04-01T11:30:00Z"},
        {"severity": "4", "impact": "degradation", "start_utc": "2024-05-01T10:00:00Z",
         "end_utc": "2024-05-03T10:20:00Z"},
        {"severity": "1", "impact": "advisory", "start_utc": "2024-06-01T10:00:00Z",
         "end_utc": "2024-06-09T10:00:00Z"},
    ], curated=[{"severity": "5"}])
    rates = basis.comparable_rates(_rows(found), found.records, WINDOW)
    acme = rates.set_index("vendor").loc["Acme Mail"]
    assert acme["events"] == 2  # the curated row is not in a rate record either
    assert acme["years"] == pytest.approx(731 / 365.25)
    assert acme["ranked"]


def test_yearly_counts_show_what_was_posted_by_impact_beside_the_basis(tmp_path: Path) -> None:
    found = _evidence(tmp_path, [
        {"severity": "4", "start_utc": "2024-03-01T10:00:00Z", "end_utc": "2024-03-01T12:00:00Z"},
        {"severity": "1", "impact": "advisory", "start_utc": "2024-04-01T10:00:00Z",
         "end_utc": "2024-04-01T11:00:00Z"},
        {"severity": "1", "impact": "advisory", "start_utc": "2024-05-01T10:00:00Z",
         "end_utc": "2024-05-01T11:00:00Z"},
    ])
    counts = basis.yearly_counts(_rows(found), found.records, WINDOW)
    year = counts.loc[counts["year"] == 2024].iloc[0]
    assert (year["events"], year["outage"], year["advisory"], year["degradation"]) == (1, 1, 2, 0)
    assert report.impact_mix(year) == ("3 in 2024 (1 outage / 0 partial / 0 degraded / "
                                       "2 advisories)")


def test_a_vendor_with_only_curated_rows_is_at_least_n_and_not_ranked(tmp_path: Path) -> None:
    found = _evidence(tmp_path, [{}], curated=[{"vendor": "Beta Chat", "severity": "4"},
                                               {"vendor": "Beta Chat", "severity": "1",
                                                "impact": "advisory",
                                                "end_utc": "2025-01-10T10:10:00Z"}])
    rates = basis.comparable_rates(_rows(found), found.records, WINDOW).set_index("vendor")
    assert rates.loc["Beta Chat", "at_least"] == 1
    assert not rates.loc["Beta Chat", "ranked"]
    assert np.isnan(rates.loc["Beta Chat", "per_year"])
    assert rates.loc["Beta Chat", "basis"].startswith("publicly reported incidents only")


def test_yearly_counts_cover_whole_years_only(tmp_path: Path) -> None:
    found = _evidence(tmp_path, [{"severity": "4", "start_utc": f"{day}T10:00:00Z",
                                  "end_utc": f"{day}T11:00:00Z"}
                                 for day in ("2024-02-01", "2025-02-01", "2025-03-01")])
    counts = basis.yearly_counts(_rows(found), found.records, WINDOW)
    assert counts[["year", "events"]].values.tolist() == [[2024, 1], [2025, 2]]


def test_rate_ratio_of_37_against_26_has_an_interval_containing_one() -> None:
    ratio, low, high = basis.rate_ratio(37, 26)
    assert ratio == pytest.approx(37 / 26)
    assert low < 1 < high
    assert 0.8 < low < 0.9 and 2.2 < high < 2.5


def test_holm_adjusts_the_smallest_p_by_the_number_of_tests() -> None:
    adjusted = basis.holm(pd.Series([0.01, 0.04, 0.03, np.nan]))
    assert adjusted.tolist()[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert np.isnan(adjusted.iloc[3])


def test_no_trend_verdict_below_the_minimum_or_without_a_whole_window_record(
        tmp_path: Path) -> None:
    found = _evidence(tmp_path, [{"severity": "4", "start_utc": f"2025-0{m}-01T10:00:00Z",
                                  "end_utc": f"2025-0{m}-01T11:00:00Z"} for m in range(1, 10)])
    verdicts = basis.trend_verdicts(_rows(found), found.records, WINDOW, min_events=10)
    assert verdicts.set_index("vendor").loc["Acme Mail", "verdict"] == "fewer than 10 events"
    wide = metrics.Window.from_dates("2023-01-01", "2025-12-31")
    verdicts = basis.trend_verdicts(_rows(found, wide), found.records, wide, min_events=3)
    assert verdicts.set_index("vendor").loc["Acme Mail", "verdict"] == (
        "record does not cover the window")


def test_events_bunched_at_the_end_read_rising_after_holm(tmp_path: Path) -> None:
    late = [{"severity": "4", "incident_id": f"L{i}",
             "start_utc": f"2025-12-{1 + i:02d}T10:00:00Z",
             "end_utc": f"2025-12-{1 + i:02d}T12:00:00Z"} for i in range(20)]
    found = _evidence(tmp_path, late)
    verdicts = basis.trend_verdicts(_rows(found), found.records, WINDOW, min_events=10)
    row = verdicts.set_index("vendor").loc["Acme Mail"]
    assert row["verdict"] == "rising" and row["tested"]


def test_many_events_at_one_instant_are_not_testable_not_rising(tmp_path: Path) -> None:
    same = [{"severity": "4", "incident_id": f"S{i}", "start_utc": "2025-12-20T10:00:00Z",
             "end_utc": "2025-12-20T12:00:00Z"} for i in range(200)]
    found = _evidence(tmp_path, same)
    verdicts = basis.trend_verdicts(_rows(found), found.records, WINDOW, min_events=10)
    row = verdicts.set_index("vendor").loc["Acme Mail"]
    assert row["verdict"] == "not testable: fewer than 3 distinct start times"
    assert not row["tested"]


# ---------------------------------------------------------------- availability


def _one(impact: str, scope: str = "all-users", product: str = "Mail") -> pd.DataFrame:
    rows = pd.DataFrame([{"vendor": "Acme Mail", "product": product, "impact": impact,
                          "scope": scope, "start_utc": pd.Timestamp("2025-01-10T10:00:00Z"),
                          "start_precision": "minute",
                          "end_utc": pd.Timestamp("2025-01-10T20:00:00Z"),
                          "end_precision": "minute"}])
    for col in ("impact", "scope", "start_precision", "end_precision"):
        rows[col] = rows[col].astype("category")
    return metrics.with_times(rows, pd.Timestamp("2026-01-01", tz="UTC"))


JANUARY = metrics.Window.from_dates("2025-01-01", "2025-01-31")


@pytest.mark.parametrize(("impact", "lost_hours"), [
    ("outage", 10.0), ("partial-outage", 3.0), ("degradation", 0.0), ("advisory", 0.0)])
def test_impact_weighs_as_status_pages_do(impact: str, lost_hours: float) -> None:
    table = availability.service_availability(_one(impact), JANUARY)
    assert table.loc[0, "downtime_hours"] == pytest.approx(lost_hours, abs=0.05)


@pytest.mark.parametrize("scope", ["one-customer", "administrators"])
def test_an_incident_limited_to_one_customer_or_admins_leaves_availability_at_100(
        scope: str) -> None:
    table = availability.service_availability(_one("outage", scope), JANUARY)
    assert table.loc[0, "availability"] == 1.0
    assert table.loc[0, "incidents"] == 1  # still an incident
    assert table.loc[0, "availability_every_incident"] < 1.0  # the sensitivity counts it


def test_overlapping_incidents_count_once_at_the_heaviest_weight() -> None:
    rows = pd.concat([_one("outage"), _one("partial-outage")], ignore_index=True)
    table = availability.service_availability(rows, JANUARY)
    assert table.loc[0, "downtime_hours"] == pytest.approx(10.0, abs=0.05)


def _slas(period: str, services: str = "Mail", target: float | None = 0.999) -> pd.DataFrame:
    return pd.DataFrame([{"sla_id": "acme", "vendor": "Acme Mail", "name": "Acme SLA",
                          "services": services, "target": target, "period": period,
                          "credit_tiers": "0.999:10;0.99:25"}])


def test_an_incident_on_a_service_the_sla_does_not_cover_gives_no_downtime() -> None:
    table = availability.sla_periods(_one("outage", product="Calendar"), JANUARY,
                                     _slas("month"))
    assert table["availability"].tolist() == [1.0]
    assert availability.uncovered_services(_one("outage", product="Calendar"),
                                           _slas("month"))["product"].tolist() == ["Calendar"]


def test_an_sla_without_a_target_gives_no_verdict() -> None:
    table = availability.sla_periods(_one("outage"), JANUARY, _slas("month", target=None))
    assert table.empty


def test_a_quarterly_sla_is_judged_per_quarter() -> None:
    year = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    table = availability.sla_periods(_one("outage"), year, _slas("quarter"))
    assert table["period"].tolist() == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    q1 = table.iloc[0]
    assert q1["availability"] == pytest.approx(1 - 10 / (90 * 24), abs=1e-5)
    assert q1["below_target"]  # 10 h of 2,160 is 99.54%, below 99.9% in the quarter too
    assert table.iloc[1:]["availability"].eq(1.0).all()


def test_a_month_with_the_same_incident_is_further_below_than_its_quarter() -> None:
    year = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    monthly = availability.sla_periods(_one("outage"), year, _slas("month"))
    quarterly = availability.sla_periods(_one("outage"), year, _slas("quarter"))
    assert monthly.iloc[0]["availability"] < quarterly.iloc[0]["availability"]


def test_a_partial_period_at_the_window_edge_gets_no_verdict() -> None:
    window = metrics.Window.from_dates("2025-01-15", "2025-02-28")
    table = availability.sla_periods(_one("outage"), window, _slas("month"))
    first = table.set_index("period").loc["2025-01"]
    assert not first["complete"] and not first["below_target"]


# ---------------------------------------------------------------- exposure


def test_no_rank_below_the_minimum_or_without_a_complete_record() -> None:
    rows = pd.DataFrame({"vendor": ["A"] * 12 + ["B"] * 2, "duration_hours": 2.0,
                         "impact": "outage", "scope": "all-users"})
    vendors = pd.DataFrame({"vendor": ["A", "B", "C"], "dependence_weight": [1.0, 1.0, 1.0]})
    years = pd.Series({"A": 2.0, "B": 2.0})
    table = risk.exposure(rows, years, vendors, min_events=10, rounds=200).set_index("vendor")
    assert table.loc["A", "rank"] == 1
    assert table.loc["A", "hours_per_year"] == pytest.approx(12.0)
    assert table.loc["A", "hours_low"] <= 12.0 <= table.loc["A", "hours_high"]
    assert np.isnan(table.loc["B", "rank"]) and "fewer than 10" in table.loc["B", "why_no_rank"]
    assert np.isnan(table.loc["C", "rank"]) and "publicly reported" in table.loc[
        "C", "why_no_rank"]


def test_exposure_scales_with_the_dependence_the_organisation_set() -> None:
    rows = pd.DataFrame({"vendor": ["A"] * 10, "duration_hours": 1.0, "impact": "outage",
                         "scope": "all-users"})
    vendors = pd.DataFrame({"vendor": ["A"], "dependence_weight": [0.5]})
    table = risk.exposure(rows, pd.Series({"A": 1.0}), vendors, 10, rounds=0)
    assert table.loc[0, "exposure"] == pytest.approx(5.0)


# ---------------------------------------------------------------- durations and sources


def test_a_day_precise_duration_enters_the_median_at_both_ends_never_at_midday(
        make_table) -> None:
    table = make_table(
        {"start_utc": "2025-01-10T00:00:00Z", "start_precision": "day",
         "end_utc": "2025-01-10T00:00:00Z", "end_precision": "day"},
        {"start_utc": "2025-01-11T10:00:00Z", "end_utc": "2025-01-11T11:00:00Z"},
        {"start_utc": "2025-01-12T10:00:00Z", "end_utc": "2025-01-12T13:00:00Z"})
    rows = metrics.in_window(table, JANUARY)
    restore = time_to_restore.restore_times(rows, "vendor").iloc[0]
    assert restore["n"] == 3 and restore["imprecise"] == 1
    # Shortest: 0 h, 1 h, 3 h -> 1 h; longest: 24 h, 1 h, 3 h -> 3 h; 12 h is never used.
    assert restore["median"] == pytest.approx(1.0)
    assert restore["median_longest"] == pytest.approx(3.0)
    assert narrative.restore_sentence(restore).startswith(
        "Median time to restore between 1.0 h and 3.0 h")


def test_a_last_update_with_impact_counts_as_at_least_that_long(make_table) -> None:
    table = make_table({"end_utc": "", "end_precision": "",
                        "last_impact_utc": "2025-01-10T16:00:00Z"})
    rows = metrics.in_window(table, JANUARY)
    assert rows.iloc[0]["end_at_least"] and not rows.iloc[0]["resolved"]
    assert rows.iloc[0]["duration_hours"] == pytest.approx(6.0, abs=0.01)


def test_a_poll_derived_end_range_widens_the_longest_duration(make_table) -> None:
    table = make_table({"end_utc": "2025-01-10T11:00:00Z",
                        "end_latest_utc": "2025-01-10T11:40:00Z"})
    rows = metrics.in_window(table, JANUARY)
    assert rows.iloc[0]["duration_max_hours"] == pytest.approx(1 + 40 / 60, abs=0.01)


@pytest.mark.parametrize(("url", "vendor", "expected"), [
    ("https://www.githubstatus.com/incidents/abc", "GitHub", "vendor"),
    ("https://status.atlassian.com/incidents/x", "Atlassian", "vendor"),
    ("https://www.bleepingcomputer.com/news/microsoft/outage/", "Microsoft 365", "press"),
    ("https://www.theregister.com/2025/01/01/x/", "GitHub", "press"),
    ("https://learn.microsoft.com/en-us/answers/questions/1", "Microsoft 365", "not-a-source"),
    ("https://pastebin.com/abc", "Okta", "not-a-source"),
    ("https://reading.example.workers.dev/x", "Cloudflare", "not-a-source"),
    ("http://203.0.113.7/status", "AWS", "not-a-source"),
    ("https://www.reddit.com/r/sysadmin/x", "Microsoft 365", "not-a-source"),
    ("https://example-msp.com/blog/outage", "Microsoft 365", "other"),
])
def test_source_quality(url: str, vendor: str, expected: str) -> None:
    assert sources.quality(url, vendor) == expected


def test_validation_refuses_a_source_that_is_not_a_source(make_table) -> None:
    with pytest.raises(InputError) as raised:
        make_table({"source_urls": "https://pastebin.com/abc"})
    assert "not a source" in str(raised.value) and "cite the original" in str(raised.value)


def test_software_defect_marked_change_induced_is_refused(make_table) -> None:
    with pytest.raises(InputError, match="contradicts root_cause_category software-defect"):
        make_table({"root_cause_category": "software-defect", "change_induced": "yes"})


def test_the_real_curated_rows_have_vendor_or_press_first_sources() -> None:
    found = evidence.load_evidence()
    curated = found.incidents.loc[found.incidents["record_kind"] == "curated"]
    good = curated["source_quality"].isin(["vendor", "press"]).mean()
    assert good >= 0.9


def test_credit_tiers_are_validated(tmp_path: Path) -> None:
    frame = pd.DataFrame({"_line": [2, 3, 4, 5], "credit_tiers": [
        "abc", "0.999:lots", "99.9:25", "0.999:10;0.99:25"]})
    problems = companions.credit_tier_problems(frame, "slas.csv", "credit_tiers")
    assert [p.line for p in problems] == [2, 3, 4]


# ---------------------------------------------------------------- actions


def test_actions_follow_their_rules() -> None:
    from incidents.present import actions

    changes = pd.DataFrame({"vendor": ["A", "B"], "yes": [4, 1], "no": [1, 4],
                            "unknown": [0, 0], "share": [0.8, 0.2]})
    incidents = pd.DataFrame({"vendor": ["A"] * 4, "affected_clients": [
        "outlook-mobile", "outlook-mobile;web", "teams-mobile", "unknown"]})
    shared = pd.DataFrame({"vendors": ["A; B"], "start_utc": [pd.Timestamp("2025-10-29")],
                           "title": ["Front Door"]})
    verdicts = pd.DataFrame({"vendor": ["A"], "name": ["A SLA"], "below": [2],
                             "periods": [12], "measured_per": ["month"]})
    uncovered = pd.DataFrame({"vendor": ["B"], "product": ["Chat"]})
    out = actions.recommended(unrecorded_vendors=["Microsoft 365"], changes=changes,
                              incidents=incidents, shared=shared, verdicts=verdicts,
                              uncovered=uncovered)
    # Most pressing first: a claim window, then shared dependencies and own changes.
    assert "2 of 12 months below target" in out[0]
    assert "failed together" in out[1]
    assert out[2].startswith("A (4 of 5)") and "B (" not in out[2]
    assert "mobile apps broke in 3 of the 3" in out[3]
    assert "web kept working in 2 of those 3" in out[3]
    assert "import msgraph" in out[4]
    assert out[5].startswith("B: no SLA figure")


def test_an_sla_measures_each_covered_service_on_its_own() -> None:
    mail, calendar = _one("outage"), _one("outage", product="Calendar")
    calendar["start_mid"] = calendar["start_mid"] + pd.Timedelta(hours=12)
    calendar["end_mid"] = calendar["end_mid"] + pd.Timedelta(hours=12)
    table = availability.sla_periods(pd.concat([mail, calendar], ignore_index=True), JANUARY,
                                     _slas("month", services="Mail;Calendar"))
    row = table.iloc[0]
    assert row["availability"] == pytest.approx(1 - 10 / (31 * 24), abs=1e-4)  # not 20 h
    assert row["worst_service"] in {"Mail", "Calendar"}


def test_a_poll_gap_widens_the_bound_not_the_estimate(make_table) -> None:
    table = make_table({"end_utc": "2025-01-10T11:00:00Z",
                        "end_latest_utc": "2025-01-14T11:00:00Z"})
    rows = metrics.in_window(table, JANUARY)
    assert rows.iloc[0]["duration_hours"] == pytest.approx(1.0, abs=0.02)
    assert rows.iloc[0]["duration_max_hours"] == pytest.approx(97.0, abs=0.02)


def test_clients_are_grouped_as_a_cio_names_them() -> None:
    rows = pd.DataFrame({"record_kind": ["curated"] * 3, "curated_in_event": [True] * 3,
                         "affected_clients": ["outlook-mobile;imap4", "teams-mobile",
                                              "unknown"]})
    table = report.client_groups(rows).set_index("group")
    assert table.loc["mobile apps", "events"] == 2
    assert table.loc["mobile apps", "clients"] == "outlook-mobile, teams-mobile"
    assert table.loc["sync and mail protocols", "events"] == 1


def test_a_cross_posted_status_incident_is_not_read_as_curated() -> None:
    incidents = pd.DataFrame({
        "record_id": ["polls", "polls"], "incident_id": ["a", "b"], "event_id": ["x", "x"],
        "vendor": ["Acme Mail"] * 2, "record_kind": ["status-history"] * 2,
        "basis": [True, True], "start_utc": pd.to_datetime(["2025-01-01", "2025-01-01"]),
        "affected_clients": ["web", "web"], "root_cause_category": ["unknown"] * 2,
        "root_cause": ["", ""], "mitigation": ["unknown"] * 2, "change_induced": ["unknown"] * 2,
        "scope": ["unknown"] * 2, "event": ["x", "x"]})
    rows = event_model.event_rows(incidents)
    assert rows["rows_in_event"].tolist() == [2]
    assert report.enriched(rows).empty


def test_sla_periods_below_target_are_counted_with_partial_outages_and_without() -> None:
    from types import SimpleNamespace

    from incidents.present import report

    partial = _one("partial-outage")  # 10 h at 30%: 3 h, below 99.9% of January
    data = SimpleNamespace(window_incidents=partial, window=JANUARY, slas=_slas("month"))
    row = report.sla_verdicts_both_ways(data).iloc[0]
    assert (row["below"], row["below_outages_only"], row["periods"]) == (1, 0, 1)
    assert row["below_both"] == "1 (0)"
    outage = SimpleNamespace(window_incidents=_one("outage"), window=JANUARY,
                             slas=_slas("month"))
    row = report.sla_verdicts_both_ways(outage).iloc[0]
    assert (row["below"], row["below_outages_only"]) == (1, 1)


def test_the_sla_action_says_how_many_periods_full_outages_alone_put_below() -> None:
    from incidents.present import actions

    verdicts = pd.DataFrame({"vendor": ["A", "B"], "name": ["A SLA", "B SLA"],
                             "below": [5, 2], "below_outages_only": [1, 2],
                             "periods": [12, 12], "measured_per": ["month", "month"]})
    out = actions._sla(verdicts)
    assert "5 of 12 months below target on public incidents (1 of them on full outages " \
           "alone, the others only with partial outages counted at 30%)" in out[0]
    assert "(full outages alone put them there)" in out[1]


def test_the_sla_action_claims_now_only_while_a_claim_window_may_be_open() -> None:
    from incidents.present import actions

    now = pd.Timestamp("2026-06-15T00:00:00Z")
    verdicts = pd.DataFrame({
        "vendor": ["A", "B"], "name": ["A SLA", "B SLA"], "below": [1, 3],
        "below_outages_only": [1, 3], "periods": [12, 12], "measured_per": ["month", "month"],
        "latest_below": ["2026-05", "2025-03"],
        "latest_below_end": pd.to_datetime(["2026-06-01", "2025-04-01"], utc=True),
        "claim_deadline": ["by the end of the calendar month following the month", ""]})
    recent, = actions._sla(verdicts, now, claim_open=True)
    old, = actions._sla(verdicts, now, claim_open=False)
    assert recent.startswith("A SLA:") and "the latest, 2026\\-05, ended 01 Jun 2026" in recent
    assert "file any credit claim now (claims are due by the end of the calendar month" in recent
    assert old.startswith("B SLA:") and "ended 01 Apr 2025, longer ago than any claim" in old
    assert "no credit can be claimed; put the record on the table at the next renewal" in old
    empty = pd.DataFrame(columns=["vendor", "product"])
    ordered = actions.recommended(unrecorded_vendors=["C"], changes=pd.DataFrame(
        columns=["vendor", "yes", "no", "share"]), incidents=pd.DataFrame(
        columns=["vendor", "affected_clients", "start_utc", "incident_id"]),
        shared=pd.DataFrame(columns=["vendors", "start_utc", "title"]), verdicts=verdicts,
        uncovered=empty, now=now)
    assert ordered[0].startswith("A SLA:") and ordered[-1].startswith("B SLA:")
    other = actions._sla(verdicts.assign(name=["Mail SLA", "Chat SLA"]), now)
    assert other[0].startswith("A Mail SLA:") and other[1].startswith("B Chat SLA:")


def test_sla_verdicts_name_the_latest_period_below_target() -> None:
    year = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    verdict = availability.sla_verdicts(availability.sla_periods(
        _one("outage"), year, _slas("month"))).iloc[0]
    assert verdict["latest_below"] == "2025-01"
    assert verdict["latest_below_end"] == pd.Timestamp("2025-02-01T00:00:00Z")


# ---------------------------------------------------------------- service map


def _map_rows(*entries: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"vendor": "Acme Mail", "field": "service" if len(entry) == 4 else entry[4],
             "match": entry[0], "component": entry[1], "service": entry[2], "scope": entry[3],
             "source_url": "https://status.example.org", "notes": ""} for entry in entries]


def _mapped_evidence(tmp_path: Path, history: list[dict[str, str]],
                     entries: list[dict[str, str]]) -> evidence.Evidence:
    write_csv(tmp_path / "service_map.csv", entries, schema.SERVICE_MAP_COLUMN_NAMES)
    return _evidence(tmp_path, history, curated=[{"product": "Mail", "service": "Portal"}])


def test_record_rows_count_against_the_service_of_their_components(tmp_path: Path) -> None:
    entries = _map_rows(("exact", "Mailbox", "Mail", ""),
                        ("exact", "Acme Electronic Mail", "Mail", "", "product"),
                        ("exact", "Admin Portal", "Mail", "administrators"),
                        ("pattern", r".+ - \([A-Z]{3}\)", "Mail", "region"),
                        ("pattern", "Bill.*", "*", ""))
    history = [{"product": "Acme", "service": "Admin Portal; Mailbox", "scope": "unknown"},
               {"product": "Acme", "service": "Admin Portal", "scope": "unknown"},
               {"product": "Acme", "service": "Zagreb, Croatia - (ZAG); +3 more",
                "scope": "unknown"},
               {"product": "Acme", "service": "Billing; Analytics", "scope": "unknown"},
               {"product": "Acme", "service": "Admin Portal", "scope": "subset"},
               {"product": "Acme Electronic Mail", "service": "Calendar (Europe)",
                "scope": "unknown"},
               {"product": "Mailbox", "service": "Calendar", "scope": "unknown"}]
    found = _mapped_evidence(tmp_path, history, entries)
    rows = found.incidents.set_index("incident_id")
    # the first entry in the file's order that a component matches decides
    assert rows.loc["H0", ["product", "scope"]].tolist() == ["Mail", "unknown"]
    assert rows.loc["H1", ["product", "scope"]].tolist() == ["Mail", "administrators"]
    assert rows.loc["H2", ["product", "scope"]].tolist() == ["Mail", "region"]
    # an entry with service "*": the matched component itself
    assert rows.loc["H3", "product"] == "Billing"
    # a product entry matches the product as written, never a component
    assert rows.loc["H5", "product"] == "Mail"
    assert rows.loc["H6", "product"] == "Mailbox"  # no entry matches: kept as written
    # a scope the row states itself is kept
    assert rows.loc["H4", "scope"] == "subset"
    assert set(rows.loc[["H0", "H1", "H2", "H3", "H4"], "product_as_written"]) == {"Acme"}
    assert rows.loc["H5", "product_as_written"] == "Acme Electronic Mail"
    curated = found.incidents.loc[found.incidents["record_kind"] == "curated"].iloc[0]
    assert curated["product"] == "Mail" and curated["service"] == "Portal"  # read by hand


def test_a_service_map_with_a_broken_pattern_or_unknown_vendor_is_refused(
        tmp_path: Path) -> None:
    entries = _map_rows(("pattern", "(unclosed", "Mail", ""))
    entries.append({**entries[0], "vendor": entries[0]["vendor"].upper(), "match": "exact",
                    "component": "X"})
    entries.append({**entries[0], "field": "title", "match": "exact", "component": "Y"})
    write_csv(tmp_path / "service_map.csv", entries, schema.SERVICE_MAP_COLUMN_NAMES)
    write_csv(tmp_path / "vendors.csv", VENDOR_ROWS, schema.VENDOR_COLUMN_NAMES)
    with pytest.raises(InputError) as caught:
        companions.load_service_map(tmp_path / "service_map.csv",
                                    companions.load_vendors(tmp_path / "vendors.csv"))
    text = str(caught.value)
    assert "line 2, column 'component': '(unclosed' is not a regular expression" in text
    assert f"'{entries[0]['vendor'].upper()}' is spelled differently" in text
    assert "line 4, column 'field': 'title' is not a known term" in text


def test_without_a_service_map_products_stay_as_written(tmp_path: Path) -> None:
    found = _evidence(tmp_path, [{"product": "Acme", "service": "Mailbox"}])
    row = found.incidents.loc[found.incidents["incident_id"] == "H0"].iloc[0]
    assert row["product"] == row["product_as_written"] == "Acme"


def test_sla_periods_without_any_judged_sla_have_the_columns_of_judged_ones() -> None:
    judged = availability.sla_periods(_one("outage"), JANUARY, _slas("month"))
    none = availability.sla_periods(_one("outage"), JANUARY, _slas("month", target=None))
    assert none.empty and set(none.columns) == set(judged.columns)


def test_sla_periods_used_gives_one_table_per_measurement_period() -> None:
    from types import SimpleNamespace

    from incidents.present import report

    slas = pd.concat([_slas("month"), _slas("quarter").assign(sla_id="acme-q")],
                     ignore_index=True)
    year = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    rows = _one("outage")
    data = SimpleNamespace(window_incidents=rows, window=year, slas=slas,
                           vendors=pd.DataFrame({"vendor": ["Acme Mail"],
                                                 "services_used": ["Mail"]}))
    tables = dict(report.sla_periods_used(data))
    assert sorted(tables) == ["month", "quarter"]
    assert len(tables["month"]) == 12 and len(tables["quarter"]) == 4
    assert tables["month"]["complete"].all()


def _history_records(*spans: tuple[str, str, str]) -> pd.DataFrame:
    """Acme Mail status histories, each (capture, first day, last day)."""
    return pd.DataFrame([{"vendor": "Acme Mail", "kind": "status-history", "capture": capture,
                          "complete_from": pd.Timestamp(first, tz="UTC"),
                          "complete_to": pd.Timestamp(last, tz="UTC")}
                         for capture, first, last in spans])


def test_only_periods_a_full_record_covers_can_be_judged_met() -> None:
    year = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    records = _history_records(("complete", "2025-01-01", "2025-03-31"),
                               ("selection", "2025-04-01", "2025-12-31"))  # not a full record
    table = availability.sla_periods(_one("outage"), year, _slas("month"), records=records)
    assert table["recorded"].tolist() == [True] * 3 + [False] * 9
    verdict = availability.sla_verdicts(table).iloc[0]
    assert (verdict["periods"], verdict["unrecorded"], verdict["below"]) == (3, 9, 1)
    # a record ending mid-month leaves that month unrecorded
    partial = _history_records(("lower-bound", "2025-01-01", "2025-02-14"))
    table = availability.sla_periods(_one("outage"), year, _slas("month"), records=partial)
    assert table["recorded"].tolist()[:3] == [True, False, False]


def test_a_period_below_target_on_public_reports_alone_still_counts_below() -> None:
    year = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    no_record = _history_records(("selection", "2025-01-01", "2025-12-31"))
    verdict = availability.sla_verdicts(availability.sla_periods(
        _one("outage"), year, _slas("month"), records=no_record)).iloc[0]
    assert (verdict["periods"], verdict["unrecorded"], verdict["below"]) == (0, 12, 1)
    from incidents.present import actions

    line = actions._sla(verdict.to_frame().T.assign(below_outages_only=1))[0]
    assert "1 of 12 months below target" in line
    assert "12 of the 12 rest on public reports only" in line


def test_an_sla_with_only_quiet_unrecorded_periods_has_no_lowest_period() -> None:
    year = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    quiet = _one("outage", product="Calendar")  # not a service the SLA covers
    verdict = availability.sla_verdicts(availability.sla_periods(
        quiet, year, _slas("month"), records=_history_records())).iloc[0]
    assert (verdict["periods"], verdict["unrecorded"], verdict["below"]) == (0, 12, 0)
    assert pd.isna(verdict["lowest"]) and pd.isna(verdict["lowest_period"])


def test_a_curated_unknown_does_not_erase_what_the_record_row_knew(tmp_path: Path) -> None:
    row = _linked_pair(tmp_path, {"root_cause_category": "configuration"},
                       {"root_cause_category": "unknown", "impact": "outage"})
    assert row["root_cause_category"] == "configuration"
    assert row["impact"] == "outage"


def _event_rows(*rows: dict[str, object]) -> pd.DataFrame:
    base = {"severity": 4, "impact": "outage", "scope": "all-users", "duration_hours": 1.0,
            "product": "Mail"}
    table = pd.DataFrame([{**base, **row} for row in rows])
    table["start_utc"] = pd.to_datetime(table["start_utc"], utc=True)
    return table


def test_the_largest_outages_rank_severity_then_breadth_then_length():
    rows = _event_rows(
        {"event": "a", "vendor": "A", "start_utc": "2025-10-20", "severity": 5,
         "duration_hours": 14.5},
        {"event": "b", "vendor": "B", "start_utc": "2025-10-29", "severity": 5,
         "scope": "region", "duration_hours": 30.0},
        {"event": "c", "vendor": "C", "start_utc": "2025-11-01", "duration_hours": 50.0},
        {"event": "d", "vendor": "D", "start_utc": "2025-11-02", "severity": 5,
         "impact": "degradation", "duration_hours": 99.0},  # usable: never an outage
        {"event": "e", "vendor": "E", "start_utc": "2024-01-01", "severity": 5,
         "duration_hours": 99.0})  # before the period asked for
    largest = basis.largest_outages(rows, pd.Timestamp("2025-09-01", tz="UTC"),
                                    pd.Timestamp("2026-09-01", tz="UTC"))
    assert largest["event"].tolist() == ["a", "b", "c"]


def test_an_outage_felt_through_two_vendors_is_listed_once_naming_the_other():
    rows = _event_rows({"event": "x", "vendor": "AWS", "start_utc": "2025-10-20"},
                       {"event": "x", "vendor": "Salesforce", "start_utc": "2025-10-20"})
    largest = basis.largest_outages(rows, pd.Timestamp("2025-01-01", tz="UTC"),
                                    pd.Timestamp("2026-01-01", tz="UTC"))
    assert largest[["vendor", "also"]].values.tolist() == [["AWS", "Salesforce"]]


# ---------------------------------------------------------------- times as ranges, ways in


def test_availability_of_a_day_precise_outage_is_a_range_not_midday(make_table) -> None:
    table = make_table({"start_utc": "2025-01-10T00:00:00Z", "start_precision": "day",
                        "end_utc": "2025-01-11T00:00:00Z", "end_precision": "day"})
    rows = metrics.in_window(table, JANUARY)
    figures = availability.service_availability(rows, JANUARY).iloc[0]
    # Shortest: from the end of 10 Jan to the start of 11 Jan (0 h); longest: 10 Jan 00:00
    # to the end of 11 Jan (48 h). Never the 24 h a midpoint reading would give.
    assert figures["downtime_hours"] == pytest.approx(0.0)
    assert figures["downtime_longest_hours"] == pytest.approx(48.0)
    shown = narrative.with_availability_range(pd.DataFrame([figures]))
    assert shown.iloc[0]["availability"] == "93.548%-100%"


def test_a_degradation_that_breaks_mobile_clients_counts_as_broken_hours_for_that_way_in(
        make_table) -> None:
    table = make_table(
        {"impact": "degradation", "affected_clients": "outlook-mobile;outlook-mac-new",
         "start_utc": "2025-01-05T00:00:00Z", "start_precision": "day",
         "end_utc": "2025-01-17T00:00:00Z", "end_precision": "day"},
        {"impact": "outage", "affected_clients": "outlook-web",
         "start_utc": "2025-01-20T10:00:00Z", "end_utc": "2025-01-20T12:00:00Z"})
    rows = metrics.in_window(table, JANUARY)
    # The status-page weights give a degradation nothing (a minute-precise start is a range
    # of a minute, so the outage's certain span is 1 h 59 min).
    assert availability.service_availability(rows, JANUARY).iloc[0]["downtime_hours"] == (
        pytest.approx(2.0, abs=0.02))
    ways = availability.way_in_hours(rows, JANUARY).set_index("way_in")
    assert ways.loc["mobile apps", "hours"] == pytest.approx(11 * 24)
    assert ways.loc["mobile apps", "hours_longest"] == pytest.approx(13 * 24)
    assert ways.loc["Mac", "hours_longest"] == pytest.approx(13 * 24)
    assert ways.loc["web", "hours"] == pytest.approx(2.0, abs=0.02)
    assert "Windows desktop" not in ways.index


def test_every_id_of_a_linked_event_stays_in_its_row(make_table) -> None:
    table = make_table({"incident_id": "EX1", "event_id": "e1"},
                       {"incident_id": "EX2", "event_id": "e1",
                        "start_utc": "2025-01-10T13:00:00Z", "end_utc": "2025-01-10T14:00:00Z"})
    table = table.assign(record_kind="curated", basis=False, event=table["event_id"])
    rows = event_model.event_rows(table)
    assert len(rows) == 1 and rows.loc[0, "ids_in_event"] == "EX1; EX2"


def test_monthly_counts_that_cluster_widen_the_rate_interval() -> None:
    window = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    spans = pd.DataFrame({"vendor": ["A", "B"], "s": [window.start] * 2,
                          "e": [window.end] * 2})
    bursts = [f"2025-{m:02d}-0{d}T10:00:00Z" for m in (2, 7) for d in range(1, 10)]
    steady = [f"2025-{m:02d}-10T10:00:00Z" for m in range(1, 13)] * 2
    rows = pd.DataFrame({"vendor": ["A"] * len(bursts) + ["B"] * len(steady),
                         "start_utc": pd.to_datetime(bursts + steady, utc=True)})
    table = basis.monthly_dispersion(rows, spans, window).set_index("vendor")
    assert table.loc["A", "months"] == 12 and table.loc["A", "overdispersed"]
    assert not table.loc["B", "overdispersed"] and table.loc["B", "dispersion"] == 0.0
    shown = pd.DataFrame({"vendor": ["A", "B"], "dispersion": [table.loc["A", "dispersion"],
                                                              0.0],
                          "interval_method": ["quasi-Poisson (monthly counts overdispersed)",
                                              "exact Poisson"], "tested": [True, False]})
    caption = report.rate_caption(shown)
    assert "quasi-Poisson" in caption and "A (" in caption and "Holm" not in caption


def test_a_bound_prints_as_one_in_its_cell() -> None:
    from types import SimpleNamespace

    records = pd.DataFrame({"vendor": ["Kept"], "kind": ["status-history"],
                            "capture": ["complete"],
                            "complete_from": [JANUARY.start], "complete_to": [JANUARY.end]})
    data = SimpleNamespace(records=records, window=JANUARY)
    table = pd.DataFrame({"vendor": ["Kept", "Public"], "product": ["a", "b"],
                          "availability": [0.999, 0.9995], "availability_longest": [0.998, 0.999],
                          "incidents": [2, 1]})
    shown = narrative.with_availability_range(services.upper_bounds_marked(data, table))
    assert list(shown["availability"]) == ["99.800%-99.900%", "at most 99.950%"]
    headline = pd.DataFrame({"basis_events": [12, 0], "ranked": [True, False],
                             "at_least": [np.nan, 9.0]})
    assert list(report.events_cell(headline)["events_shown"]) == ["12", "at least 9"]


def test_the_appendix_names_the_events_whose_rows_disagree() -> None:
    from types import SimpleNamespace

    rows = pd.DataFrame({"incident_id": ["A1", "A2"], "start_utc": pd.to_datetime(
        ["2025-01-10", "2025-02-10"], utc=True), "disagreement": [
        "impact: degradation (feed) / outage (curated); start_utc: 2025-01-10 10:00 (feed) / "
        "2025-01-10 09:00 (curated)", ""]})
    line = report.disagreement_line(SimpleNamespace(window_incidents=rows))
    assert "A1 (10 Jan 2025: impact, start)" in line and "A2" not in line
    assert report.disagreement_line(SimpleNamespace(window_incidents=rows.iloc[1:])) == ""


def test_an_incident_file_copied_without_its_records_says_what_it_leaves_out(tmp_path) -> None:
    from tests.conftest import VENDOR_ROWS, incident_row, write_csv

    data = write_csv(tmp_path / "incidents.csv", [incident_row()], schema.INCIDENT_COLUMN_NAMES)
    vendors = write_csv(tmp_path / "vendors.csv", VENDOR_ROWS, schema.VENDOR_COLUMN_NAMES)
    found = evidence.load_evidence(data, vendors)
    assert len(found.notes) == 1 and "No records.csv beside incidents.csv" in found.notes[0]
    write_csv(tmp_path / "records.csv", [{
        "record_id": "acme-mail-curated", "vendor": "Acme Mail", "kind": "curated",
        "capture": "selection", "complete_from": "2023-01-01", "complete_to": "2026-11-30",
        "capture_rate": "", "file": "incidents.csv", "source_url": "", "archive": "",
        "misses": "a selection"}], schema.RECORD_COLUMN_NAMES)
    assert evidence.load_evidence(data, vendors).notes == ()


def test_microsoft_365_without_a_tenant_record_is_labelled_a_floor_with_the_command() -> None:
    from types import SimpleNamespace

    none = pd.DataFrame(columns=["vendor", "kind", "capture", "complete_from", "complete_to"])
    line = services.tenant_line(SimpleNamespace(records=none, window=JANUARY), "Microsoft 365")
    assert "floor" in line and "fetch msgraph --record microsoft-365-tenant" in line
    assert "every availability a ceiling" in line
    tenant = pd.DataFrame({"vendor": ["Microsoft 365"], "kind": ["tenant"],
                           "capture": ["complete"], "complete_from": [JANUARY.start],
                           "complete_to": [JANUARY.end]})
    assert services.tenant_line(SimpleNamespace(records=tenant, window=JANUARY),
                                "Microsoft 365") == ""
    assert services.tenant_line(SimpleNamespace(records=none, window=JANUARY), "GitHub") == ""
