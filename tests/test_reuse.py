"""Re-rendering only what changed: page keys, each vendor's evidence digest, and a refresh that
takes the unchanged pages from the last run."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from incidents import config
from incidents.data import schema
from incidents.present import report
from incidents.render import plan, reuse
from incidents.render import run as render
from tests.conftest import incident_row, write_csv


def test_a_pages_key_ignores_the_runs_own_paths_but_not_its_parameters():
    base = {"vendor": "Acme", "start": "2025-01-01", "data_file": "/run-1/data.csv",
            "state_out": "/run-1/state.json"}
    moved = {**base, "data_file": "/run-2/data.csv", "state_out": "/run-2/state.json"}
    assert reuse.page_key(base, "code", "evidence") == reuse.page_key(moved, "code", "evidence")
    assert reuse.page_key(base, "code", "evidence") != reuse.page_key(
        {**base, "start": "2025-02-01"}, "code", "evidence")
    assert reuse.page_key(base, "code", "evidence") != reuse.page_key(base, "code", "other")
    assert reuse.page_key(base, "code", "evidence") != reuse.page_key(base, "new", "evidence")


def _append_row(data: Path, **changes: str) -> None:
    with (data / "incidents.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, fields = list(reader), reader.fieldnames
    rows.append({**next(r for r in rows if r["vendor"] == changes["vendor"]), "event_id": "",
                 "related_ids": "", "detected_utc": "", **changes})
    with (data / "incidents.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_new_row_for_one_vendor_changes_only_that_vendors_digest(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, data)
    before = report.prepare(str(data / "incidents.csv"), "", "2023-01-01", "")
    first = reuse.vendor_digests(before, report.exposure_table(before))
    _append_row(data, vendor="Slack", incident_id="slack-new-1",
                start_utc="2026-12-06T09:00:00Z", end_utc="2026-12-06T11:00:00Z")
    after = report.prepare(str(data / "incidents.csv"), "", "2023-01-01", "")
    second = reuse.vendor_digests(after, report.exposure_table(after))
    assert [vendor for vendor in first if first[vendor] != second[vendor]] == ["Slack"]


def test_a_deep_dive_ends_at_its_vendors_own_cut_off():
    slack = report.prepare("", "", "2023-01-01", "", vendor="Slack")
    everyone = report.prepare("", "", "2023-01-01", "")
    assert slack.window.end == everyone.vendor_ends["Slack"] < everyone.window.end


@pytest.mark.report
def test_a_refresh_renders_only_the_pages_whose_evidence_changed(tmp_path, capsys):
    rows = [incident_row(incident_id=f"AM{i}", start_utc=f"2025-0{1 + i % 3}-1{i}T08:00:00Z",
                         end_utc=f"2025-0{1 + i % 3}-1{i}T10:00:00Z") for i in range(4)]
    rows += [incident_row(incident_id=f"BC{i}", vendor="Beta Chat", product="Chat",
                          start_utc=f"2025-02-0{i + 1}T10:00:00Z",
                          end_utc=f"2025-02-0{i + 1}T11:00:00Z") for i in range(3)]
    data = write_csv(tmp_path / "incidents.csv", rows, schema.INCIDENT_COLUMN_NAMES)
    vendors = write_csv(tmp_path / "vendors.csv", [
        {"vendor": "Acme Mail", "dependence_weight": "1", "business_functions": "email",
         "notes": ""},
        {"vendor": "Beta Chat", "dependence_weight": "0.5", "business_functions": "chat",
         "notes": ""}], ["vendor", "business_functions", "dependence_weight", "notes"])
    options = plan.Options(start="2025-01-01", end="2025-03-31", data=str(data),
                           vendors=str(vendors), fmt="html", out=tmp_path / "out")
    render.build(options)
    capsys.readouterr()
    write_csv(data, [*rows, incident_row(incident_id="BC9", vendor="Beta Chat",
                                         product="Chat", start_utc="2025-03-01T10:00:00Z",
                                         end_utc="2025-03-01T12:00:00Z")],
              schema.INCIDENT_COLUMN_NAMES)
    render.build(options)
    said = capsys.readouterr().out
    assert "Rendering 2 notebook(s)" in said and "1 page(s) reused" in said
    assert "done    vendor-acme-mail" not in said
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "reused from the run of" in index
    assert "BC9" in (tmp_path / "out" / "vendor-beta-chat.html").read_text(encoding="utf-8")
    render.build(options)  # the portfolio compares with the state the last run published
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").glob("third-party-annex-*")}
    assert sorted(p.rsplit(".", 1)[1] for p in before) == ["csv", "json"]
    render.build(options)  # nothing changed: every page reused, the portfolio's annex too
    said = capsys.readouterr().out
    assert "Rendering 0 notebook(s)" in said
    after = {p.name: p.read_bytes() for p in (tmp_path / "out").glob("third-party-annex-*")}
    assert after == before


def test_a_changed_notebook_or_package_source_changes_every_pages_code(tmp_path, monkeypatch):
    notebooks, package = tmp_path / "notebooks", tmp_path / "package"
    shutil.copytree(config.NOTEBOOKS_DIR, notebooks)
    package.mkdir()
    (package / "module.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(config, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(config, "PACKAGE_DIR", package)
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    before = reuse.code_digest("vendor")
    (package / "module.py").write_text("x = 2\n", encoding="utf-8")
    after_source = reuse.code_digest("vendor")
    with (notebooks / "vendor.ipynb").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert len({before, after_source, reuse.code_digest("vendor")}) == 3


def _edit_csv(path: Path, vendor: str, column: str, value: str) -> None:
    """Set ``column`` of ``vendor``'s first row of the CSV at ``path`` (line endings kept)."""
    text = path.read_bytes().decode("utf-8")
    ending = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.DictReader(text.splitlines()))
    next(r for r in rows if r["vendor"] == vendor)[column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator=ending)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(("name", "column", "value"), [
    ("slas.csv", "notes", "read again"),
    ("vendors.csv", "dependence_weight", "0.9"),
    ("records.csv", "misses", "read again"),
])
def test_an_edit_to_one_vendors_companion_row_changes_only_that_vendors_digest(
        tmp_path, name, column, value):
    data = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, data)
    org = str(data / "organisation.toml")
    before = report.prepare(str(data / "incidents.csv"), org, "2023-01-01", "")
    first = reuse.vendor_digests(before, report.exposure_table(before))
    _edit_csv(data / name, "Zoom", column, value)
    after = report.prepare(str(data / "incidents.csv"), org, "2023-01-01", "")
    second = reuse.vendor_digests(after, report.exposure_table(after))
    assert [vendor for vendor in first if first[vendor] != second[vendor]] == ["Zoom"]
