"""The records table in data/README.md is generated from the records themselves."""

from __future__ import annotations

import pandas as pd

from incidents import config
from incidents.data import catalogue
from incidents.evidence import datadoc


def test_data_readme_records_table_is_current():
    text = config.DATA_README.read_text(encoding="utf-8")
    assert datadoc.RECORDS_START in text
    assert text == datadoc.render_records(text, datadoc.records_block()), (
        "data/README.md's records table is out of date: run `make datadoc`")


def test_records_table_counts_rows_and_events_per_record():
    incidents = pd.DataFrame({"record_id": ["a", "a", "a", "b"],
                              "incident_id": ["1", "2", "3", "1"],
                              "event": ["e1", "e1", "e2", "e1"]})
    records = pd.DataFrame({
        "record_id": ["a", "b"], "vendor": ["V", "V"], "kind": ["status-history", "curated"],
        "capture": ["lower-bound", "selection"],
        "complete_from": pd.to_datetime(["2024-01-01", "2024-02-01"], utc=True),
        "complete_to": pd.to_datetime(["2024-12-31", "2024-12-31"], utc=True),
        "capture_rate": [0.97, float("nan")]})
    text = catalogue.records_markdown(incidents, records)
    assert "| `a` | V | status-history | lower-bound | 2024-01-01 to 2024-12-31 | 3 | 2 | 97% |" \
        in text
    assert "| `b` | V | curated | selection | 2024-02-01 to 2024-12-31 | 1 | 1 |  |" in text
    assert "4 rows in 2 records, 2 events" in text
