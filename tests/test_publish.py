"""Publishing into the output folder: only the report's own files are replaced or removed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from incidents import cli, config, errors
from incidents.data import locking, schema
from incidents.render import export, plan, publish
from incidents.render import run as render
from tests.conftest import VENDOR_ROWS, incident_row, write_csv


def staged(folder: Path, *names: str) -> Path:
    """A staging folder holding ``names``, each file's text its own name."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(name, encoding="utf-8")
    return folder


def test_files_the_report_did_not_write_survive_two_runs(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mine = {"incidents.csv": "a,b\n", "vendors.csv": "c\n", "slides.pdf": "%PDF", "notes.html": "x"}
    for name, text in mine.items():
        (out / name).write_text(text, encoding="utf-8")
    publish.publish(staged(tmp_path / "s1", "portfolio.html", "vendor-a.html"), out)
    publish.publish(staged(tmp_path / "s2", "portfolio.html"), out)
    assert {name: (out / name).read_text(encoding="utf-8") for name in mine} == mine
    assert not (out / "vendor-a.html").exists()  # written by the first run, not the second
    assert (out / "portfolio.html").read_text(encoding="utf-8") == "portfolio.html"


def test_manifest_lists_what_the_last_run_wrote(tmp_path):
    out = tmp_path / "out"
    publish.publish(staged(tmp_path / "s1", "portfolio.html", "index.html"), out)
    manifest = json.loads((out / publish.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["files"] == ["index.html", "portfolio.html"]


def test_single_vendor_run_adds_to_the_manifest_and_removes_nothing(tmp_path):
    out = tmp_path / "out"
    publish.publish(staged(tmp_path / "s1", "portfolio.html", "vendor-a.html"), out)
    publish.publish(staged(tmp_path / "s2", "vendor-b.html"), out, prune=False)
    assert sorted(p.name for p in out.glob("*.html")) == [
        "portfolio.html", "vendor-a.html", "vendor-b.html"]
    assert publish.earlier_outputs(out) == {"portfolio.html", "vendor-a.html", "vendor-b.html"}


def test_a_file_of_the_same_name_not_written_by_the_report_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("my own page", encoding="utf-8")
    with pytest.raises(errors.OutputFolderError, match=r"index\.html, not written by an "
                       r"earlier report: nothing was published\. Fix: move"):
        publish.publish(staged(tmp_path / "s", "index.html", "portfolio.html"), out)
    assert (out / "index.html").read_text(encoding="utf-8") == "my own page"
    assert not (out / "portfolio.html").exists()


def test_a_manifest_naming_files_elsewhere_removes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    precious = tmp_path / "incidents.csv"
    precious.write_text("keep", encoding="utf-8")
    (out / publish.MANIFEST).write_text(json.dumps(
        {"files": ["../incidents.csv", str(precious), "..", "sub/x.html", 7]}), encoding="utf-8")
    publish.publish(staged(tmp_path / "s", "portfolio.html"), out)
    assert precious.read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize("folder", [config.DATA_DIR, config.PROJECT_ROOT,
                                    config.PACKAGE_DIR.parent, config.NOTEBOOKS_DIR,
                                    config.DATA_DIR / "sub"])
def test_a_project_folder_is_refused_before_anything_runs(folder, capsys):
    before = {p: p.stat().st_mtime_ns for p in config.DATA_DIR.iterdir()}
    status = cli.main(["report", "--out", str(folder), "--format", "html"])
    err = capsys.readouterr().err
    assert status == 2
    assert f"error: --out {folder} " in err and "Fix: choose a folder of its own" in err
    assert {p: p.stat().st_mtime_ns for p in config.DATA_DIR.iterdir()} == before


def test_the_folder_of_the_data_file_in_use_is_refused(tmp_path):
    data = tmp_path / "feeds" / "incidents.csv"
    data.parent.mkdir()
    data.write_text("", encoding="utf-8")
    with pytest.raises(errors.OutputFolderError, match=r"holds the input file incidents\.csv"):
        publish.check_output_folder(data.parent, str(data), "")
    publish.check_output_folder(tmp_path / "elsewhere", str(data), "")  # any other folder is fine


def test_a_second_publish_waits_for_the_first(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    order = []
    with locking.exclusive(out / publish.PUBLISH_LOCK, "test"):
        second = threading.Thread(target=lambda: (
            publish.publish(staged(tmp_path / "s", "portfolio.html"), out),
            order.append("second published")))
        second.start()
        time.sleep(0.5)
        order.append("first released")
    second.join(timeout=30)
    assert order == ["first released", "second published"]


def test_a_publish_blocked_too_long_fails_with_a_message(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(locking, "DEFAULT_TIMEOUT", 0.3)
    with locking.exclusive(out / publish.PUBLISH_LOCK, "test"), pytest.raises(
            locking.LockTimeout, match="is being written by another process"):
        publish.publish(staged(tmp_path / "s", "portfolio.html"), out)
    assert not (out / "portfolio.html").exists()


def test_every_vendor_gets_its_own_page_and_index_link(tmp_path):
    names = ["Acme Cloud", "🚀", "🔥"]
    vendors = write_csv(tmp_path / "vendors.csv", [dict(VENDOR_ROWS[0], vendor=name)
                                                   for name in names],
                        schema.VENDOR_COLUMN_NAMES)
    rows = [incident_row(incident_id=f"X{i}-{n}", vendor=name,
                         start_utc=f"2025-01-1{n}T08:00:00Z", end_utc=f"2025-01-1{n}T09:00:00Z")
            for i, name in enumerate(names) for n in range(3)]
    data = write_csv(tmp_path / "incidents.csv", rows, schema.INCIDENT_COLUMN_NAMES)
    jobs = plan.plan_jobs(plan.Options(start="2025-01-01", end="2025-03-31", data=str(data),
                                       vendors=str(vendors)))
    pages = {job.title: job.stem for job in jobs if job.notebook == "vendor"}
    assert sorted(pages) == sorted(names) and len(set(pages.values())) == 3
    run = plan.Run("All vendors", "2025-01-01 to 2025-03-31", "2025-01-01-to-2025-03-31",
                   "2026-12-01 10:00 UTC")
    index = publish.write_index(jobs, tmp_path, ("html",), run).read_text(encoding="utf-8")
    for name, stem in pages.items():
        assert f'<strong>{name}</strong>: <a href="{stem}.html">' in index


def test_the_snapshot_holds_every_file_the_evidence_is_read_from(tmp_path):
    data, shared = tmp_path / "data", tmp_path / "shared"
    (data / "records").mkdir(parents=True)
    shared.mkdir()
    for path in (data / "incidents.csv", data / config.EVENTS_NAME, data / "records" / "a.csv",
                 shared / "table.csv", data / config.SLAS_NAME,
                 data / config.PUBLISHED_UPTIME_NAME, data / config.SERVICE_MAP_NAME,
                 tmp_path / "outside.csv"):
        path.write_text(path.name, encoding="utf-8")
    (shared / "client.toml").write_text('vendors = "table.csv"\n', encoding="utf-8")
    (data / config.RECORDS_NAME).write_text("record_id,file\nr1,records/a.csv\n",
                                            encoding="utf-8")
    options, originals = render.snapshot_inputs(
        plan.Options(data=str(data / "incidents.csv"), vendors=str(shared / "client.toml")),
        tmp_path / "snapshot")
    copied = {Path(copy).relative_to(tmp_path / "snapshot").as_posix(): Path(given).name
              for copy, given in originals.items()}
    assert copied == {
        "data/incidents.csv": "incidents.csv", "data/records.csv": "records.csv",
        "data/events.csv": "events.csv", "data/records/a.csv": "a.csv",
        "data/slas.csv": "slas.csv", "data/published_uptime.csv": "published_uptime.csv",
        "data/service_map.csv": "service_map.csv",
        "vendors/client.toml": "client.toml", "vendors/table.csv": "table.csv"}
    assert options.data == str(tmp_path / "snapshot" / "data" / "incidents.csv")
    assert options.vendors == str(tmp_path / "snapshot" / "vendors" / "client.toml")


def test_record_files_outside_the_data_folder_are_read_in_place(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "incidents.csv").write_text("x", encoding="utf-8")
    (tmp_path / "data" / config.RECORDS_NAME).write_text("record_id,file\nr1,../../far.csv\n",
                                                         encoding="utf-8")
    options, originals = render.snapshot_inputs(
        plan.Options(data=str(tmp_path / "data" / "incidents.csv"),
                     vendors=str(tmp_path / "none.csv")), tmp_path / "snapshot")
    assert options.data == str(tmp_path / "data" / "incidents.csv") and originals == {}
    assert "read in place" in capsys.readouterr().out


def test_jobs_are_capped_at_the_cores_and_the_notebooks(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert plan.worker_count(24) == 2
    assert plan.worker_count(24, 1) == 1
    assert plan.worker_count(0) == 2  # one per core
    assert plan.worker_count(1) == 1
    assert plan.jobs_note(24, 2, 12) == "  --jobs 24 capped to 2 at a time: 2 cores to run on"
    assert plan.jobs_note(2, 1, 1) == "  --jobs 2 capped to 1 at a time: 1 notebook to run"
    assert plan.jobs_note(2, 2, 12) == ""


def test_a_start_after_the_data_with_no_end_says_so_instead_of_swap(tmp_path, capsys):
    status = cli.main(["report", "--start", "2099-01-01", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "after the data ends" in err and "swap" not in err


def test_what_a_notebook_writes_to_stderr_is_not_published(tmp_path, capsys):
    import nbformat

    cell = nbformat.v4.new_code_cell("print('x')", outputs=[
        nbformat.v4.new_output("stream", name="stderr",
                               text="/home/someone/src/plots.py:110: UserWarning: No artists\n"),
        nbformat.v4.new_output("stream", name="stdout", text="Shown to the reader\n")])
    executed = tmp_path / "page.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), executed)
    page = export.export_html(executed, tmp_path / "page.html", "Page").read_text(
        encoding="utf-8")
    assert "UserWarning" not in page and "/home/someone" not in page
    assert "Shown to the reader" in page
    assert "note: page wrote to stderr" in capsys.readouterr().out
    assert "UserWarning" in nbformat.read(executed, as_version=4).cells[0].outputs[0]["text"]


def test_a_report_process_validates_notebooks_without_compiling_the_iri_grammar():
    code = (
        "import sys\n"
        "from incidents.render import execute\n"
        "execute.skip_unused_iri_grammar()\n"
        "import nbformat\n"
        "notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1')])\n"
        "nbformat.validate(notebook)\n"
        "broken = nbformat.v4.new_notebook()\n"
        "broken.cells = [{'cell_type': 'nonsense'}]\n"
        "try:\n"
        "    nbformat.validate(broken)\n"
        "except nbformat.ValidationError:\n"
        "    print('refused')\n"
        "print('lark' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["refused", "False"]


# ---------------------------------------------------------------- no manifest, planted links


def test_without_a_manifest_nothing_this_run_did_not_write_is_removed(tmp_path, monkeypatch,
                                                                      capsys):
    # The project's report folder of a fresh clone, or with its manifest lost: files named
    # like report pages may be replaced by this run's, but nothing else is pruned.
    out = tmp_path / "report"
    out.mkdir()
    monkeypatch.setattr(config, "REPORT_DIR", out)
    for name in ("portfolio.html", "vendor-old.html", "vendor-old.pdf", "index.html"):
        (out / name).write_text("earlier " + name, encoding="utf-8")
    publish.publish(staged(tmp_path / "s", "portfolio.html", "index.html"), out)
    assert (out / "portfolio.html").read_text(encoding="utf-8") == "portfolio.html"
    assert (out / "vendor-old.html").read_text(encoding="utf-8") == "earlier vendor-old.html"
    assert (out / "vendor-old.pdf").exists()
    said = capsys.readouterr().out
    assert "vendor-old.html" in said and "left as found" in said
    # A later full run, with a manifest now, still neither prunes nor refuses those files.
    publish.publish(staged(tmp_path / "s2", "portfolio.html", "vendor-old.html"), out)
    assert (out / "vendor-old.html").read_text(encoding="utf-8") == "vendor-old.html"
    assert (out / "vendor-old.pdf").exists()


@pytest.mark.parametrize("planted", [".report-manifest.json.{pid}.tmp",
                                     ".report-manifest.json.tmp"])
def test_a_link_planted_at_a_temporary_name_is_never_written_through(tmp_path, planted):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    (out / planted.format(pid=os.getpid())).symlink_to(victim)
    publish.publish(staged(tmp_path / "s", "portfolio.html"), out)
    assert victim.read_text(encoding="utf-8") == "keep"
    assert json.loads((out / publish.MANIFEST).read_text(encoding="utf-8"))["files"] == [
        "portfolio.html"]


@pytest.mark.parametrize("target", ["file", "missing"])
def test_a_lock_file_that_is_a_link_is_refused_and_creates_nothing_elsewhere(tmp_path,
                                                                            target):
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.txt"
    if target == "file":
        elsewhere.write_text("keep", encoding="utf-8")
    (out / publish.PUBLISH_LOCK).symlink_to(elsewhere)
    with pytest.raises(locking.UnsafeLockFile, match="symbolic link"):
        publish.publish(staged(tmp_path / "s", "portfolio.html"), out)
    assert elsewhere.exists() == (target == "file")
    assert not (out / "portfolio.html").exists()


def test_publishing_onto_another_file_system_copies_then_renames(tmp_path, monkeypatch):
    import errno as errno_module

    out = tmp_path / "share"
    staging = staged(tmp_path / "s", "portfolio.html", "index.html")
    real_replace = os.replace

    def across_devices(source, target):
        # A rename from the staging folder into the share crosses file systems.
        if Path(source).parent == staging:
            raise OSError(errno_module.EXDEV, "Invalid cross-device link")
        real_replace(source, target)

    monkeypatch.setattr(publish.os, "replace", across_devices)
    publish.publish(staging, out)
    assert (out / "portfolio.html").read_text(encoding="utf-8") == "portfolio.html"
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp")) == []
    assert list(staging.iterdir()) == []


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_an_interruption_while_publishing_waits_until_the_whole_run_is_in_place(
        tmp_path, monkeypatch, signal_name):
    import signal

    out = tmp_path / "out"
    publish.publish(staged(tmp_path / "s1", "index.html", "vendor-a.html"), out)
    real_move = publish.move_into
    sent = []

    def move_then_interrupt(source, target):
        if not sent:  # the interruption arrives after the first file of the run
            os.kill(os.getpid(), getattr(signal, signal_name))
            sent.append(signal_name)
        real_move(source, target)

    monkeypatch.setattr(publish, "move_into", move_then_interrupt)
    cli._terminate_as_interrupt()  # SIGTERM ends a command as Ctrl-C does
    with pytest.raises(publish.InterruptedAfterPublishing, match="is complete"):
        publish.publish(staged(tmp_path / "s2", "index.html", "vendor-b.html"), out)
    assert sorted(p.name for p in out.glob("*.html")) == ["index.html", "vendor-b.html"]
    assert (out / "index.html").read_text(encoding="utf-8") == "index.html"
    assert json.loads((out / publish.MANIFEST).read_text(encoding="utf-8"))["files"] == [
        "index.html", "vendor-b.html"]


def test_a_run_folder_left_behind_is_pruned_by_a_later_run(tmp_path):
    old, fresh = tmp_path / "run-old", tmp_path / "run-fresh"
    for folder in (old, fresh):
        (folder / "publish").mkdir(parents=True)
    day_ago = time.time() - 2 * render.OLD_RUN
    os.utime(old, (day_ago, day_ago))
    (tmp_path / "keep-me").mkdir()
    assert render.prune_old_runs(tmp_path) == [old]
    assert fresh.exists() and (tmp_path / "keep-me").exists() and not old.exists()
