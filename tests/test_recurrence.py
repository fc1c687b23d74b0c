"""Recurrences: the same service broken again within six months by the same apparent cause."""

from __future__ import annotations

import pandas as pd

from incidents.analysis import recurrence
from incidents.present import narrative


def _rows(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["incident_id", "product", "root_cause_category",
                                        "start_utc", "change_induced"])
    return frame.assign(vendor="Suite Co", event=frame["incident_id"],
                        start_utc=pd.to_datetime(frame["start_utc"], utc=True))


def test_two_changes_breaking_one_service_within_six_months_recur():
    rows = _rows(("EX1", "Mail", "change-deployment", "2026-01-02", "yes"),
                 ("EX2", "Mail", "change-deployment", "2026-03-19", "yes"),
                 ("EX3", "Mail", "capacity-traffic", "2026-03-20", "no"),
                 ("TM1", "Chat", "change-deployment", "2026-03-01", "yes"),
                 ("EX4", "Mail", "change-deployment", "2026-12-01", "yes"),  # 257 days on
                 ("EX5", "Mail", "unknown", "2026-03-25", "unknown"))
    found = recurrence.recurrences(rows)
    assert found[["first_id", "second_id", "days_apart", "change_induced"]].values.tolist() == [
        ["EX1", "EX2", 76, "yes"]]
    line = narrative.recurrence_line(found)
    assert "EX1 (02 Jan 2026) then EX2 (19 Mar 2026), 76 days apart" in line


def test_a_suite_event_reaching_two_services_recurs_on_each_once():
    rows = _rows(("MO1", "Mail", "configuration", "2025-10-09", "yes"),
                 ("MO1", "Chat", "configuration", "2025-10-09", "yes"),
                 ("MO2", "Mail", "configuration", "2025-10-29", "yes"),
                 ("MO2", "Chat", "configuration", "2025-10-29", "yes"))
    rows.index = [0, 0, 1, 1]  # rows of one event per service reached share its index
    found = recurrence.recurrences(rows)
    assert sorted(found["product"]) == ["Chat", "Mail"]
    assert set(found["days_apart"]) == {20}


def test_no_known_cause_no_recurrence():
    rows = _rows(("A", "Mail", "unknown", "2026-01-01", "unknown"),
                 ("B", "Mail", "unknown", "2026-01-02", "unknown"))
    assert recurrence.recurrences(rows).empty
    assert "none in the window" in narrative.recurrence_line(recurrence.recurrences(rows))


def test_a_row_without_a_cause_takes_its_events_known_cause():
    rows = pd.DataFrame({"event": ["E1", "E1", "E2"],
                         "root_cause_category": ["unknown", "configuration", "unknown"],
                         "change_induced": ["unknown", "yes", "no"]})
    filled = recurrence.one_cause_per_event(rows)
    assert filled["root_cause_category"].tolist() == ["configuration", "configuration",
                                                      "unknown"]
    assert filled["change_induced"].tolist() == ["yes", "yes", "no"]


def test_own_changes_of_different_kinds_on_one_service_recur():
    rows = _rows(("AFD1", "Front Door", "change-deployment", "2025-10-09", "yes"),
                 ("AFD2", "Front Door", "configuration", "2025-10-29", "yes"))
    found = recurrence.recurrences(rows)
    assert found[["first_id", "second_id", "root_cause_category"]].values.tolist() == [
        ["AFD1", "AFD2", recurrence.OWN_CHANGE]]
