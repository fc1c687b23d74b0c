"""The curated data: every row valid, sourced and documented."""

from __future__ import annotations

import pandas as pd
import pytest

from incidents import config
from incidents.data import companions, load, schema

MISSION_IDS = ["EX1256020", "EX1268771", "EX1253275", "MO1253428", "EX1215307", "EX1189820"]


@pytest.fixture(scope="module")
def vendors() -> pd.DataFrame:
    return companions.load_vendors()


@pytest.fixture(scope="module")
def incidents(vendors: pd.DataFrame) -> pd.DataFrame:
    return load.load_incidents(vendors=vendors)


def test_curated_file_has_no_problems(vendors):
    _, problems = load.validate_incidents(vendors=vendors)
    assert problems == []


def test_every_row_has_a_web_source(incidents):
    urls = incidents["source_urls"].str.split(";").explode().str.strip()
    assert urls.str.match(r"^https?://\S+$").groupby(level=0).all().all()
    assert incidents["source_urls"].str.len().gt(0).all()


def test_ids_are_unique_per_vendor(incidents):
    assert not incidents.duplicated(["vendor", "incident_id"]).any()


def test_end_never_before_start(incidents):
    # An end known to the day may be written as that day's midnight, before an hour-precise
    # start on the same day: the end's whole precision interval must not precede the start.
    ended = incidents.dropna(subset=["end_utc"])
    span = pd.to_timedelta(ended["end_precision"].astype(str).map(schema.PRECISION_SPANS))
    assert (ended["end_utc"] + span > ended["start_utc"]).all()


def test_every_time_carries_its_precision(incidents):
    assert incidents["start_precision"].notna().all()
    ended = incidents["end_utc"].notna()
    assert incidents.loc[ended, "end_precision"].notna().all()


def test_vocabularies_are_respected(incidents):
    for name in ("affected_clients", "mitigation"):
        terms = load.multi_values(incidents[name])
        assert set(terms) <= schema.column(name).terms


def test_coverage_meets_the_brief(incidents):
    assert len(incidents) >= 80
    assert incidents["vendor"].nunique() >= 10
    # Rows no vendor page or reputable publisher supports were removed (data log).
    assert (incidents["vendor"] == "Microsoft 365").sum() >= 15
    assert incidents["start_utc"].min() >= pd.Timestamp("2023-01-01", tz="UTC")


@pytest.mark.parametrize("incident_id", MISSION_IDS)
def test_motivating_incidents_are_present(incidents, incident_id):
    assert incident_id in set(incidents["incident_id"])


def test_relogged_incident_links_both_ways(incidents):
    rows = incidents.set_index("incident_id")
    assert "EX1268771" in rows.loc["EX1256020", "related_ids"]
    assert "EX1256020" in rows.loc["EX1268771", "related_ids"]


def test_every_vendor_in_incidents_has_a_dependence_weight(incidents, vendors):
    assert set(incidents["vendor"]) <= set(vendors["vendor"])
    assert vendors["dependence_weight"].between(0, 1).all()


def test_data_readme_generated_sections_are_current(incidents):
    from incidents.data import catalogue
    from incidents.evidence import datadoc

    text = config.DATA_README.read_text(encoding="utf-8")
    expected = datadoc.render(text, catalogue.coverage_markdown(incidents),
                              schema.data_dictionary_markdown())
    assert text == expected, "data/README.md is out of date: run `make datadoc`"


def test_data_dictionary_documents_every_column_and_term():
    text = config.DATA_README.read_text(encoding="utf-8")
    for col in schema.INCIDENT_COLUMNS + schema.VENDOR_COLUMNS:
        assert f"`{col.name}`" in text
        for term in col.vocabulary:
            assert f"`{term}`" in text
