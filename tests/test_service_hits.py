"""An event counts against every service it names (incidents.evidence.service_hits)."""

from __future__ import annotations

import re

import pandas as pd

from incidents.evidence import service_hits

VENDORS = pd.DataFrame({"vendor": ["Suite Co", "Feed Co"],
                        "services_used": ["Mail; Chat; Docs", "Tracker"]})


def _rows(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["vendor", "product", "service", "record_kind"])


def test_a_suite_row_counts_against_each_service_it_names():
    rows = _rows(("Suite Co", "Suite Co suite", "Mail; Chat calendar; Billing", "curated"))
    reached = service_hits.service_rows(rows, VENDORS)
    assert list(reached["product"]) == ["Mail", "Chat"]
    assert set(reached["product_named"]) == {"Suite Co suite"}
    assert list(reached.index) == [0, 0]


def test_a_suite_row_that_names_no_service_counts_on_the_suite_wide_line():
    rows = _rows(("Suite Co", "Suite Co suite", "Suite Co (via a shared front door)", "curated"))
    reached = service_hits.service_rows(rows, VENDORS)
    assert list(reached["product"]) == ["Suite Co, suite-wide"]


def test_a_service_row_counts_against_its_product_and_the_services_it_names():
    rows = _rows(("Suite Co", "Mail", "Mail; Docs", "curated"))
    assert list(service_hits.service_rows(rows, VENDORS)["product"]) == ["Mail", "Docs"]


def test_a_feed_component_is_never_read_by_its_first_words():
    rows = _rows(("Feed Co", "Tracker Align", "Tracker Align; Tracker APIs", "status-history"))
    assert list(service_hits.service_rows(rows, VENDORS)["product"]) == ["Tracker Align"]


def test_the_service_map_says_which_component_means_which_service():
    rows = _rows(("Feed Co", "Feed Co", "Edge (LHR); Issues", "status-history"))
    service_map = pd.DataFrame({"vendor": ["Feed Co"], "field": ["service"],
                                "regex": [re.compile(r"Issues")], "service": ["Tracker"]})
    reached = service_hits.service_rows(rows, VENDORS, service_map)
    assert list(reached["product"]) == ["Feed Co", "Tracker"]


def test_a_used_service_whose_name_says_multiple_is_a_service_not_a_suite():
    vendors = pd.DataFrame({"vendor": ["CRM Co"], "services_used": ["Platform (multiple clouds)"]})
    rows = _rows(("CRM Co", "Platform (multiple clouds)", "Sales", "curated"))
    assert list(service_hits.service_rows(rows, vendors)["product"]) == [
        "Platform (multiple clouds)"]


def test_an_event_reaches_every_service_any_of_its_rows_named():
    # A person read the event as "multiple products" in one region; the vendor's own status
    # history listed two services the organisation uses: the event reaches both.
    rows = pd.DataFrame({"vendor": ["Suite Co"], "product": ["Suite Co (multiple products)"],
                         "service": ["one region"], "record_kind": ["curated"],
                         "services_in_event": ["Mail; Mail; Chat; Billing"]})
    assert list(service_hits.service_rows(rows, VENDORS)["product"]) == ["Mail", "Chat"]
