"""A file checked once is taken from the build folder until it, or what its check read, changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from incidents.data import checked, companions, load, schema
from incidents.errors import InputError
from tests.conftest import NOW, incident_row, write_csv

RECORDS = [{"record_id": "acme-history", "vendor": "Acme Mail", "kind": "status-history",
            "capture": "complete", "complete_from": "2025-01-01", "complete_to": "2025-12-31",
            "capture_rate": "", "file": "history.csv", "source_url": "https://example.org",
            "archive": "", "misses": "none: the whole history"}]


@pytest.fixture
def files(tmp_path: Path, vendors_file: Path):
    """An incident file of two rows of one record, the vendor table and records.csv."""
    rows = [incident_row(incident_id=f"AM{n}", record_id="acme-history",
                         start_utc=f"2025-0{n}-10T10:00:00Z", end_utc=f"2025-0{n}-10T12:00:00Z")
            for n in (1, 2)]
    incidents = write_csv(tmp_path / "history.csv", rows, schema.INCIDENT_COLUMN_NAMES)
    records = write_csv(tmp_path / "records.csv", RECORDS, schema.RECORD_COLUMN_NAMES)
    return incidents, vendors_file, records


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "checked"


@pytest.fixture
def count_checks(monkeypatch):
    """How many times the loader really checked a file."""
    calls = {"n": 0}
    real = load.load_incidents

    def counted(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "load_incidents", counted)
    return calls


def _load(incidents: Path, vendors: Path, records: Path, cache: Path,
          now: pd.Timestamp = NOW) -> pd.DataFrame:
    return checked.load_checked(incidents, vendors=companions.load_vendors(vendors),
                                records=companions.load_records(records), now=now, cache=cache)


def test_an_unchanged_file_is_checked_once_and_read_back_equal(files, cache, count_checks):
    first = _load(*files, cache)
    second = _load(*files, cache)
    assert count_checks["n"] == 1
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["source_file"] == str(files[0])
    assert second.attrs["skipped"] == []


def test_a_copy_elsewhere_uses_the_same_check_and_names_itself(files, cache, count_checks,
                                                                tmp_path):
    _load(*files, cache)
    copy = tmp_path / "snapshot" / "history.csv"
    copy.parent.mkdir()
    shutil.copyfile(files[0], copy)
    table = _load(copy, files[1], files[2], cache)
    assert count_checks["n"] == 1
    assert table.attrs["source_file"] == str(copy)


def test_a_changed_byte_is_checked_again(files, cache, count_checks):
    _load(*files, cache)
    text = files[0].read_text(encoding="utf-8")
    files[0].write_text(text.replace("Mail down", "Mail slow"), encoding="utf-8")
    table = _load(*files, cache)
    assert count_checks["n"] == 2
    assert set(table["title"]) == {"Mail slow"}


def test_a_file_with_problems_is_never_kept(files, cache, count_checks):
    text = files[0].read_text(encoding="utf-8")
    files[0].write_text(text.replace("2025-01-10T12:00:00Z", "yesterday"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError, match="is not a date"):
            _load(*files, cache)
    assert count_checks["n"] == 2
    assert not list(cache.glob("*.pickle"))


def test_a_narrowed_record_period_is_checked_again_and_refused(files, cache):
    _load(*files, cache)
    narrowed = [{**RECORDS[0], "complete_from": "2025-02-01"}]
    write_csv(files[2], narrowed, schema.RECORD_COLUMN_NAMES)
    with pytest.raises(InputError, match="outside the period of the row's record"):
        _load(*files, cache)


def test_a_record_other_files_use_changes_nothing_here(files, cache, count_checks):
    _load(*files, cache)
    other = {**RECORDS[0], "record_id": "beta-history", "vendor": "Beta Chat",
             "complete_to": "2026-06-30"}
    write_csv(files[2], [RECORDS[0], other], schema.RECORD_COLUMN_NAMES)
    _load(*files, cache)
    assert count_checks["n"] == 1


def test_a_vendor_now_listed_under_another_spelling_is_checked_again(files, cache, tmp_path):
    rows = [incident_row(incident_id="G1", vendor="Gamma  Cloud", record_id="")]
    odd = write_csv(tmp_path / "odd.csv", rows, schema.INCIDENT_COLUMN_NAMES)
    _load(odd, files[1], files[2], cache)  # not listed at all: evidence of an unused vendor
    vendors = pd.read_csv(files[1], dtype=str, keep_default_na=False)
    listed = pd.concat([vendors, vendors.iloc[[0]].assign(vendor="Gamma Cloud")])
    listed.to_csv(files[1], index=False)
    with pytest.raises(InputError, match="spelled differently"):
        _load(odd, files[1], files[2], cache)


def test_a_start_in_the_future_of_an_earlier_now_is_checked_again(files, cache):
    _load(*files, cache)
    with pytest.raises(InputError, match="is in the future"):
        _load(*files, cache, now=pd.Timestamp("2025-01-15T00:00:00Z"))


def test_changed_loader_code_is_a_new_key(files, cache, count_checks, monkeypatch):
    _load(*files, cache)
    monkeypatch.setattr(checked, "code_digest", lambda: "other code")
    _load(*files, cache)
    assert count_checks["n"] == 2


@pytest.mark.parametrize("plant", ["garbage", "link", "folder"])
def test_a_planted_entry_is_never_trusted(files, cache, count_checks, tmp_path, plant):
    _load(*files, cache)
    (entry,) = cache.glob("*.pickle")
    entry.unlink()
    if plant == "garbage":
        entry.write_bytes(b"not a pickle")
    elif plant == "link":
        target = tmp_path / "elsewhere.pickle"
        shutil.copyfile(files[0], target)
        os.symlink(target, entry)
    else:
        entry.mkdir()
    table = _load(*files, cache)
    assert count_checks["n"] == 2
    assert len(table) == 2


def test_old_entries_are_pruned(cache):
    cache.mkdir()
    for number in range(5):
        path = cache / f"{number}.pickle"
        path.write_bytes(b"x")
        os.utime(path, (number, number))
    checked._prune(cache, most=3)
    assert sorted(p.name for p in cache.glob("*.pickle")) == ["2.pickle", "3.pickle",
                                                              "4.pickle"]


def test_without_a_cache_nothing_is_kept(files, count_checks, tmp_path):
    for _ in range(2):
        checked.load_checked(files[0], vendors=companions.load_vendors(files[1]), now=NOW)
    assert count_checks["n"] == 2
    assert not (tmp_path / "checked").exists()
