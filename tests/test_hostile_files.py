"""Hostile names, paths, files and servers given to ``import``, ``fetch`` and the README refresh:
each is refused at once with a one-line error naming the file or option and the fix, and
nothing is created, read forever or half-written."""

from __future__ import annotations

import csv
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from incidents import cli, config
from incidents import import_command as command
from incidents.data import companions, schema
from incidents.data.importers import feedjson, fetch, records
from incidents.errors import ImportUsageError, InputError
from incidents.evidence import datadoc
from tests.conftest import local_server, write_csv

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
FEED_PATH = "/api/v2/incidents.json"
BAD_RECORD_IDS = ["../x", "a/b", "/etc/passwd", ".", "..", "", "Upper", "a\x00b", "-lead",
                  "a_b", "a b", "x" * 121, "records/../../x"]

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
needs_dev = pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev on this system")


#: Requests to the local doubles never go through a proxy set in the environment.
pytestmark = pytest.mark.usefixtures("no_proxy_for_localhost")


@pytest.fixture
def folder(tmp_path) -> Path:
    """A data folder with a vendor file and a records.csv listing 'github-history'."""
    lines = [",".join(schema.VENDOR_COLUMN_NAMES)]
    for name in ("GitHub", "Microsoft 365"):
        cells = dict.fromkeys(schema.VENDOR_COLUMN_NAMES, "")
        cells.update(vendor=name, dependence_weight="0.5")
        lines.append(",".join(cells[c] for c in schema.VENDOR_COLUMN_NAMES))
    (tmp_path / "vendors.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_records(tmp_path / "records.csv", [("github-history", records.record_file(
        "github-history"))])
    return tmp_path


def write_records(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(schema.RECORD_COLUMN_NAMES)
        for record, file in rows:
            writer.writerow([record, "GitHub", "status-history", "complete", "2022-03-24",
                             "2026-08-20", "", file, "", "", "test record"])
    return path


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with the bytes of each regular file."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() and not p.is_symlink()
            else None for p in sorted(folder.rglob("*"))}


