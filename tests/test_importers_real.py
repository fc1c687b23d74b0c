"""The Google Cloud importer on a real snapshot of Google's feed (kept outside the repository).

The file is read from ``../shared/data/real/`` next to the repository, never copied into it,
and imported into a temporary CSV; the test is skipped when the file is absent.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import datetime

import pytest

from incidents import config
from incidents import import_command as command
from incidents.data import companions, load, schema
from incidents.data.importers import feedjson

REAL = config.PROJECT_ROOT.parent / "shared/data/real/google_cloud_incidents_2022-07-03.json"

pytestmark = pytest.mark.skipif(
    not REAL.exists(), reason=f"{REAL} is absent (real data lives outside the repository)")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real")
    vendors = folder / "vendors.csv"
    cells = dict.fromkeys(schema.VENDOR_COLUMN_NAMES, "")
    cells.update(vendor="Google Cloud", dependence_weight="0.5")
    vendors.write_text(",".join(schema.VENDOR_COLUMN_NAMES) + "\n"
                       + ",".join(cells[c] for c in schema.VENDOR_COLUMN_NAMES) + "\n",
                       encoding="utf-8")
    target = folder / "incidents.csv"
    data, source = feedjson.read_file(REAL)
    report = command.run_import("gcloud", data, source, into=target, vendors=vendors)
    raw = json.loads(REAL.read_text(encoding="utf-8"))
    return {"target": target, "vendors": vendors, "report": report, "raw": raw,
            "data": data, "source": source}


def _hours(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600


def test_all_157_real_google_cloud_incidents_import_and_validate(imported):
    report = imported["report"]
    assert (report.rows, report.dropped, len(report.merge.added)) == (157, 0, 157)
    table = load.load_incidents(imported["target"],
                                vendors=companions.load_vendors(imported["vendors"]))
    assert len(table) == 157
    assert set(table["vendor"]) == {"Google Cloud"}


def test_real_counts_by_product_match_the_feeds_first_affected_product(imported):
    table = load.load_incidents(imported["target"])
    counts = table["product"].value_counts().to_dict()
    expected = Counter(i["affected_products"][0]["title"] for i in imported["raw"])
    assert counts == dict(expected)
    assert counts["Google Cloud Networking"] == 26
    print("\ncounts by product:", dict(sorted(counts.items(), key=lambda kv: -kv[1])))


def test_real_median_duration_matches_the_feeds_begin_and_end(imported):
    table = load.load_incidents(imported["target"])
    hours = ((table["end_utc"] - table["start_utc"]).dt.total_seconds() / 3600).dropna()
    assert len(hours) == 157
    feed_median = statistics.median(_hours(i["begin"], i["end"]) for i in imported["raw"])
    assert abs(hours.median() - feed_median) < 1 / 60  # minute precision
    print(f"\nmedian duration: {hours.median():.2f} h (feed: {feed_median:.2f} h)")


def test_real_severity_and_impact_mappings_follow_the_feeds_terms(imported):
    counts = command.mapping_counts(imported["report"].findings)
    raw = imported["raw"]
    severity = Counter(i["severity"] for i in raw)
    impact = Counter(i["status_impact"] for i in raw)
    levels = {"high": 4, "medium": 3, "low": 2}
    impacts = {"SERVICE_OUTAGE": "outage", "SERVICE_DISRUPTION": "degradation",
               "SERVICE_INFORMATION": "advisory"}
    for term, count in severity.items():
        key = ("severity", f"google cloud severity '{term}' -> {levels[term]}")
        assert counts[key] == count
    for term, count in impact.items():
        assert counts[("impact", f"google cloud status_impact '{term}' -> {impacts[term]}")] \
            == count
    assert not [f for f in imported["report"].findings if f.topic == "unknown value"]


def test_reimporting_the_real_feed_changes_nothing(imported):
    before = imported["target"].read_bytes()
    report = command.run_import("gcloud", imported["data"], imported["source"],
                                into=imported["target"], vendors=imported["vendors"])
    assert imported["target"].read_bytes() == before
    assert (len(report.merge.added), len(report.merge.changed),
            len(report.merge.unchanged)) == (0, 0, 157)


# ---------------------------------------------------------------- GitHub's complete history

GITHUB = (config.PROJECT_ROOT.parent
          / "shared/data/real/github/github_status_history_2022-03_2026-08.jsonl")


@pytest.mark.skipif(not GITHUB.exists(), reason=f"{GITHUB} is absent")
@pytest.mark.parametrize(("year", "expected"), [(2023, 164), (2024, 124), (2025, 200)])
def test_github_history_counts_per_year_equal_the_sources_without_maintenance(year, expected):
    lines = [json.loads(line) for line in GITHUB.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    source = sum(1 for i in lines if i["impact"] != "maintenance"
                 and i["started_at"].startswith(str(year)))
    record = load.load_incidents(config.PROJECT_ROOT / "data/records/github-status-history.csv")
    assert source == expected
    assert int(record["start_utc"].dt.year.eq(year).sum()) == expected
