"""Page one: the scorecard, what changed since the last report, and actions with evidence."""

from __future__ import annotations

import pandas as pd
import pytest

from incidents.present import actions, report, scorecard


@pytest.fixture(scope="module")
def shipped():
    data = report.prepare("", "", "2023-01-01", "")
    return data, scorecard.page_one(data)


def test_every_vendor_the_organisation_uses_has_a_row(shipped):
    data, card = shipped
    assert sorted(card["vendor"]) == sorted(data.vendors["vendor"])
    assert list(card["order"]) == list(range(1, len(card) + 1))
    assert card[list(scorecard.COLUMNS)].notna().all().all()


def test_vendors_with_a_figure_come_before_public_reports_only(shipped):
    _, card = shipped
    public = card["evidence"].eq("public only").to_numpy()
    figure = ~card["disruption"].isin(["public only", "too few events"]).to_numpy()
    assert figure[: figure.sum()].all() and not public[: figure.sum()].any()


def test_each_vendor_states_its_own_cut_off(shipped):
    data, card = shipped
    crowdstrike = card.set_index("vendor").loc["CrowdStrike", "cutoff"]
    assert crowdstrike == f"{data.vendor_ends['CrowdStrike'] - pd.Timedelta(days=1):%Y-%m-%d}"
    assert card["cutoff"].nunique() > 1


@pytest.mark.parametrize(("row", "expected"), [
    ({"ranked": False, "at_least": 3}, "at least 3"),
    ({"ranked": False, "at_least": 0}, "none reported"),
    ({"ranked": True, "basis_per_year": 2.0, "basis_per_year_lower": 1.0,
      "basis_per_year_upper": 4.0}, "2.0 (1.0-4.0)"),
])
def test_the_outage_cell_is_a_rate_or_a_bound(row, expected):
    assert scorecard.outages_cell(pd.Series(row)) == expected


@pytest.mark.parametrize(("row", "expected"), [
    ({"why_no_rank": "no complete status history: publicly reported incidents only"},
     "public only"),
    ({"why_no_rank": "fewer than 10 events on the basis"}, "too few events"),
    ({"why_no_rank": "", "outage_hours": 2.0, "hours_per_year_longest": 5.0}, "2.0-5.0"),
])
def test_the_disruption_cell_says_why_in_two_words(row, expected):
    assert scorecard.disruption_cell(pd.Series(row)) == expected


def test_the_first_report_says_it_has_nothing_to_compare_with(shipped):
    data, card = shipped
    (line,) = scorecard.changes(None, scorecard.state(data, card), data)
    assert line.startswith("First report in this folder")


def test_new_events_after_the_previous_cut_off_are_counted(shipped, tmp_path):
    data, card = shipped
    current = scorecard.state(data, card)
    path = tmp_path / scorecard.STATE_NAME
    scorecard.save_state(path, current)
    previous = scorecard.load_state(path)
    assert scorecard.changes(previous, current, data)[0].endswith("nothing changed.")
    github = dict(previous["vendors"]["GitHub"], cutoff="2026-06-30")
    previous["vendors"] = {**previous["vendors"], "GitHub": github}
    del previous["vendors"]["Zoom"]
    rows = data.window_incidents
    expected = int((rows["vendor"].eq("GitHub")
                    & (rows["start_utc"] >= pd.Timestamp("2026-07-01", tz="UTC"))).sum())
    lines = scorecard.changes(previous, current, data)
    assert any(line.startswith(f"GitHub: {expected} new events since 30 Jun 2026")
               for line in lines)
    assert "Zoom: new in the report." in lines


def test_an_unreadable_state_is_treated_as_none(tmp_path):
    path = tmp_path / scorecard.STATE_NAME
    path.write_text("{not json", encoding="utf-8")
    assert scorecard.load_state(path) is None
    assert scorecard.load_state("") is None


def _clients(*rows: tuple[str, str, int]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["vendor", "group", "row"])


def test_an_alternative_path_is_recommended_only_where_it_kept_working():
    # web broke in rows 1-3; desktop broke in rows 1 and 2 as well, but not in row 3
    frame = _clients(("M", "web", 1), ("M", "web", 2), ("M", "web", 3),
                     ("M", "desktop clients", 1), ("M", "desktop clients", 2),
                     ("M", "desktop clients", 4))
    assert actions._alternative(frame, "M", "web").startswith(
        "desktop clients kept working in 1 of those 3")


def test_no_alternative_is_recommended_when_sign_in_failed_too():
    frame = _clients(("M", "web", 1), ("M", "web", 2), ("M", "sign-in", 1),
                     ("M", "sign-in", 2), ("M", "desktop clients", 7))
    assert "not for a fallback client" in actions._alternative(frame, "M", "web")


def test_the_worst_outage_is_ranked_as_the_largest_outages_are_severity_before_length():
    from types import SimpleNamespace

    def event(month: int, severity: int, scope: str, hours: float) -> dict:
        start = pd.Timestamp(f"2025-{month:02d}-10T00:00:00Z")
        return {"vendor": "Acme", "impact": "outage", "severity": severity, "scope": scope,
                "start_utc": start, "duration_hours": hours, "duration_max_hours": hours,
                "start_precision": "minute", "end_precision": "minute",
                "end_utc": start + pd.Timedelta(hours=hours), "duration_min_hours": hours}

    rows = pd.DataFrame([event(2, 3, "region", 20.0), event(10, 5, "all-users", 8.4),
                         event(11, 5, "region", 9.0)])
    ends = pd.Series({"Acme": pd.Timestamp("2026-01-01T00:00:00Z")})
    worst = scorecard.worst_events(SimpleNamespace(window_incidents=rows), ends)
    assert worst["Acme"].startswith("Oct 2025,")  # severity 5, all users: before 20 h at 3
