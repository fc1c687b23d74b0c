"""The whole report, end to end, on a small fixture: papermill, HTML, PDF, a real browser."""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from incidents import config, errors
from incidents.analysis import metrics, time_to_restore
from incidents.data import load, schema
from incidents.data.companions import load_vendors
from incidents.errors import InputError
from incidents.present import findings, narrative, provenance, report, services
from incidents.render import execute, export, plan, stopwatch
from incidents.render import run as render
from tests.conftest import VENDOR_ROWS, incident_row, write_csv

HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"
pytestmark = pytest.mark.report


def fixture_rows() -> list[dict[str, str]]:
    rows = []
    for i, day in enumerate((3, 9, 14, 20, 27)):
        rows.append(incident_row(
            incident_id=f"AM{i}", start_utc=f"2025-0{1 + i % 3}-{day:02d}T08:00:00Z",
            end_utc=f"2025-0{1 + i % 3}-{day:02d}T{9 + i:02d}:30:00Z",
            title=HOSTILE if i == 0 else f"Mail outage {i}",
            root_cause=HOSTILE, notes="=HYPERLINK(\"https://evil.example\")"))
    rows.append(incident_row(incident_id="BC1", vendor="Beta Chat", service="Chat",
                             start_utc="2025-02-02T10:00:00Z", end_utc="2025-02-02T11:00:00Z",
                             change_induced="no", affected_clients="web"))
    return rows


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    data = write_csv(folder / "incidents.csv", fixture_rows(), schema.INCIDENT_COLUMN_NAMES)
    vendors = write_csv(folder / "vendors.csv", VENDOR_ROWS, schema.VENDOR_COLUMN_NAMES)
    out = folder / "out"
    fmt = "both" if shutil.which("chromium") else "html"
    render.build(plan.Options(start="2025-01-01", end="2025-03-31", data=str(data),
                              vendors=str(vendors), fmt=fmt, out=out, min_incidents=3))
    return {"out": out, "data": data, "vendors": vendors}