def run(capsys, *argv: str, limit: float = 20) -> tuple[int, str, str, float]:
    """Run the CLI in a thread; fail (instead of hanging the suite) when it takes ``limit`` s."""
    outcome: dict[str, int] = {}
    started = time.monotonic()

    def main() -> None:
        try:
            outcome["code"] = cli.main(list(argv))
        except SystemExit as exc:  # argparse's own refusals
            outcome["code"] = int(exc.code or 0)

    worker = threading.Thread(target=main, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"the command hung: {argv}"
    out, err = capsys.readouterr()
    return outcome["code"], out, err, time.monotonic() - started


def assert_one_line_error(err: str, *expected: str, lines: int | None = 1) -> None:
    """``err`` is the CLI's error (``lines`` long, when given) holding every ``expected``."""
    assert err.startswith("error: ") and "Traceback" not in err
    assert lines is None or err.count("\n") == lines, err
    for text in expected:
        assert text in err


# ---------------------------------------------------------------- 1. record ids are names


@pytest.mark.parametrize("record", BAD_RECORD_IDS)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_record_id_that_is_not_a_name_is_refused_before_anything_is_created(
        folder, capsys, record, dry_run):
    before = snapshot(folder)
    code, out, err, _ = run(capsys, "import", "github-history",
                            str(FEEDS / "github_history.jsonl"), f"--record={record}",
                            "--into", str(folder / "incidents.csv"), "--vendors",
                            str(folder / "vendors.csv"), *(["--dry-run"] if dry_run else []))
    assert code == 2 and out == ""
    assert_one_line_error(err, "is not a record id", "Fix:")
    assert snapshot(folder) == before
    assert not (folder.parent / "x.csv").exists()


@pytest.mark.parametrize("record", BAD_RECORD_IDS)
def test_run_import_refuses_a_record_id_that_is_not_a_name(folder, record):
    data, source = feedjson.read_jsonl(FEEDS / "github_history.jsonl")
    before = snapshot(folder)
    with pytest.raises(ImportUsageError, match="is not a record id"):
        command.run_import("github-history", data, source, into=folder / "incidents.csv",
                           vendors=folder / "vendors.csv", record=record, dry_run=True)
    assert snapshot(folder) == before


def test_every_record_id_of_the_projects_records_csv_is_a_name():
    with (config.DATA_DIR / config.RECORDS_NAME).open(encoding="utf-8", newline="") as handle:
        ids = [row["record_id"] for row in csv.DictReader(handle)]
    assert ids and all(records.check_record_id(record) == record for record in ids)


@pytest.mark.parametrize("record", [r for r in BAD_RECORD_IDS if r and "\x00" not in r])
def test_records_csv_with_an_id_that_is_not_a_name_is_refused_naming_file_line_and_column(
        tmp_path, record):
    path = write_records(tmp_path / "records.csv", [("good-one", "records/good-one.csv"),
                                                    (record, "records/x.csv")])
    with pytest.raises(InputError) as caught:
        companions.load_records(path)
    assert f"{path}, line 3, column 'record_id'" in str(caught.value)
    assert "is not a record id" in str(caught.value)


@pytest.mark.parametrize("file", ["../outside.csv", "/tmp/outside.csv", "records/../../x.csv"])
def test_a_record_whose_file_leaves_the_data_folder_is_refused(folder, capsys, file):
    write_records(folder / "records.csv", [("github-history", file)])
    before = snapshot(folder)
    code, _, err, _ = run(capsys, "import", "github-history",
                          str(FEEDS / "github_history.jsonl"), "--record", "github-history",
                          "--into", str(folder / "incidents.csv"), "--vendors",
                          str(folder / "vendors.csv"))
    assert code == 2
    assert_one_line_error(err, "records.csv", "not a path inside")
    assert snapshot(folder) == before


# ---------------------------------------------------------------- 2. --into is a regular file


def _symlink(folder: Path) -> Path:
    real = folder / "real.csv"
    real.write_text("kept\n", encoding="utf-8")
    (folder / "link.csv").symlink_to(real)
    return folder / "link.csv"


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe.csv")
    return folder / "pipe.csv"


def _directory(folder: Path) -> Path:
    (folder / "dir.csv").mkdir()
    return folder / "dir.csv"


INTO_PAYLOADS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "symlink": (_symlink, "symbolic link"),
    "fifo": (_fifo, "not a regular file"),
    "directory": (_directory, "a folder"),
    "dev-null": (lambda folder: Path("/dev/null"), "not a regular file"),
    "missing-folder": (lambda folder: folder / "nowhere" / "incidents.csv",
                       "folder does not exist"),
    "through-a-file": (lambda folder: folder / "vendors.csv" / "incidents.csv",
                       "cannot be used"),
}


@needs_fifo
@needs_dev
@pytest.mark.parametrize("payload", sorted(INTO_PAYLOADS))
@pytest.mark.parametrize("dry_run", [False, True])
def test_into_that_is_not_a_regular_file_or_a_new_name_in_a_folder_is_refused(
        folder, capsys, payload, dry_run):
    make, message = INTO_PAYLOADS[payload]
    into = make(folder)
    before = snapshot(folder)
    code, out, err, took = run(capsys, "import", "msgraph", str(FEEDS / "msgraph_issues.json"),
                               "--into", str(into), "--vendors", str(folder / "vendors.csv"),
                               *(["--dry-run"] if dry_run else []))
    assert code == 2 and out == ""
    assert_one_line_error(err, str(into), message, "--into")
    assert snapshot(folder) == before and took < 10


def test_into_a_new_name_inside_an_existing_folder_is_created(folder, capsys):
    code, _, err, _ = run(capsys, "import", "msgraph", str(FEEDS / "msgraph_issues.json"),
                          "--into", str(folder / "new.csv"), "--vendors",
                          str(folder / "vendors.csv"))
    assert (code, err) == (0, "")
    assert (folder / "new.csv").is_file()


