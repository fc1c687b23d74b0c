"""Merging imported rows into an incident file: curated cells survive, the file stays stable."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from incidents import import_command as command
from incidents.data import companions, load, schema
from incidents.data.importers import feedjson, mapping, merge
from incidents.errors import InputError

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
VENDORS = ("GitHub", "Acme", "Microsoft 365", "Google Cloud")


def write_vendors(path: Path, names=VENDORS) -> Path:
    lines = [",".join(schema.VENDOR_COLUMN_NAMES)]
    for name in names:
        cells = dict.fromkeys(schema.VENDOR_COLUMN_NAMES, "")
        cells.update(vendor=name, dependence_weight="0.5")
        lines.append(",".join(cells[c] for c in schema.VENDOR_COLUMN_NAMES))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def vendors(tmp_path) -> Path:
    return write_vendors(tmp_path / "vendors.csv")


def row(**cells: str) -> dict[str, str]:
    base = {
        "incident_id": "EX1256020", "vendor": "Microsoft 365", "product": "Exchange Online",
        "service": "Outlook mobile", "title": "Users may be unable to access mailboxes",
        "classification": "incident", "impact": "degradation", "severity": "3",
        "start_utc": "2026-03-19T18:30:00Z", "start_precision": "minute",
        "end_utc": "2026-03-20T02:00:00Z", "end_precision": "minute",
        "detected_utc": "2026-03-19T18:45:00Z", "affected_clients": "outlook-mobile",
        "regions": "unknown", "root_cause_category": "unknown", "root_cause": "",
        "mitigation": "unknown", "change_induced": "unknown", "related_ids": "",
        "source_urls": "https://admin.microsoft.com/adminportal/home#/servicehealth/:/alerts/"
                       "EX1256020", "notes": ""}
    base.update(cells)
    return {c.name: base.get(c.name, c.default) for c in schema.INCIDENT_COLUMNS}


CURATED = {
    "root_cause": "A change to an authentication component made requests fail.",
    "root_cause_category": "change-deployment", "mitigation": "rollback",
    "change_induced": "yes", "affected_clients": "outlook-mobile;outlook-mac-new",
    "notes": "Checked against the post-incident review.",
    "source_urls": "https://example.org/pir",
}


def import_feed(fmt: str, name: str, into: Path, vendors: Path, vendor: str | None = None,
                dry_run: bool = False) -> command.ImportReport:
    data, source = feedjson.read_file(FEEDS / name)
    return command.run_import(fmt, data, source, vendor=vendor, into=into, vendors=vendors,
                              dry_run=dry_run)


def read_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return {r["incident_id"]: r for r in csv.DictReader(stream)}


def edit_rows(path: Path, edits: dict[str, dict[str, str]]) -> None:
    """Change cells the way a person would, keeping the file's format."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    for r in rows:
        r.update(edits.get(r["incident_id"], {}))
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=schema.INCIDENT_COLUMN_NAMES,
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------- one row


def test_merge_never_overwrites_curated_fields_with_empty_or_unknown():
    old = row(**CURATED)
    new = row(root_cause="", root_cause_category="unknown", mitigation="unknown",
              change_induced="unknown", affected_clients="unknown", notes="",
              source_urls="https://admin.microsoft.com/x")
    merged, _ = merge.merge_row(old, new)
    for column in ("root_cause", "root_cause_category", "mitigation", "change_induced",
                   "affected_clients", "notes"):
        assert merged[column] == CURATED[column], column
    assert merged["source_urls"].split(";")[0] == "https://example.org/pir"


def test_merge_fills_curated_fields_that_are_still_unknown():
    merged, _ = merge.merge_row(row(affected_clients="unknown"),
                                row(affected_clients="imap4"))
    assert merged["affected_clients"] == "imap4"


def test_merge_keeps_a_different_curated_value_and_reports_it():
    merged, kept = merge.merge_row(row(affected_clients="outlook-mobile;outlook-mac-new"),
                                   row(affected_clients="outlook-mobile"))
    assert merged["affected_clients"] == "outlook-mobile;outlook-mac-new"
    assert [k.topic for k in kept] == [merge.KEPT]
    assert "affected_clients" in kept[0].detail


