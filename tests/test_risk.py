"""Exposure: dependence x disruption hours a year, with its range and its sensitivity."""

from __future__ import annotations

import pandas as pd
import pytest

from incidents.analysis import metrics, risk

WINDOW = metrics.Window.from_dates("2025-01-01", "2025-06-29")  # 180 days


def vendors(acme: float = 1.0, beta: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame({"vendor": ["Acme Mail", "Beta Chat"], "dependence_weight": [acme, beta],
                         "sla_target": [0.999, 0.999], "sla_credit_tiers": ["", ""]})


def busy_acme(make_table) -> pd.DataFrame:
    rows = [{"start_utc": f"2025-0{m}-1{d}T00:00:00Z", "end_utc": f"2025-0{m}-1{d}T05:00:00Z"}
            for m in (1, 2, 3, 4, 5) for d in (1, 5)]
    rows.append({"incident_id": "BC1", "vendor": "Beta Chat", "service": "Chat",
                 "start_utc": "2025-03-03T00:00:00Z", "end_utc": "2025-03-03T01:00:00Z",
                 "change_induced": "no", "severity": "2"})
    return metrics.in_window(make_table(*rows), WINDOW)


def test_exposure_carries_the_range_the_events_times_allow():
    rows = pd.DataFrame({"vendor": ["A"] * 10, "duration_hours": 12.0, "impact": "outage",
                         "scope": "all-users", "resolved": True, "duration_min_hours": 0.0,
                         "duration_max_hours": 24.0})
    vendors = pd.DataFrame({"vendor": ["A"], "dependence_weight": [1.0]})
    table = risk.exposure(rows, pd.Series({"A": 2.0}), vendors, 10, rounds=0)
    assert (table.loc[0, "hours_per_year_shortest"], table.loc[0, "hours_per_year_longest"]) == (
        pytest.approx(0.0), pytest.approx(120.0))
