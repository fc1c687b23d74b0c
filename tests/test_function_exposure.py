"""Exposure per business function from the services that serve it, each event once."""

from __future__ import annotations

import pandas as pd

from incidents.analysis import function_exposure


def reached(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    """Event rows (vendor, service reached, event, hours) of full outages known to the minute."""
    frame = pd.DataFrame(rows, columns=["vendor", "product", "event", "hours"])
    return frame.assign(impact="outage", scope="all-users", resolved=True,
                        duration_hours=frame["hours"], duration_min_hours=frame["hours"],
                        duration_max_hours=frame["hours"])


SERVED = pd.DataFrame([("Edge", "CDN", "web"), ("Edge", "CDN", "firewall"),
                       ("Edge", "DNS", "dns"), ("Mail Co", "Mailbox", "email")],
                      columns=["vendor", "service", "function"])
FUNCTIONS = pd.DataFrame({"function": ["web", "firewall", "dns", "email"],
                          "critical": [True, True, True, False]})
YEARS = pd.Series({"Edge": 2.0, "Mail Co": 1.0})
DEPENDENCE = pd.Series({"Edge": 0.5, "Mail Co": 1.0})


def test_an_event_on_a_shared_service_counts_under_each_function_and_once_in_the_total():
    rows = reached(("Edge", "CDN", "E1", 4.0), ("Edge", "DNS", "E2", 2.0))
    table, totals = function_exposure.function_exposure(
        rows, YEARS, SERVED, FUNCTIONS, DEPENDENCE, {"Edge", "Mail Co"})
    hours = table.set_index("function")["hours_shortest"]
    # 4 h over 2 years x 0.5 = 1.0 under web and under firewall; DNS 2 h -> 0.5
    assert hours["web"] == hours["firewall"] == 1.0 and hours["dns"] == 0.5
    assert totals["total_shortest"] == 1.5 and totals["overlap_shortest"] == 1.0


def test_an_event_reaching_two_services_of_one_function_counts_once():
    rows = reached(("Edge", "CDN", "E1", 4.0), ("Edge", "DNS", "E1", 4.0))
    served = pd.concat([SERVED, pd.DataFrame([("Edge", "DNS", "web")],
                                             columns=SERVED.columns)])
    table, _ = function_exposure.function_exposure(
        rows, YEARS, served, FUNCTIONS, DEPENDENCE, {"Edge"})
    assert table.set_index("function").loc["web", "events"] == 1


def test_a_vendor_without_a_rank_is_named_not_counted():
    rows = reached(("Mail Co", "Mailbox", "M1", 3.0))
    table, _ = function_exposure.function_exposure(
        rows, YEARS, SERVED, FUNCTIONS, DEPENDENCE, {"Edge"})
    email = table.set_index("function").loc["email"]
    assert email["events"] == 0 and email["without_figure"] == "Mail Co"


def test_a_suite_wide_event_reaches_every_function_of_its_vendor():
    rows = reached(("Edge", "Edge, suite-wide", "S1", 2.0))
    table, _ = function_exposure.function_exposure(
        rows, YEARS, SERVED, FUNCTIONS, DEPENDENCE, {"Edge"})
    assert (table.set_index("function").loc[["web", "firewall", "dns"], "events"] == 1).all()