@needs_fifo
def test_run_import_refuses_a_fifo_as_the_incident_file(folder):
    data, source = feedjson.read_file(FEEDS / "msgraph_issues.json")
    with pytest.raises(InputError, match="not a regular file"):
        command.run_import("msgraph", data, source, into=_fifo(folder),
                           vendors=folder / "vendors.csv")


# ---------------------------------------------------------------- 3. files read are regular


INPUT_PAYLOADS: dict[str, Callable[[Path], Path]] = {
    "dev-zero": lambda folder: Path("/dev/zero"),
    "fifo": _fifo,
    "directory": _directory,
}


@needs_fifo
@needs_dev
@pytest.mark.parametrize("payload", sorted(INPUT_PAYLOADS))
@pytest.mark.parametrize("fmt", ["msgraph", "github-history"])
def test_a_feed_that_is_not_a_regular_file_is_refused_at_once(folder, capsys, payload, fmt):
    feed = INPUT_PAYLOADS[payload](folder)
    code, _, err, took = run(capsys, "import", fmt, str(feed), "--into",
                             str(folder / "incidents.csv"), "--vendors",
                             str(folder / "vendors.csv"))
    assert code != 0 and took < 10
    assert_one_line_error(err, str(feed), "regular file" if payload != "directory" else "folder",
                          lines=None)  # the feed's problems are listed as an InputError
    assert not (folder / "incidents.csv").exists()


@needs_fifo
@needs_dev
@pytest.mark.parametrize("payload", sorted(INPUT_PAYLOADS))
@pytest.mark.parametrize("vendor", [[], ["--vendor", "GitHub"]])
def test_a_vendors_file_that_is_not_a_regular_file_is_refused_at_once(folder, capsys, payload,
                                                                      vendor):
    vendors = INPUT_PAYLOADS[payload](folder)
    code, _, err, took = run(capsys, "import", "msgraph", str(FEEDS / "msgraph_issues.json"),
                             "--into", str(folder / "incidents.csv"), "--vendors",
                             str(vendors), *vendor)
    assert code == 2 and took < 10
    assert_one_line_error(err, str(vendors), "not a regular file", "--vendors")
    assert not (folder / "incidents.csv").exists()


@needs_fifo
@needs_dev
@pytest.mark.parametrize("payload", sorted(INPUT_PAYLOADS))
def test_known_vendor_refuses_a_vendor_file_that_is_not_regular(folder, payload):
    with pytest.raises(InputError, match="not a regular file"):
        command.known_vendor("github", INPUT_PAYLOADS[payload](folder))


def test_a_regular_file_over_the_size_limit_is_refused(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 2049)
    with pytest.raises(InputError, match="larger than"):
        feedjson.read_regular(big, 2048, "give a smaller file")
    assert feedjson.read_regular(big, 4096, "unused") == b"x" * 2049


# ---------------------------------------------------------------- 4. fetch


@pytest.mark.parametrize("timeout", ["inf", "nan", "0", "-1", "-inf", "1e999"])
def test_a_timeout_that_is_not_a_positive_finite_number_is_refused(tmp_path, capsys, timeout):
    code, out, err, _ = run(capsys, "fetch", "statuspage", "http://127.0.0.1:9",
                            "--vendor", "GitHub", "--into", str(tmp_path / "incidents.csv"),
                            f"--timeout={timeout}")
    assert code == 2 and out == ""
    assert_one_line_error(err, "--timeout", "Fix:")


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "http://exa mple.com",
                                 "http://", "http://a\x00b.example", "https://:80/x",
                                 "http://127.0.0.1:port"])
def test_a_malformed_url_gives_a_one_line_error(tmp_path, capsys, url):
    code, out, err, _ = run(capsys, "fetch", "statuspage", url, "--vendor", "GitHub",
                            "--into", str(tmp_path / "incidents.csv"), "--timeout", "2")
    assert code == 1 and out == ""
    assert_one_line_error(err, "could not fetch", "Fix:")
    assert not (tmp_path / "incidents.csv").exists()


Route = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, Route]]]:
    """A local HTTP server on 127.0.0.1: path -> function answering the request."""
    routes: dict[str, Route] = {}

    def answer(handler: BaseHTTPRequestHandler) -> None:
        route = routes.get(handler.path)
        if route is None:
            handler.send_error(404)
        else:
            route(handler)

    with local_server(answer) as url:
        yield url, routes