def html_of(rendered, stem: str) -> str:
    return (rendered["out"] / f"{stem}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("stem", ["portfolio", "vendor-acme-mail"])
def test_html_is_self_contained_without_code_or_script(rendered, stem):
    page = html_of(rendered, stem)
    without_comments = re.sub(r"<!--.*?-->", "", page, flags=re.S)
    without_css = re.sub(r"<style.*?</style>", "", without_comments, flags=re.S)
    assert not re.search(r"https?://", without_css.replace("https://example.org", "")), (
        "external URL in the report")
    assert "<script" not in page.lower()
    assert "Content-Security-Policy" in page
    assert "data:image/png;base64," in page
    assert 'class="jp-CodeMirrorEditor' not in page and "hl-ipython3" not in page
    assert "import incidents" not in page and "report.prepare" not in page
    assert "injected-parameters" not in page and "Parameters" not in page.split(
        "Provenance")[0].split("</h1>")[0]


@pytest.mark.parametrize("stem", ["portfolio", "vendor-acme-mail"])
def test_hostile_text_is_shown_as_text(rendered, stem):
    page = html_of(rendered, stem)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page or stem == "portfolio"


def test_index_links_every_report(rendered):
    index = (rendered["out"] / "index.html").read_text(encoding="utf-8")
    assert 'href="portfolio.html"' in index and 'href="vendor-acme-mail.html"' in index


def test_key_figures_in_html_equal_the_package_results(rendered):
    data = report.prepare(str(rendered["data"]), str(rendered["vendors"]), "2025-01-01",
                          "2025-03-31", vendor="Acme Mail")
    row = time_to_restore.restore_times(data.window_incidents, "vendor").iloc[0]
    page = html_of(rendered, "vendor-acme-mail")
    assert f"Median time to restore {narrative.hours(row['median'])}" in page
    assert "5 events" in page


def test_executed_notebooks_have_no_error_cells(tmp_path, rendered):
    job = plan.Job("vendor", "check", "Acme Mail", {
        "vendor": "Acme Mail", "start": "2025-01-01", "end": "2025-03-31",
        "data_file": str(rendered["data"]), "vendors_file": str(rendered["vendors"])})
    executed = nbformat.read(execute.execute(job, tmp_path), as_version=4)
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error"


def test_failed_run_keeps_the_last_good_report_and_names_the_cell(rendered, tmp_path,
                                                                  monkeypatch):
    out = rendered["out"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('vendor = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('raise RuntimeError("boom")')])
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
    nbformat.write(broken, tmp_path / "vendor.ipynb")
    monkeypatch.setattr(config, "NOTEBOOKS_DIR", tmp_path)
    with pytest.raises(errors.RenderError, match=r"vendor\.ipynb .*failed in cell .*boom"):
        render.build(plan.Options(vendor="Acme Mail", data=str(rendered["data"]),
                                  vendors=str(rendered["vendors"]), fmt="html", out=out))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_unknown_vendor_is_refused_before_any_notebook_runs(rendered):
    with pytest.raises(Exception, match="Known vendors: Acme Mail, Beta Chat"):
        plan.plan_jobs(plan.Options(vendor="Nope", data=str(rendered["data"]),
                                    vendors=str(rendered["vendors"])))


def test_unknown_vendor_message_lists_known_vendors(rendered):
    with pytest.raises(Exception, match="Known vendors: Acme Mail, Beta Chat"):
        report.prepare(str(rendered["data"]), str(rendered["vendors"]), "2025-01-01", "",
                       vendor="Nope")


def test_loader_sees_the_fixture(rendered):
    table = load.load_incidents(rendered["data"], vendors=load_vendors(rendered["vendors"]))
    assert len(table) == 6


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdf_is_a4_with_extractable_text(rendered):
    pdf = rendered["out"] / "vendor-acme-mail.pdf"
    if not pdf.exists():
        pytest.skip("Chromium not installed: PDF not rendered")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info) or "A4" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 2 <= pages <= 20
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Executive summary" in text and "Median time to restore" in text
    assert "Page 1 of" in text


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium not installed")
def test_browser_shows_report_without_console_errors_or_requests(rendered, tmp_path):
    from playwright.sync_api import sync_playwright

    page_file = rendered["out"] / "portfolio.html"
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri(), wait_until="load")
        shot = tmp_path / "first-page.png"
        page.screenshot(path=str(shot))
        heading = page.locator("h1").first.inner_text()
        browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert shot.stat().st_size > 10_000
    assert "portfolio" in heading.lower()


def test_attached_csv_neutralises_formula_cells(rendered):
    attached = (rendered["out"] / "vendor-acme-mail-incidents-2025-01-01-to-2025-03-14.csv"
                ).read_text(encoding="utf-8")
    assert "incident_id" in attached.splitlines()[0]
    assert "AM0" in attached
    assert ",=" not in attached and ',"=' not in attached


def test_interrupted_run_leaves_the_last_good_report(rendered, monkeypatch):
    out = rendered["out"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "export_html", interrupt)
    with pytest.raises(KeyboardInterrupt):
        render.build(plan.Options(vendor="Acme Mail", start="2025-01-01", end="2025-03-31",
                                  data=str(rendered["data"]), vendors=str(rendered["vendors"]),
                                  fmt="html", out=out))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_same_inputs_give_the_same_report_apart_from_the_time(rendered, tmp_path):
    again = tmp_path / "again"
    render.build(plan.Options(vendor="Acme Mail", start="2025-01-01", end="2025-03-31",
                              data=str(rendered["data"]), vendors=str(rendered["vendors"]),
                              fmt="html", out=again))

    def stable(text: str) -> str:
        return re.sub(r"Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "", text)

    first = stable(html_of(rendered, "vendor-acme-mail"))
    second = stable((again / "acme-mail" / "vendor-acme-mail.html").read_text(encoding="utf-8"))
    assert first == second


def _notebook_that_runs(code: str, folder: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('vendor = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(code)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, folder / "vendor.ipynb")


def test_dead_kernel_is_reported_and_the_report_kept(rendered, tmp_path, monkeypatch):
    out = rendered["out"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _notebook_that_runs("import os\nos._exit(1)", tmp_path)
    monkeypatch.setattr(config, "NOTEBOOKS_DIR", tmp_path)
    with pytest.raises(errors.RenderError, match=r"vendor\.ipynb"):
        render.build(plan.Options(vendor="Acme Mail", data=str(rendered["data"]),
                                  vendors=str(rendered["vendors"]), fmt="html", out=out))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_full_disk_while_publishing_leaves_no_half_written_file(rendered, monkeypatch):
    import errno

    out = rendered["out"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "export_html", disk_full)
    with pytest.raises(OSError, match="No space left"):
        render.build(plan.Options(vendor="Acme Mail", start="2025-01-01", end="2025-03-31",
                                  data=str(rendered["data"]), vendors=str(rendered["vendors"]),
                                  fmt="html", out=out))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_window_without_incidents_renders_the_portfolio_alone(rendered, tmp_path):
    out = tmp_path / "quiet"
    render.build(plan.Options(start="2024-01-01", end="2024-03-31", data=str(rendered["data"]),
                              vendors=str(rendered["vendors"]), fmt="html", out=out))
    assert sorted(p.name for p in out.glob("*.html")) == ["index.html", "portfolio.html"]
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "0 events" in page
    assert "Warning" not in page and str(config.PROJECT_ROOT) not in page


def test_skip_invalid_lists_every_skipped_row_in_the_appendix(rendered, tmp_path, capsys):
    rows = [*fixture_rows(), incident_row(incident_id="BAD1", impact="sort-of"),
            incident_row(incident_id="BAD2", vendor="ACME MAIL")]
    data = write_csv(tmp_path / "incidents.csv", rows, schema.INCIDENT_COLUMN_NAMES)
    out = tmp_path / "skipped"
    render.build(plan.Options(start="2025-01-01", end="2025-03-31", data=str(data),
                              vendors=str(rendered["vendors"]), fmt="html", out=out,
                              skip_invalid=True))
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    appendix = page.split("Rows skipped as invalid", 1)[1].split("Provenance", 1)[0]
    assert "<li>Line 8 of incidents.csv, column impact: 'sort-of' is not a known term.</li>" in (
        appendix)
    assert ("<li>Line 9 of incidents.csv, column vendor: 'ACME MAIL' is spelled differently "
            "from 'Acme Mail' in vendors.csv") in appendix
    assert "&amp;#x27;" not in page and "&amp;" not in appendix
    assert str(tmp_path) not in page and "Fix:" not in appendix
    assert "skipped 2 invalid rows (listed in the report's appendix)" in capsys.readouterr().out


def test_timing_and_kept_notebooks_describe_the_run(rendered, tmp_path):
    timing = stopwatch.Timing()
    kept = tmp_path / "notebooks"
    render.build(plan.Options(vendor="Acme Mail", start="2025-01-01", end="2025-03-31",
                              data=str(rendered["data"]), vendors=str(rendered["vendors"]),
                              fmt="html", out=tmp_path / "out", keep_notebooks=kept),
                 timing)
    notebook = nbformat.read(kept / "vendor-acme-mail.ipynb", as_version=4)
    assert any(cell.get("outputs") for cell in notebook.cells)
    assert len(timing.kernels_ready) == 1
    assert timing.cells["vendor-acme-mail"] == pytest.approx(stopwatch.cell_seconds(notebook))
    assert timing.cells["vendor-acme-mail"] > 0
    assert "kernels ready after" in timing.summary()


def test_refused_run_leaves_no_work_folder_and_no_kernel(rendered, tmp_path):
    before = set(config.BUILD_DIR.glob("run-*"))
    with pytest.raises(errors.ParameterError, match="unknown vendor"):
        render.build(plan.Options(vendor="Nope", data=str(rendered["data"]),
                                  vendors=str(rendered["vendors"]), fmt="html",
                                  out=tmp_path / "out"))
    assert set(config.BUILD_DIR.glob("run-*")) == before
    assert not (tmp_path / "out").exists()


def test_bench_profile_sums_cells_over_notebooks_and_flags_charts(rendered):
    from benchmarks import bench

    options = plan.Options(vendor="Acme Mail", start="2025-01-01", end="2025-03-31",
                           data=str(rendered["data"]), vendors=str(rendered["vendors"]))
    timing, wall, cells = bench.run_profile(options)
    assert wall > 0 and timing.cells["vendor-acme-mail"] > 0
    assert sum(seconds for seconds, *_ in cells) == pytest.approx(
        timing.cells["vendor-acme-mail"], rel=1e-6)
    assert any(draws and first.startswith("plots.show(") for _, _, first, draws in cells)


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium not installed")
def test_background_printer_prints_what_it_is_given_and_reports_failures(rendered, tmp_path):
    page = tmp_path / "page.html"
    shutil.copy(rendered["out"] / "vendor-acme-mail.html", page)
    printer = export.PdfPrinter(timeout=60)
    printer.submit(page)
    assert printer.finish() == [page.with_suffix(".pdf")]
    assert page.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"

    broken = export.PdfPrinter(timeout=60)
    broken.submit(tmp_path / "missing.html")
    with pytest.raises(errors.RenderError, match=r"could not print missing\.html to PDF"):
        broken.finish()


def test_stopped_printer_prints_nothing_more(tmp_path):
    printer = export.PdfPrinter(timeout=60)
    printer.stop(wait=30)
    assert not printer.thread.is_alive()
    assert printer.printed == [] and printer.error is None


def test_parallel_run_leaves_the_working_directory_alone(rendered, tmp_path, monkeypatch):
    # Two notebooks run in two threads: any chdir (papermill's ``cwd``, its file handler)
    # would race with the other thread and could leave the process in another folder.
    monkeypatch.chdir(tmp_path)
    moves: list[str] = []
    real_chdir = os.chdir
    monkeypatch.setattr(os, "chdir", lambda path: (moves.append(str(path)), real_chdir(path)))
    render.build(plan.Options(start="2025-01-01", end="2025-03-31", data=str(rendered["data"]),
                              vendors=str(rendered["vendors"]), fmt="html",
                              out=tmp_path / "out", jobs=2))
    assert moves == []
    assert Path.cwd() == tmp_path


# The fixture asks for 2025-01-01 to 2025-03-31; its curated rows end with the incident of
# 14 March, the data's cut-off, where the window is cut.
WINDOW_SHOWN = "2025-01-01 to 2025-03-14"


def test_page_titles_name_the_subject_and_the_window(rendered):
    assert f"<title>Acme Mail: reliability, {WINDOW_SHOWN}</title>" in html_of(
        rendered, "vendor-acme-mail")
    assert f"<title>Cloud vendor portfolio: reliability, {WINDOW_SHOWN}</title>" in (
        html_of(rendered, "portfolio"))


def test_index_states_the_window_and_why_a_vendor_has_no_deep_dive(rendered):
    index = (rendered["out"] / "index.html").read_text(encoding="utf-8")
    assert WINDOW_SHOWN in index
    assert "fewer than 3 incidents" in index and "Beta Chat (1 incident)" in index
    assert "vendor-beta-chat" not in index


@pytest.mark.parametrize("stem", ["portfolio", "vendor-acme-mail"])
def test_both_reports_end_with_the_glossary_and_every_table_scrolls_in_its_box(rendered, stem):
    page = html_of(rendered, stem)
    assert "Glossary" in page and "Kaplan-Meier median" in page
    assert page.count("<table") == len(re.findall(r'<div [^>]*class="table-scroll"', page))


def test_a_data_file_changed_during_the_run_changes_nothing_in_the_report(rendered, tmp_path,
                                                                          monkeypatch):
    import hashlib

    data = tmp_path / "incidents.csv"
    shutil.copy(rendered["data"], data)
    original = data.read_bytes()
    prepare = plan.prepare_jobs

    def plan_then_edit(options):  # another process edits the file once the run has begun
        jobs = prepare(options)
        added = incident_row(incident_id="LATE1", title="Added during the run",
                             start_utc="2025-02-20T08:00:00Z", end_utc="2025-02-20T09:00:00Z")
        with data.open("a", encoding="utf-8", newline="") as handle:
            csv.DictWriter(handle, schema.INCIDENT_COLUMN_NAMES, lineterminator="\n").writerow(
                added)
        return jobs

    monkeypatch.setattr(plan, "prepare_jobs", plan_then_edit)
    out = tmp_path / "out"
    render.build(plan.Options(start="2025-01-01", end="2025-03-31", data=str(data),
                              vendors=str(rendered["vendors"]), fmt="html", out=out))
    assert data.read_bytes() != original
    before = tmp_path / "before" / "incidents.csv"  # the file as the run began, elsewhere
    before.parent.mkdir()
    before.write_bytes(original)
    digest = provenance.evidence_hash(report.prepare(str(before), str(rendered["vendors"]),
                                                     "2025-01-01", "2025-03-31"))[:16]
    assert digest != hashlib.sha256(data.read_bytes()).hexdigest()[:16]
    pages = [p for p in out.glob("*.html") if p.name != "index.html"]
    assert sorted(p.name for p in pages) == ["portfolio.html", "vendor-acme-mail.html"]
    counts = {"portfolio.html": "6 events in the window",
              "vendor-acme-mail.html": "5 events in the window"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert f"SHA-256 <code>{digest}" in text, page.name
        assert "LATE1" not in text and counts[page.name] in text, page.name
    for attachment in out.glob("*.csv"):
        assert "LATE1" not in attachment.read_text(encoding="utf-8"), attachment.name


def test_problems_in_the_data_name_the_file_given_not_the_runs_copy(rendered, tmp_path):
    rows = [*fixture_rows(), incident_row(incident_id="BAD1", impact="sort-of")]
    data = write_csv(tmp_path / "incidents.csv", rows, schema.INCIDENT_COLUMN_NAMES)
    with pytest.raises(load.InputError) as raised:
        render.build(plan.Options(start="2025-01-01", end="2025-03-31", data=str(data),
                                  vendors=str(rendered["vendors"]), fmt="html",
                                  out=tmp_path / "out"))
    assert [p.file for p in raised.value.problems] == [str(data)]
    assert "snapshot" not in str(raised.value)


def test_names_that_are_markup_render_as_text_with_no_live_link(tmp_path):
    bad = Path(__file__).parent / "fixtures" / "bad"
    out = tmp_path / "out"
    render.build(plan.Options(start="2025-01-01", end="2025-12-31",
                              data=str(bad / "markup_names.csv"),
                              vendors=str(bad / "markup_vendors.csv"), fmt="html", out=out,
                              min_incidents=1))
    pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    assert len(pages) == 5  # index, portfolio and one deep dive per vendor with an incident
    for name, page in pages.items():
        links = re.findall(r'href="([^"]*)"', re.sub(r"<style.*?</style>", "", page, flags=re.S))
        assert all(not link.startswith(("http:", "https:")) for link in links), (name, links)
    portfolio = pages["portfolio.html"]
    for shown in ("$x^2$ Cloud", "https://x.example", "O'Neil's \"Cloud\""):
        assert shown in html.unescape(portfolio), shown  # as the browser shows it
    assert "&amp;#" not in portfolio  # no entity shown as text
    shown = re.sub(r"<[^>]+>", "", re.sub(r"<style.*?</style>", "", portfolio, flags=re.S))
    for markup in ("**", "\\'", '\\"', "\\-", "\\("):  # no Markdown or escape shown as text
        assert markup not in shown, markup


def test_one_vendor_run_publishes_into_its_own_folder_with_its_own_index(rendered, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(rendered["out"], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    render.build(plan.Options(vendor="acme mail", start="2025-02-01", end="2025-03-31",
                              data=str(rendered["data"]), vendors=str(rendered["vendors"]),
                              fmt="html", out=out))
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    folder = out / "acme-mail"
    shown = "2025-02-01 to 2025-03-14"  # cut at the data's cut-off, as above
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "index.html", "vendor-acme-mail-incidents-2025-02-01-to-2025-03-14.csv",
        "vendor-acme-mail.html"]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert f"One run covering Acme Mail only: incidents from <strong>{shown}</strong>" in index
    assert re.search(r"rendered \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", index)
    assert "No deep dive for vendors" not in index
    page = (folder / "vendor-acme-mail.html").read_text(encoding="utf-8")
    assert f"<title>Acme Mail: reliability, {shown}</title>" in page


def test_full_report_index_says_its_window_and_run_time(rendered):
    index = (rendered["out"] / "index.html").read_text(encoding="utf-8")
    assert f"One run covering every vendor: incidents from <strong>{WINDOW_SHOWN}</strong>" in (
        index)
    assert re.search(r"rendered \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", index)
    assert 'href="vendor-acme-mail-incidents-2025-01-01-to-2025-03-14.csv"' in index


def _prepared_copy(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    data = write_csv(folder / "incidents.csv", fixture_rows(), schema.INCIDENT_COLUMN_NAMES)
    vendors = write_csv(folder / "vendors.csv", VENDOR_ROWS, schema.VENDOR_COLUMN_NAMES)
    return str(data), str(vendors)


def test_kernels_adopt_what_the_run_prepared_instead_of_loading_again(tmp_path, monkeypatch):
    data, vendors = _prepared_copy(tmp_path)
    monkeypatch.setattr(report, "_PREPARED", {})
    prepared = report.prepare(data, vendors, "2025-01-01", "2025-03-31")
    shared = tmp_path / "prepared.pickle"
    report.save_prepared(shared)
    monkeypatch.setattr(report, "_PREPARED", {})  # as a freshly started kernel

    def no_loading(*_args, **_kwargs):
        raise AssertionError("the files were loaded again")

    monkeypatch.setattr(report, "_prepare", no_loading)
    report.adopt_prepared(str(shared))
    adopted = report.prepare(data, vendors, "2025-01-01", "2025-03-31")
    pd.testing.assert_frame_equal(adopted.window_incidents, prepared.window_incidents)
    one = report.prepare(data, vendors, "2025-01-01", "2025-03-31", vendor="Acme Mail")
    assert set(one.window_incidents["vendor"]) == {"Acme Mail"}


def test_kernels_adopt_the_tables_the_run_computed_with_the_data(tmp_path, monkeypatch):
    from incidents.analysis import risk
    from incidents.present import report_data

    data, vendors = _prepared_copy(tmp_path)
    monkeypatch.setattr(report, "_PREPARED", {})
    for name in list(report_data.STORES):
        monkeypatch.setitem(report_data.STORES, name, {})
    monkeypatch.setattr(report, "_EXPOSURE", report_data.STORES["exposure"])
    computed = report.exposure_table(report.prepare(data, vendors, "2025-01-01", "2025-03-31"))
    shared = tmp_path / "prepared.pickle"
    report.save_prepared(shared)
    monkeypatch.setattr(report, "_PREPARED", {})  # as a freshly started kernel
    report_data.STORES["exposure"].clear()

    def no_computing(*_args, **_kwargs):
        raise AssertionError("the exposure table was computed again")

    monkeypatch.setattr(risk, "exposure", no_computing)
    report.adopt_prepared(str(shared))
    adopted = report.exposure_table(report.prepare(data, vendors, "2025-01-01", "2025-03-31"))
    pd.testing.assert_frame_equal(adopted, computed)


def test_an_adopted_data_set_is_not_used_once_a_file_beside_it_changed(tmp_path, monkeypatch):
    data, vendors = _prepared_copy(tmp_path)
    monkeypatch.setattr(report, "_PREPARED", {})
    report.prepare(data, vendors, "2025-01-01", "2025-03-31")
    shared = tmp_path / "prepared.pickle"
    report.save_prepared(shared)
    monkeypatch.setattr(report, "_PREPARED", {})
    report.adopt_prepared(str(shared))
    events = Path(data).parent / "events.csv"  # a link file appears beside the incidents
    events.write_text(",".join(schema.EVENT_LINK_COLUMN_NAMES) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"events\.csv: the file has a header but no rows"):
        report.prepare(data, vendors, "2025-01-01", "2025-03-31")  # read again, and refused


def test_a_missing_or_damaged_shared_file_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "_PREPARED", {})
    report.adopt_prepared(str(tmp_path / "absent.pickle"))
    damaged = tmp_path / "damaged.pickle"
    damaged.write_bytes(b"not a pickle")
    report.adopt_prepared(str(damaged))
    assert report._PREPARED == {}


def test_a_trend_tested_on_one_vendor_does_not_claim_a_multiple_test_correction(tmp_path):
    data = report.prepare(*_prepared_copy(tmp_path), "2025-01-01", "2025-03-31")
    table = pd.DataFrame({"vendor": ["Acme Mail", "Beta Chat"], "incidents": [40, 9],
                          "verdict": ["rising", "record does not cover the window"],
                          "tested": [True, False], "p_holm": [0.0004, float("nan")]})
    lines = findings.findings(table, None, data, 3)
    trend = next(line for line in lines if line.startswith("Trend"))
    assert "allowing for" not in trend and "Holm" not in trend
    assert "only its record covers at least 90% of the window" in trend
    assert "Acme Mail rising" in trend
    two = table.assign(tested=[True, True], verdict=["rising", "flat"], p_holm=[0.001, 0.4])
    trend = next(line for line in findings.findings(two, None, data, 3)
                 if line.startswith("Trend"))
    assert trend.startswith("Trend over the window, allowing for testing 2 vendors at once "
                            "(5% level")


def test_availability_without_a_full_record_is_called_an_upper_bound(tmp_path):
    data = report.prepare(*_prepared_copy(tmp_path), "2025-01-01", "2025-03-31")
    line = services.availability_basis_line(data)  # curated rows only: no status history
    assert line.startswith("**Upper bounds.**")
    assert "Acme Mail (no status history)" in line


def test_recorded_share_counts_overlapping_records_once():
    from incidents.analysis import availability

    window = metrics.Window.from_dates("2025-01-01", "2025-12-31")
    day = pd.Timestamp
    records = pd.DataFrame({
        "vendor": ["A", "A", "A", "B"], "kind": ["status-history"] * 3 + ["tenant"],
        "capture": ["complete", "lower-bound", "selection", "complete"],
        "complete_from": [day("2024-06-01", tz="UTC"), day("2025-03-01", tz="UTC"),
                          day("2025-01-01", tz="UTC"), day("2025-07-02", tz="UTC")],
        "complete_to": [day("2025-06-30", tz="UTC"), day("2025-06-30", tz="UTC"),
                        day("2025-12-31", tz="UTC"), day("2025-12-31", tz="UTC")]})
    share = availability.recorded_share(records, window)
    assert share["A"] == pytest.approx(181 / 365)  # Jan-Jun once; the selection is no record
    assert share["B"] == pytest.approx(183 / 365)


def test_a_service_with_no_event_shows_none_reported_not_a_hundred_percent():
    table = pd.DataFrame({"product": ["Mail", "Docs"], "incidents": [2, 0],
                          "availability": [0.999, 1.0], "availability_major_only": [1.0, 1.0]})
    marked = services.quiet_services_marked(table)
    assert marked["availability"].tolist() == [0.999, services.NO_EVENT]
    assert marked["availability_major_only"].tolist() == [1.0, services.NO_EVENT_OTHERS]
    assert narrative.availability(marked.at[1, "availability"]) == "none\u00a0reported"
    assert narrative.availability(marked.at[0, "availability"]) == "99.900%"


@pytest.mark.report
def test_a_vendor_listed_with_no_incident_yet_gets_an_honest_empty_page(tmp_path):
    data = write_csv(tmp_path / "incidents.csv", fixture_rows(), schema.INCIDENT_COLUMN_NAMES)
    vendors = write_csv(tmp_path / "vendors.csv", [*VENDOR_ROWS, {
        **VENDOR_ROWS[0], "vendor": "Quiet Co", "services_used": "Thing"}],
        schema.VENDOR_COLUMN_NAMES)
    render.build(plan.Options(vendor="quiet co", start="2025-01-01", end="2025-03-31",
                              data=str(data), vendors=str(vendors), fmt="html",
                              out=tmp_path / "out"))
    page = (tmp_path / "out" / "quiet-co" / "vendor-quiet-co.html").read_text(encoding="utf-8")
    assert "0 events" in page and "none\u00a0reported" in page