@pytest.mark.parametrize("column", ["start", "end"])
@pytest.mark.parametrize(("stamp", "precision"), [
    ("2026-03-19T18:00:00Z", "hour"), ("2026-03-19T00:00:00Z", "day"),
    ("2026-03-01T00:00:00Z", "month")])
def test_merge_never_takes_a_coarser_start_or_end(column, stamp, precision):
    old = row()
    new = row(**{f"{column}_utc": stamp, f"{column}_precision": precision})
    merged, kept = merge.merge_row(old, new)
    assert merged[f"{column}_utc"] == old[f"{column}_utc"]
    assert merged[f"{column}_precision"] == "minute"
    assert any("coarser" in k.detail for k in kept)


def test_merge_moves_a_start_earlier_but_not_later():
    earlier, _ = merge.merge_row(row(), row(start_utc="2026-03-19T15:00:00Z"))
    assert earlier["start_utc"] == "2026-03-19T15:00:00Z"
    later, kept = merge.merge_row(row(start_utc="2026-03-19T15:00:00Z"), row())
    assert later["start_utc"] == "2026-03-19T15:00:00Z"
    assert any("start only moves earlier" in k.detail for k in kept)


def test_merge_takes_a_finer_start_inside_the_files_coarser_window():
    merged, _ = merge.merge_row(
        row(start_utc="2026-03-19T18:00:00Z", start_precision="hour"),
        row(start_utc="2026-03-19T18:30:00Z", start_precision="minute"))
    assert (merged["start_utc"], merged["start_precision"]) == ("2026-03-19T18:30:00Z",
                                                                "minute")


def test_merge_updates_the_end_but_never_blanks_it():
    updated, _ = merge.merge_row(row(), row(end_utc="2026-03-20T02:10:00Z"))
    assert updated["end_utc"] == "2026-03-20T02:10:00Z"
    kept_end, kept = merge.merge_row(row(), row(end_utc="", end_precision=""))
    assert (kept_end["end_utc"], kept_end["end_precision"]) == ("2026-03-20T02:00:00Z",
                                                                "minute")
    assert any("ongoing" in k.detail for k in kept)
    opened, _ = merge.merge_row(row(end_utc="", end_precision=""), row())
    assert opened["end_utc"] == "2026-03-20T02:00:00Z"


def test_merge_unions_source_urls_and_related_ids_with_the_files_first():
    merged, _ = merge.merge_row(
        row(source_urls="https://example.org/pir;https://a.example/x", related_ids="EX1"),
        row(source_urls="https://a.example/x;https://b.example/y", related_ids="EX2;EX1"))
    assert merged["source_urls"] == ("https://example.org/pir;https://a.example/x;"
                                     "https://b.example/y")
    assert merged["related_ids"] == "EX1;EX2"


def test_merge_appends_only_note_sentences_the_notes_lack():
    once, _ = merge.merge_row(row(notes="Person's note."),
                              row(notes="Source is tenant-only. Start differs."))
    assert once["notes"] == "Person's note. Source is tenant-only. Start differs."
    twice, _ = merge.merge_row(once, row(notes="Source is tenant-only. Start differs."))
    assert twice["notes"] == once["notes"]


def test_merge_keeps_a_person_judged_impact_and_severity():
    derivable = mapping.DERIVABLE_IMPACT_SEVERITY["msgraph"]
    # (outage, 5): a pair no Graph import writes (it writes outage at 4 at most).
    judged, kept = merge.merge_row(row(impact="outage", severity="5"),
                                   row(impact="degradation", severity="3"), derivable)
    assert (judged["impact"], judged["severity"]) == ("outage", "5")
    assert {k.detail.split(":")[0] for k in kept} == {"impact", "severity"}
    imported, _ = merge.merge_row(row(impact="degradation", severity="3"),
                                  row(impact="degradation", severity="2"), derivable)
    assert imported["severity"] == "2"


def test_merge_keeps_post_incident_review_classification_but_takes_other_labels():
    pir, _ = merge.merge_row(row(classification="post-incident-review"), row())
    assert pir["classification"] == "post-incident-review"
    relabelled, _ = merge.merge_row(row(), row(classification="advisory"))
    assert relabelled["classification"] == "advisory"
    unknown, _ = merge.merge_row(row(), row(classification="unknown"))
    assert unknown["classification"] == "incident"