def redirect(location: str, status: int = 302) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return answer


def feed(body: bytes) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    return answer


def trickle(handler: BaseHTTPRequestHandler) -> None:
    """Promise 1000 bytes, then send one every 0.1 s (each read gets a byte in time)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    for _ in range(100):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.1)


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/incidents.json", "file:///etc/passwd",
                                      "gopher://127.0.0.1/x", "data:,{}"])
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_anything_but_http_is_refused(tmp_path, capsys, server, location,
                                                    status):
    base, routes = server
    routes[FEED_PATH] = redirect(location, status)
    code, out, err, _ = run(capsys, "fetch", "statuspage", base, "--vendor", "GitHub",
                            "--into", str(tmp_path / "incidents.csv"), "--timeout", "5")
    assert code == 1 and out == ""
    assert_one_line_error(err, f"could not fetch {base}{FEED_PATH}", "redirected to",
                          "not an http(s) address")


def test_a_redirect_chain_is_checked_at_every_hop(tmp_path, capsys, server):
    base, routes = server
    routes[FEED_PATH] = redirect("/hop")
    routes["/hop"] = redirect("ftp://127.0.0.1/feed.json")
    code, _, err, _ = run(capsys, "fetch", "statuspage", base, "--vendor", "GitHub",
                          "--into", str(tmp_path / "incidents.csv"), "--timeout", "5")
    assert code == 1
    assert_one_line_error(err, f"{base}/hop", "ftp://127.0.0.1/feed.json")


def test_a_redirect_to_http_is_followed(tmp_path, capsys, server):
    base, routes = server
    routes[FEED_PATH] = redirect("/moved")
    routes["/moved"] = feed((FEEDS / "statuspage_incidents.json").read_bytes())
    code, out, err, _ = run(capsys, "fetch", "statuspage", base, "--vendor", "GitHub",
                            "--into", str(tmp_path / "incidents.csv"), "--dry-run",
                            "--timeout", "5")
    assert (code, err) == (0, "")
    assert "4 imported" in out


def test_endless_redirects_stop_with_a_one_line_error(tmp_path, capsys, server):
    base, routes = server
    routes[FEED_PATH] = redirect(FEED_PATH)
    code, _, err, _ = run(capsys, "fetch", "statuspage", base, "--vendor", "GitHub",
                          "--into", str(tmp_path / "incidents.csv"), "--timeout", "5")
    assert code == 1
    assert_one_line_error(err, "could not fetch")


def test_the_timeout_is_a_deadline_for_the_whole_download_not_per_read(tmp_path, capsys,
                                                                       server):
    base, routes = server
    routes[FEED_PATH] = trickle
    code, _, err, took = run(capsys, "fetch", "statuspage", base, "--vendor", "GitHub",
                             "--into", str(tmp_path / "incidents.csv"), "--timeout", "1")
    assert code == 1
    assert_one_line_error(err, "did not finish within 1 s", "--timeout")
    assert took < 3
    assert not (tmp_path / "incidents.csv").exists()


def test_get_itself_refuses_an_infinite_timeout():
    with pytest.raises(ImportUsageError, match="--timeout inf"):
        fetch.get("http://127.0.0.1:9/", float("inf"))


# ---------------------------------------------------------------- 5. README markers


@pytest.fixture
def readme(tmp_path) -> Path:
    copy = tmp_path / "README.md"
    shutil.copyfile(config.DATA_README, copy)
    return copy


MARKER_DAMAGE: dict[str, tuple[str, str, str]] = {
    "coverage end removed": (datadoc.COVERAGE_END, "", datadoc.COVERAGE_END),
    "coverage start removed": (datadoc.COVERAGE_START, "", datadoc.COVERAGE_START),
    "coverage end reworded": (datadoc.COVERAGE_END, "<!-- end of the coverage -->",
                              datadoc.COVERAGE_END),
    "records end removed": (datadoc.RECORDS_END, "", datadoc.RECORDS_END),
    "records start reworded": (datadoc.RECORDS_START, "<!-- generated from records.csv -->",
                               datadoc.RECORDS_START),
    "dictionary start reworded": (datadoc.DICTIONARY_START, "<!-- data dictionary -->",
                                  datadoc.DICTIONARY_START),
    "coverage end doubled": (datadoc.COVERAGE_END, datadoc.COVERAGE_END + "\n\n" +
                             datadoc.COVERAGE_END, datadoc.COVERAGE_END),
    "marker not on its own line": (datadoc.RECORDS_END, datadoc.RECORDS_END + " trailing",
                                   datadoc.RECORDS_END),
}


@pytest.mark.parametrize("damage", sorted(MARKER_DAMAGE))
def test_a_damaged_marker_is_refused_and_the_readme_left_unchanged(readme, damage):
    marker, replacement, named = MARKER_DAMAGE[damage]
    text = readme.read_text(encoding="utf-8")
    assert text.count(marker) == 1
    readme.write_text(text.replace(marker, replacement), encoding="utf-8")
    before = readme.read_bytes()
    with pytest.raises(datadoc.MarkerError) as caught:
        datadoc.refresh(readme)
    message = str(caught.value)
    assert datadoc.shown(readme) in message and named in message and "Fix:" in message
    assert "\n" not in message
    assert readme.read_bytes() == before
    assert sorted(p.name for p in readme.parent.iterdir()) == ["README.md"]


def test_render_names_data_readme_and_the_marker_by_default():
    text = config.DATA_README.read_text(encoding="utf-8").replace(datadoc.COVERAGE_END, "")
    with pytest.raises(datadoc.MarkerError, match=r"data/README\.md: the marker line"):
        datadoc.render(text, "coverage\n", "dictionary\n")


def test_an_end_marker_before_its_start_is_refused():
    text = (f"intro\n{datadoc.RECORDS_END}\nmine\n{datadoc.RECORDS_START}\nx\n")
    with pytest.raises(datadoc.MarkerError, match="comes before its start marker"):
        datadoc.render_records(text, "table\n")


def test_only_the_text_between_intact_markers_is_replaced():
    text = (f"hand 1\n{datadoc.RECORDS_START}\nold table\n{datadoc.RECORDS_END}\nhand 2\n")
    assert datadoc.render_records(text, "new table\n") == (
        f"hand 1\n{datadoc.RECORDS_START}\nnew table\n{datadoc.RECORDS_END}\nhand 2\n")
    assert datadoc.render_records("no records section\n", "x\n") == "no records section\n"


def test_a_failed_rewrite_leaves_the_old_readme_and_no_temporary_file(readme, monkeypatch):
    before = readme.read_bytes()

    def broken_replace(source: str, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(datadoc.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        datadoc.write_atomically(readme, "new text\n")
    assert readme.read_bytes() == before
    assert sorted(p.name for p in readme.parent.iterdir()) == ["README.md"]


def test_the_rewrite_is_a_rename_of_a_synced_temporary_file(readme, monkeypatch):
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(datadoc.os, "fsync", lambda fd: calls.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(datadoc.os, "replace",
                        lambda a, b: calls.append(f"replace {Path(a).parent == readme.parent}")
                        or real_replace(a, b))
    readme.chmod(0o640)
    datadoc.write_atomically(readme, "new text\n")
    assert calls == ["fsync", "replace True"]
    assert readme.read_text(encoding="utf-8") == "new text\n"
    assert readme.stat().st_mode & 0o777 == 0o640


def test_refresh_keeps_hand_written_text_and_replaces_only_the_sections(readme):
    text = readme.read_text(encoding="utf-8")
    mangled = text.replace(datadoc.COVERAGE_START + "\n",
                           datadoc.COVERAGE_START + "\nstale coverage line\n")
    mangled = "A hand-written line.\n" + mangled
    readme.write_text(mangled, encoding="utf-8")
    assert datadoc.refresh(readme)
    after = readme.read_text(encoding="utf-8")
    assert after.startswith("A hand-written line.\n")
    assert "stale coverage line" not in after
    assert after == "A hand-written line.\n" + datadoc.render_records(
        datadoc.render(text, *_sections()), datadoc.records_block())


def _sections() -> tuple[str, str]:
    from incidents.data import catalogue, load

    incidents = load.load_incidents(config.INCIDENTS_CSV,
                                    vendors=companions.load_vendors(config.VENDORS_CSV))
    return catalogue.coverage_markdown(incidents), schema.data_dictionary_markdown()


@pytest.mark.parametrize("file", ["../outside.csv", "/etc/passwd", "records/../../x.csv",
                                  "C:/x.csv", "..\\x.csv"])
def test_records_csv_refuses_a_record_file_outside_the_data_folder(tmp_path, file):
    from incidents.data import companions

    rows = [{"record_id": "acme-history", "vendor": "Acme Mail", "kind": "status-history",
             "capture": "complete", "complete_from": "2024-01-01", "complete_to": "2025-12-31",
             "capture_rate": "", "file": file, "source_url": "", "archive": "",
             "misses": "nothing stated"}]
    path = write_csv(tmp_path / "records.csv", rows, schema.RECORD_COLUMN_NAMES)
    with pytest.raises(InputError) as raised:
        companions.load_records(path)
    problem = raised.value.problems[0]
    assert (problem.line, problem.column) == (2, "file")


# ---------------------------------------------------------------- an import never leaves the data
# ---------------------------------------------------------------- worse than it was


def _curated_folder(folder: Path, ends: str) -> Path:
    """``folder`` whose records.csv lists GitHub's record of the incident file as a review
    list (a fixed period, unlike a curated selection, which grows), ending on ``ends``, and
    whose incident file holds one valid row."""
    with (folder / "records.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(schema.RECORD_COLUMN_NAMES)
        writer.writerow(["github-curated", "GitHub", "review-list", "selection", "2023-01-01",
                         ends, "", "incidents.csv", "", "", "curated rows"])
    from tests.conftest import incident_row

    write_csv(folder / "incidents.csv", [incident_row(
        incident_id="GH1", vendor="GitHub", product="Actions", record_id="github-curated",
        start_utc="2024-02-01T10:00:00Z", end_utc="2024-02-01T11:00:00Z")],
        schema.INCIDENT_COLUMN_NAMES)
    return folder


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("ends", ["2024-03-31", "2023-06-30"])
def test_an_import_the_whole_data_would_refuse_writes_nothing_and_says_why(
        folder, capsys, dry_run, ends):
    # The feed's incident (1 May 2024) starts after the record the import files it under
    # ends: the incident file alone is valid, the data as a whole is not.
    _curated_folder(folder, ends)
    before = snapshot(folder)
    code, _out, err, _ = run(capsys, "import", "statuspage", str(
        FEEDS / "statuspage_incidents.json"), "--vendor", "GitHub", "--into",
        str(folder / "incidents.csv"), "--vendors", str(folder / "vendors.csv"),
        *(["--dry-run"] if dry_run else []))
    assert code != 0 and "Traceback" not in err
    assert "incidents.csv" in err and "github-curated" in err and "nothing was changed" in err
    assert str(folder) in err and "incidents-import-" not in err
    assert snapshot(folder) == before


def test_an_import_the_whole_data_accepts_is_written(folder, capsys):
    _curated_folder(folder, "2026-11-30")
    code, _out, err, _ = run(capsys, "import", "statuspage", str(
        FEEDS / "statuspage_incidents.json"), "--vendor", "GitHub", "--into",
        str(folder / "incidents.csv"), "--vendors", str(folder / "vendors.csv"))
    assert code == 0, err
    assert "p1fy2ntmjj3j" in (folder / "incidents.csv").read_text(encoding="utf-8")


# ---------------------------------------------------------------- feeds answer with one error


def _statuspage_feed(**incident: object) -> dict:
    import json

    feed = json.loads((FEEDS / "statuspage_incidents.json").read_text(encoding="utf-8"))
    feed["incidents"] = [{**feed["incidents"][0], **incident}]
    return feed


HOSTILE_FEEDS = {
    "huge number": ('{"page": {"name": "GitHub"}, "incidents": [{"id": ' + "7" * 6000 + "}]}",
                    "thousands of digits"),
    "huge number in a list": ("[" + "1" * 5000 + "]", "thousands of digits"),
    "nested deep": ('{"incidents": ' + "[" * 20000 + "]" * 20000 + "}", "nested too deeply"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FEEDS))
def test_a_json_value_python_refuses_to_build_is_one_error(tmp_path, capsys, case):
    text, expected = HOSTILE_FEEDS[case]
    feed = tmp_path / "feed.json"
    feed.write_text(text, encoding="utf-8")
    code, _out, err, _ = run(capsys, "import", "statuspage", str(feed), "--vendor", "GitHub",
                             "--into", str(tmp_path / "incidents.csv"), "--dry-run")
    assert code != 0
    assert_one_line_error(err, expected, str(feed), lines=2)


@pytest.mark.parametrize("line", ["[" * 30000 + "]" * 30000, '{"id": ' + "9" * 4400 + "}",
                                  '{"id": "a", "title": "b\\ud800c"}',
                                  '{"\\udfff": 1}'])
def test_a_json_lines_feed_with_a_hostile_line_names_the_line(tmp_path, capsys, line):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "ok"}\n' + line + "\n", encoding="utf-8")
    code, _out, err, _ = run(capsys, "import", "github-history", str(feed), "--into",
                             str(tmp_path / "incidents.csv"), "--dry-run")
    assert code != 0
    assert_one_line_error(err, f"{feed}, line 2", lines=2)


@pytest.mark.parametrize("where", ["name", "key"])
def test_a_lone_surrogate_escape_is_refused_not_a_traceback_at_writing(tmp_path, capsys, where):
    import json

    feed = _statuspage_feed(name="Git \ud800 outage") if where == "name" else _statuspage_feed(
        **{"odd \udc00 key": 1})
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed), encoding="ascii")  # the escape as a feed writes it
    code, _out, err, _ = run(capsys, "import", "statuspage", str(path), "--vendor", "GitHub",
                             "--into", str(tmp_path / "incidents.csv"))
    assert code != 0
    assert_one_line_error(err, "unpaired surrogate", lines=2)
    assert not (tmp_path / "incidents.csv").exists()


@pytest.mark.parametrize("created, resolved", [
    ("0001-01-01T00:30:00+02:00", None), (None, "9999-12-31T23:30:00-02:00"),
    ("0010-03-04T10:00:00Z", None), ("2024-01-01T10:00:00Z", "3000-01-01T00:00:00Z")])
def test_a_time_outside_any_status_page_years_is_a_problem_not_a_traceback(
        tmp_path, capsys, created, resolved):
    import json

    changes = {key: value for key, value in (("created_at", created),
                                             ("resolved_at", resolved)) if value}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(_statuspage_feed(**changes)), encoding="utf-8")
    code, _out, err, _ = run(capsys, "import", "statuspage", str(path), "--vendor", "GitHub",
                             "--into", str(tmp_path / "incidents.csv"), "--dry-run")
    assert code != 0
    assert_one_line_error(err, "outside the years", lines=None)


@pytest.mark.parametrize("fmt, text", [
    ("statuspage", '{"page": {"name": "GitHub", "url": "https://x.example"}, "incidents": ['
     + ", ".join(["{}"] * 20000) + "]}"),
    ("github-history", "{}\n" * 20000), ("github-history", "not json\n" * 20000)])
def test_thousands_of_broken_entries_give_a_short_report(tmp_path, capsys, fmt, text):
    path = tmp_path / "feed"
    path.write_text(text, encoding="utf-8")
    code, _out, err, _ = run(capsys, "import", fmt, str(path), "--vendor", "GitHub",
                             "--into", str(tmp_path / "incidents.csv"), "--dry-run")
    assert code != 0 and "Traceback" not in err
    assert err.count("\n") <= 60, err[-500:]
    assert "more" in err or "stopped after" in err
