"""Vendor risk: transparent components, validated weights, rank uncertainty, sensitivity."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_more_frequent_slower_vendor_ranks_riskier_at_equal_dependence(make_table):
    table = risk.vendor_risk(busy_acme(make_table), WINDOW, vendors(), rounds=50)
    assert list(table["vendor"]) == ["Acme Mail", "Beta Chat"]
    assert table.loc[0, "frequency"] == pytest.approx(1.0)
    assert table.loc[1, "frequency"] == pytest.approx(0.1)


def test_components_add_up_to_the_score(make_table):
    table = risk.vendor_risk(busy_acme(make_table), WINDOW, vendors(0.8, 0.3), rounds=20)
    weighted = table[[f"weighted_{c}" for c in risk.COMPONENTS]].sum(axis=1)
    assert weighted.to_numpy() == pytest.approx(table["score"].to_numpy())


def test_zero_dependence_gives_zero_score(make_table):
    table = risk.vendor_risk(busy_acme(make_table), WINDOW, vendors(0.0, 1.0), rounds=20)
    assert table.set_index("vendor").loc["Acme Mail", "score"] == 0


def test_vendor_without_incidents_is_still_ranked(make_table):
    table = risk.vendor_risk(busy_acme(make_table).iloc[:3], WINDOW, vendors(), rounds=20)
    beta = table.set_index("vendor").loc["Beta Chat"]
    assert beta["score"] >= 0 and beta["rank"] == 2


def test_rank_interval_brackets_the_rank(make_table):
    table = risk.vendor_risk(busy_acme(make_table), WINDOW, vendors(), rounds=100)
    assert (table["rank_low"] <= table["rank"]).all()
    assert (table["rank"] <= table["rank_high"]).all()


def test_resampling_is_reproducible_with_its_seed(make_table):
    data = busy_acme(make_table)
    first = risk.bootstrap_ranks(data, WINDOW, vendors(), risk.DEFAULT_WEIGHTS, 30, 1)
    second = risk.bootstrap_ranks(data, WINDOW, vendors(), risk.DEFAULT_WEIGHTS, 30, 1)
    pd.testing.assert_frame_equal(first, second)


def test_weights_must_be_known_and_not_all_zero():
    with pytest.raises(ValueError, match="unknown risk weight"):
        risk.check_weights({"colour": 1.0})
    with pytest.raises(ValueError, match="not all zero"):
        risk.check_weights({name: 0.0 for name in risk.COMPONENTS})


def test_sensitivity_shows_rank_with_each_weight_removed_and_doubled(make_table):
    table = risk.weight_sensitivity(busy_acme(make_table), WINDOW, vendors())
    for name in risk.COMPONENTS:
        assert f"no_{name}" in table and f"double_{name}" in table
    assert set(table["base"]) == {1, 2}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from([0.5, 1.0, 3.0, 7.5, math.nan])),
                max_size=40))
def test_per_round_median_and_mean_match_numpy_per_round(rows):
    round_of = np.array([r for r, _ in rows], dtype=int)
    values = np.array([v for _, v in rows], dtype=float)
    medians = risk._per_round_nanmedian(round_of, values, 5)
    means = risk._per_round_nanmean(round_of, values, 5)
    for r in range(5):
        mine = values[round_of == r]
        finite = mine[np.isfinite(mine)]
        expected_median = float(np.median(finite)) if len(finite) else math.nan
        expected_mean = float(np.mean(finite)) if len(finite) else math.nan
        assert medians[r] == pytest.approx(expected_median, nan_ok=True)
        assert means[r] == pytest.approx(expected_mean, nan_ok=True)


def test_exposure_carries_the_range_the_events_times_allow():
    rows = pd.DataFrame({"vendor": ["A"] * 10, "duration_hours": 12.0, "impact": "outage",
                         "scope": "all-users", "resolved": True, "duration_min_hours": 0.0,
                         "duration_max_hours": 24.0})
    vendors = pd.DataFrame({"vendor": ["A"], "dependence_weight": [1.0]})
    table = risk.exposure(rows, pd.Series({"A": 2.0}), vendors, 10, rounds=0)
    assert (table.loc[0, "hours_per_year_shortest"], table.loc[0, "hours_per_year_longest"]) == (
        pytest.approx(0.0), pytest.approx(120.0))
