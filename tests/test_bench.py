"""Smoke test of the benchmark's generator and metric table at a small size (no timing)."""

from __future__ import annotations

import csv

import numpy as np

from benchmarks import bench
from incidents.analysis import metrics
from incidents.data import companions


def test_metric_table_has_one_finite_row_per_vendor_service() -> None:
    window = metrics.Window.from_dates(*bench.WINDOW)
    table = bench.synthetic_incidents(n=3_000, vendors=6, services=5, seed=1, window=window)
    assert len(table) == 3_000
    assert table["end_utc"].isna().any()  # some incidents have no end
    assert set(table["impact"].astype(str)) == {"outage", "degradation", "advisory"}

    result = bench.metric_table(table, window)

    pairs = table[bench.KEYS].drop_duplicates()
    assert len(result) == len(pairs) == 30
    assert not result.duplicated(bench.KEYS).any()
    for column in ("incidents", "per_month", "mtbf_hours", "restore_median", "outage_hours",
                   "availability", "beta"):
        assert np.isfinite(result[column].to_numpy(dtype=float)).all(), column
    assert result["incidents"].sum() == len(table)


def test_baseline_groupby_counts_every_incident() -> None:
    table = bench.synthetic_incidents(n=500, vendors=3, services=2, seed=2)
    base = bench.baseline_groupby(table)
    assert int(base["count"].sum()) == 500
    assert len(base) == 6


def test_scale_row_names_every_step_and_its_targets() -> None:
    window = metrics.Window.from_dates(*bench.WINDOW)
    sizes = bench.Sizes(incidents=2_000, vendors=4, services=5, peer_vendors=2)
    table = bench.synthetic_incidents(sizes.incidents, sizes.vendors, sizes.services,
                                      window=window)
    row = bench.scale_row(sizes, 1, table, window)
    assert row.target == "<= 3x; < 1 GB" and row.met in {"yes", "no"}
    for step in ("window and times", "grouping", "restore times", "downtime", "trend",
                 "argsort of every duration"):
        assert step in row.notes
    assert "2,000 incidents, 20 vendor-services" in row.measure


def test_synthetic_csv_is_valid_with_new_ids_from_the_real_rows(tmp_path) -> None:
    import csv

    from incidents import config
    from incidents.data import load

    path = bench.synthetic_csv(tmp_path / "incidents.csv", n=400, seed=3)
    frame, problems = load.validate_incidents(path, vendors=companions.load_vendors())
    assert problems == [] and len(frame) == 400
    with config.INCIDENTS_CSV.open(encoding="utf-8", newline="") as handle:
        real = {row["incident_id"] for row in csv.DictReader(handle)}
    ids = set(frame["incident_id"])
    assert len(ids) == 400 and not ids & real
    assert {ident.rsplit("-S", 1)[0] for ident in ids} <= real


def test_measure_command_counts_a_child_processes_memory(tmp_path) -> None:
    import sys

    grow = "x = bytearray(300 * 2**20); import time; time.sleep(1.0)"
    found = bench.measure_command([sys.executable, "-c", grow], tmp_path, every=0.05)
    assert found["largest_process"] > 300 * 2**20
    assert found["all_processes"] > 300 * 2**20
    assert found["seconds"] >= 1.0


def test_curated_only_copy_is_a_valid_base_without_imported_records(tmp_path) -> None:
    from incidents.evidence import records as evidence

    data, vendors = bench.curated_only_copy(tmp_path / "data")
    found = evidence.load_evidence(data, vendors)
    assert set(found.records["kind"]) == {"curated"}
    with open(data, newline="", encoding="utf-8") as file:
        assert len(found.incidents) == sum(1 for _ in csv.DictReader(file))
    whole = evidence.load_evidence()
    assert len(found.incidents) < len(whole.incidents)
    assert set(found.incidents["record_id"]) == set(
        whole.records.loc[whole.records["kind"] == "curated", "record_id"]) & set(
        found.incidents["record_id"])