# ---------------------------------------------------------------- the file


def test_import_creates_the_file_sorted_with_schema_column_order(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    report = import_feed("statuspage", "statuspage_incidents.json", target, vendors,
                         vendor="GitHub")
    assert report.merge.written
    assert len(report.merge.added) == 4
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(schema.INCIDENT_COLUMN_NAMES)
    rows = list(csv.DictReader(lines))
    keys = [(r["start_utc"], r["vendor"], r["incident_id"]) for r in rows]
    assert keys == sorted(keys)
    _, problems = load.validate_incidents(target, vendors=companions.load_vendors(vendors))
    assert problems == []


@pytest.mark.parametrize(("fmt", "feed", "vendor"), [
    ("statuspage", "statuspage_incidents.json", "GitHub"),
    ("statuspage", "statuspage_ist.json", "Acme"),
    ("msgraph", "msgraph_issues.json", None),
    ("gcloud", "gcloud_incidents.json", None),
])
def test_importing_the_same_feed_twice_leaves_the_file_byte_identical(tmp_path, vendors, fmt,
                                                                      feed, vendor):
    target = tmp_path / "incidents.csv"
    import_feed(fmt, feed, target, vendors, vendor=vendor)
    first = target.read_bytes()
    stat = target.stat()
    report = import_feed(fmt, feed, target, vendors, vendor=vendor)
    assert target.read_bytes() == first
    assert target.stat().st_mtime_ns == stat.st_mtime_ns  # not even rewritten
    assert (report.merge.added, report.merge.changed, report.merge.written) == ([], {}, False)
    assert len(report.merge.unchanged) == report.rows


def test_different_feeds_merge_into_one_file_and_reimport_is_stable(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    imports = [("statuspage", "statuspage_incidents.json", "GitHub"),
               ("msgraph", "msgraph_issues.json", None), ("gcloud", "gcloud_incidents.json", None)]
    for fmt, feed, vendor in imports:
        import_feed(fmt, feed, target, vendors, vendor=vendor)
    first = target.read_bytes()
    for fmt, feed, vendor in imports:
        import_feed(fmt, feed, target, vendors, vendor=vendor)
    assert target.read_bytes() == first
    assert len(read_rows(target)) == 4 + 5 + 3


def test_reclassification_incident_to_advisory_updates_label_but_keeps_curated_cells(
        tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    import_feed("msgraph", "msgraph_issues.json", target, vendors)
    assert read_rows(target)["EX1256020"]["classification"] == "incident"
    edit_rows(target, {"EX1256020": {**CURATED, "notes": read_rows(target)["EX1256020"]["notes"]
                                     + " Checked against the post-incident review."}})
    report = import_feed("msgraph", "msgraph_issues_reimport.json", target, vendors)
    after = read_rows(target)["EX1256020"]
    assert (after["classification"], after["severity"]) == ("advisory", "2")
    assert after["start_utc"] == "2026-03-19T15:00:00Z"  # the vendor revised it earlier
    assert after["end_utc"] == "2026-03-20T02:10:00Z"
    assert after["detected_utc"] == "2026-03-19T18:45:00Z"
    for column in ("root_cause", "root_cause_category", "mitigation", "change_induced",
                   "affected_clients"):
        assert after[column] == CURATED[column]
    assert after["notes"].endswith("Checked against the post-incident review.")
    assert after["source_urls"].startswith("https://example.org/pir;")
    changed = {c.column for c in report.merge.changed[("Microsoft 365", "EX1256020")]}
    assert {"classification", "severity", "start_utc", "end_utc"} <= changed
    assert "root_cause" not in changed
    assert len(read_rows(target)) == 5  # the other issues are untouched, none removed


def test_unchanged_rows_keep_their_original_text_and_line_endings(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    curated = row(incident_id="EX1", start_utc="2020-01-01T10:00:00Z",
                  end_utc="2020-01-01T11:00:00Z", detected_utc="")
    quoted = ",".join(f'"{curated[c]}"' for c in schema.INCIDENT_COLUMN_NAMES)
    header = ",".join(schema.INCIDENT_COLUMN_NAMES)
    target.write_bytes(f"{header}\r\n{quoted}\r\n".encode())
    import_feed("gcloud", "gcloud_incidents.json", target, vendors)
    text = target.read_bytes().decode()
    assert text.startswith(f"{header}\r\n{quoted}\r\n")  # sorted first, byte for byte
    assert text.count("\r\n") == 1 + 1 + 3
    assert "\n" not in text.replace("\r\n", "")


def test_control_characters_in_existing_cells_are_removed_and_shown_in_the_diff(tmp_path,
                                                                                vendors):
    target = tmp_path / "incidents.csv"
    edited = row(incident_id="EX1", start_utc="2020-01-01T10:00:00Z",
                 end_utc="2020-01-01T11:00:00Z", title="Bad\x07 title\x00")
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, schema.INCIDENT_COLUMN_NAMES, lineterminator="\n")
        writer.writeheader()
        writer.writerow(edited)
    report = import_feed("gcloud", "gcloud_incidents.json", target, vendors)
    assert read_rows(target)["EX1"]["title"] == "Bad title"
    assert [c.column for c in report.merge.changed[("Microsoft 365", "EX1")]] == ["title"]


def test_cells_starting_with_formula_characters_are_written_unchanged(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    data, source = feedjson.read_file(FEEDS / "gcloud_incidents.json")
    data[0]["external_desc"] = "=HYPERLINK(x) -1 @ +2"
    command.run_import("gcloud", data, source, into=target, vendors=vendors)
    assert read_rows(target)["kHsnqq3TuHz8iMhYYQ8T"]["title"] == "=HYPERLINK(x) -1 @ +2"


def test_invalid_merged_table_raises_and_leaves_the_original_untouched(tmp_path):
    target = tmp_path / "incidents.csv"
    shouting = write_vendors(tmp_path / "vendors.csv", ["GitHub", "MICROSOFT 365"])
    import_feed("statuspage", "statuspage_incidents.json", target, shouting, vendor="GitHub")
    before = target.read_bytes()
    with pytest.raises(InputError) as caught:
        import_feed("msgraph", "msgraph_issues.json", target, shouting)
    problem = caught.value.problems[0]
    assert problem.column == "vendor"
    assert "spelled differently" in problem.message and "imported from" in problem.message
    assert problem.file.startswith(str(target))
    assert target.read_bytes() == before
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert left == ["incidents.csv", "vendors.csv"]  # no temporary file (the lock file stays)


def test_an_invalid_row_already_in_the_file_blocks_the_import_and_is_named(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    edit = row(incident_id="EX1", start_utc="2020-01-01T10:00:00Z",
               end_utc="2019-01-01T11:00:00Z")
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, schema.INCIDENT_COLUMN_NAMES, lineterminator="\n")
        writer.writeheader()
        writer.writerow(edit)
    before = target.read_bytes()
    with pytest.raises(InputError) as caught:
        import_feed("gcloud", "gcloud_incidents.json", target, vendors)
    assert any("EX1 (in the file)" in p.message for p in caught.value.problems)
    assert target.read_bytes() == before


def test_duplicate_keys_in_the_file_are_an_input_error_naming_the_line(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, schema.INCIDENT_COLUMN_NAMES, lineterminator="\n")
        writer.writeheader()
        writer.writerows([row(), row()])
    with pytest.raises(InputError) as caught:
        import_feed("gcloud", "gcloud_incidents.json", target, vendors)
    assert caught.value.problems[0].line == 3


def test_dry_run_validates_and_reports_but_leaves_the_file_untouched(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    import_feed("msgraph", "msgraph_issues.json", target, vendors)
    before = target.read_bytes()
    report = import_feed("msgraph", "msgraph_issues_reimport.json", target, vendors,
                         dry_run=True)
    assert target.read_bytes() == before
    assert not report.merge.written
    assert ("Microsoft 365", "EX1256020") in report.merge.changed
    diff = report.merge.diff_lines()
    assert "      classification: 'incident' -> 'advisory'" in diff
    assert "      end_utc: '2026-03-20T02:00:00Z' -> '2026-03-20T02:10:00Z'" in diff
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert left == ["incidents.csv", "vendors.csv"]


def test_rewrite_keeps_the_files_permissions(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    import_feed("gcloud", "gcloud_incidents.json", target, vendors)
    os.chmod(target, 0o640)
    import_feed("msgraph", "msgraph_issues.json", target, vendors)
    assert target.stat().st_mode & 0o777 == 0o640


def test_diff_shows_only_what_a_union_or_note_adds():
    change = merge.Change("source_urls", "https://a.example/x",
                          "https://a.example/x;https://b.example/y")
    assert str(change) == "source_urls: + 'https://b.example/y'"


def test_header_only_file_is_filled(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    target.write_text(",".join(schema.INCIDENT_COLUMN_NAMES) + "\n", encoding="utf-8")
    report = import_feed("gcloud", "gcloud_incidents.json", target, vendors)
    assert len(report.merge.added) == 3
    assert len(read_rows(target)) == 3


def test_missing_folder_is_an_input_error(tmp_path, vendors):
    with pytest.raises(InputError, match="folder does not exist"):
        import_feed("gcloud", "gcloud_incidents.json", tmp_path / "nope" / "incidents.csv",
                    vendors)


def test_false_positive_issue_already_in_the_file_is_reported_not_deleted(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    data, source = feedjson.read_file(FEEDS / "msgraph_issues.json")
    data["value"][2]["status"] = "serviceRestored"  # EX1270000 before Microsoft withdrew it
    command.run_import("msgraph", data, source, into=target, vendors=vendors)
    report = import_feed("msgraph", "msgraph_issues.json", target, vendors)
    assert "EX1270000" in read_rows(target)
    assert any(f.topic == "dropped but in the file" and f.incident_id == "EX1270000"
               for f in report.findings)


# ---------------------------------------------------------------- two writers


def _import_in_a_process(fmt: str, feed: str, target: str, vendors: str) -> None:
    import_feed(fmt, feed, Path(target), Path(vendors))


def test_two_imports_at_once_keep_both_feeds_rows(tmp_path, vendors, monkeypatch):
    import multiprocessing
    import time

    target = tmp_path / "incidents.csv"
    real_merge_rows = merge.merge_rows

    def slow_merge_rows(*args, **kwargs):  # both processes read the file before either writes
        time.sleep(1.0)
        return real_merge_rows(*args, **kwargs)

    monkeypatch.setattr(merge, "merge_rows", slow_merge_rows)  # inherited by the forks
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_import_in_a_process, args=(fmt, feed, str(target),
                                                                  str(vendors)))
               for fmt, feed in (("gcloud", "gcloud_incidents.json"),
                                 ("msgraph", "msgraph_issues.json"))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    vendors_seen = [r["vendor"] for r in read_rows(target).values()]
    assert vendors_seen.count("Google Cloud") == 3 and vendors_seen.count("Microsoft 365") == 5


def test_an_import_waits_for_the_lock_and_gives_up_with_a_message(tmp_path, vendors,
                                                                  monkeypatch):
    from incidents.data import locking

    target = tmp_path / "incidents.csv"
    monkeypatch.setattr(locking, "DEFAULT_TIMEOUT", 0.3)
    with locking.exclusive(locking.lock_path_for(target), "test"), pytest.raises(
            locking.LockTimeout, match="is being written by another process"):
        import_feed("gcloud", "gcloud_incidents.json", target, vendors)
    assert not target.exists()


def test_a_read_only_file_is_refused_and_left_alone(tmp_path, vendors):
    target = tmp_path / "incidents.csv"
    import_feed("gcloud", "gcloud_incidents.json", target, vendors)
    before = target.read_bytes()
    os.chmod(target, 0o444)
    with pytest.raises(InputError, match=r"the file is read-only\. Fix: make it writable"):
        import_feed("msgraph", "msgraph_issues.json", target, vendors)
    assert target.read_bytes() == before and target.stat().st_mode & 0o777 == 0o444
    assert import_feed("msgraph", "msgraph_issues.json", target, vendors,
                       dry_run=True).merge.added  # a dry run still shows what it would do
