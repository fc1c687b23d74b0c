"""The ``import`` and ``fetch`` commands, run through the project's CLI entry point."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from incidents import cli, config
from incidents.data import schema
from incidents.data.importers import fetch
from tests.conftest import local_server

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


@pytest.fixture
def vendors(tmp_path) -> Path:
    lines = [",".join(schema.VENDOR_COLUMN_NAMES)]
    for name in ("GitHub", "Microsoft 365", "Google Cloud"):
        cells = dict.fromkeys(schema.VENDOR_COLUMN_NAMES, "")
        cells.update(vendor=name, dependence_weight="0.5")
        lines.append(",".join(cells[c] for c in schema.VENDOR_COLUMN_NAMES))
    path = tmp_path / "vendors.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: Requests to the local doubles never go through a proxy set in the environment.
pytestmark = pytest.mark.usefixtures("no_proxy_for_localhost")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- import


def test_import_prints_added_updated_unchanged_dropped_warnings_and_mappings(
        tmp_path, vendors, capsys):
    target = tmp_path / "incidents.csv"
    code, out, err = run(capsys, "import", "msgraph", str(FEEDS / "msgraph_issues.json"),
                         "--into", str(target), "--vendors", str(vendors))
    assert (code, err) == (0, "")
    assert "6 incident(s) in the feed, 5 imported, 1 dropped" in out
    assert "added 5, updated 0, unchanged 0" in out
    assert "start contradicted by post text (1):" in out
    assert "dropped (1):" in out
    assert "mappings used (incidents):" in out
    assert "severity: microsoft 365 classification 'incident' -> 3:" in out
    assert target.exists()


def test_import_defaults_to_the_configured_incident_file_not_data_dir(tmp_path, vendors,
                                                                      capsys, monkeypatch):
    target = tmp_path / "elsewhere.csv"
    monkeypatch.setenv(config.DATA_ENV, str(target))
    code, out, _ = run(capsys, "import", "gcloud", str(FEEDS / "gcloud_incidents.json"),
                       "--vendors", str(vendors))
    assert code == 0
    assert f"{target} updated: added 3" in out


def test_import_statuspage_without_vendor_takes_the_page_name(tmp_path, vendors, capsys):
    target = tmp_path / "incidents.csv"
    code, out, err = run(capsys, "import", "statuspage",
                         str(FEEDS / "statuspage_incidents.json"), "--into", str(target),
                         "--vendors", str(vendors))
    assert (code, err) == (0, "")
    assert "vendor 'GitHub' is the page's name" in out
    assert ",GitHub," in target.read_text(encoding="utf-8")


def test_import_vendor_name_is_matched_ignoring_case(tmp_path, vendors, capsys):
    target = tmp_path / "incidents.csv"
    code, _, err = run(capsys, "import", "statuspage", str(FEEDS / "statuspage_incidents.json"),
                       "--vendor", "github", "--into", str(target), "--vendors", str(vendors))
    assert (code, err) == (0, "")
    assert ",GitHub," in target.read_text(encoding="utf-8")
    assert ",github," not in target.read_text(encoding="utf-8")


def test_import_statuspage_feed_without_page_name_exits_2_and_says_how_to_fix(tmp_path,
                                                                              capsys):
    import json

    feed = json.loads((FEEDS / "statuspage_incidents.json").read_text(encoding="utf-8"))
    del feed["page"]
    nameless = tmp_path / "nameless.json"
    nameless.write_text(json.dumps(feed), encoding="utf-8")
    target = tmp_path / "incidents.csv"
    code, _, err = run(capsys, "import", "statuspage", str(nameless), "--into", str(target))
    assert code == 2
    assert "does not say which vendor" not in err and "no page.name" in err
    assert "--vendor" in err and "Fix:" in err
    assert "Traceback" not in err
    assert not target.exists()


def test_import_dry_run_prints_the_diff_and_leaves_the_file_untouched(tmp_path, vendors,
                                                                      capsys):
    target = tmp_path / "incidents.csv"
    run(capsys, "import", "msgraph", str(FEEDS / "msgraph_issues.json"), "--into", str(target),
        "--vendors", str(vendors))
    before = target.read_bytes()
    code, out, _ = run(capsys, "import", "msgraph", str(FEEDS / "msgraph_issues_reimport.json"),
                       "--into", str(target), "--vendors", str(vendors), "--dry-run")
    assert code == 0
    assert target.read_bytes() == before
    assert "dry run: the file was left untouched" in out
    assert "~ Microsoft 365 / EX1256020" in out
    assert "classification: 'incident' -> 'advisory'" in out
    assert "start_utc: '2026-03-19T18:30:00Z' -> '2026-03-19T15:00:00Z'" in out


def test_import_dry_run_into_a_missing_file_lists_added_ids_and_creates_nothing(
        tmp_path, vendors, capsys):
    target = tmp_path / "incidents.csv"
    code, out, _ = run(capsys, "import", "gcloud", str(FEEDS / "gcloud_incidents.json"),
                       "--into", str(target), "--vendors", str(vendors), "--dry-run")
    assert code == 0
    assert "+ Google Cloud / kHsnqq3TuHz8iMhYYQ8T" in out
    assert not target.exists()


def test_import_of_malformed_json_exits_1_naming_file_and_line_without_traceback(
        tmp_path, vendors, capsys):
    feed = tmp_path / "feed.json"
    feed.write_text('[\n  {"id": "x",\n   "begin": }\n]\n', encoding="utf-8")
    code, _, err = run(capsys, "import", "gcloud", str(feed), "--into",
                       str(tmp_path / "incidents.csv"), "--vendors", str(vendors))
    assert code == 1
    assert f"{feed}, line 3" in err and "Fix:" in err
    assert "Traceback" not in err


def test_import_of_a_feed_in_the_wrong_format_exits_1_suggesting_the_format(tmp_path, vendors,
                                                                            capsys):
    code, _, err = run(capsys, "import", "statuspage", str(FEEDS / "msgraph_issues.json"),
                       "--vendor", "GitHub", "--into", str(tmp_path / "incidents.csv"))
    assert code == 1
    assert "column '$'" in err and "looks like a msgraph feed" in err


def test_import_of_a_missing_file_exits_1(tmp_path, capsys):
    code, _, err = run(capsys, "import", "gcloud", str(tmp_path / "nope.json"), "--into",
                       str(tmp_path / "incidents.csv"))
    assert code == 1
    assert "does not exist" in err


# ---------------------------------------------------------------- fetch


class _Routes(dict):
    """path -> (status, content type, body, delay in seconds)."""


@pytest.fixture
def server() -> Iterator[tuple[str, _Routes]]:
    routes = _Routes()

    def answer(handler: BaseHTTPRequestHandler) -> None:
        status, kind, body, delay = routes.get(handler.path, (404, "text/plain", b"nope", 0))
        time.sleep(delay)
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with local_server(answer) as url:
        yield url, routes


FEED_PATH = "/api/v2/incidents.json"


def test_fetch_downloads_the_statuspage_feed_from_a_local_server_and_imports_it(
        tmp_path, vendors, capsys, server):
    base, routes = server
    routes[FEED_PATH] = (200, "application/json",
                         (FEEDS / "statuspage_incidents.json").read_bytes(), 0)
    target = tmp_path / "incidents.csv"
    code, out, err = run(capsys, "fetch", "statuspage", base + "/", "--vendor", "GitHub",
                         "--into", str(target), "--vendors", str(vendors))
    assert (code, err) == (0, "")
    assert f"{base}{FEED_PATH} (statuspage): 4 incident(s) in the feed, 4 imported" in out
    assert "added 4" in out
    assert "p1fy2ntmjj3j" in target.read_text(encoding="utf-8")


def test_fetch_without_vendor_uses_the_page_name_and_says_so(tmp_path, vendors, capsys,
                                                             server):
    base, routes = server
    routes[FEED_PATH] = (200, "application/json",
                         (FEEDS / "statuspage_incidents.json").read_bytes(), 0)
    code, out, _ = run(capsys, "fetch", "statuspage", base, "--into",
                       str(tmp_path / "incidents.csv"), "--vendors", str(vendors),
                       "--dry-run")
    assert code == 0
    assert "vendor 'GitHub' is the page's name" in out
    assert "+ GitHub / p1fy2ntmjj3j" in out


def test_fetch_from_a_closed_port_exits_1_with_a_clear_offline_error(tmp_path, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = tmp_path / "incidents.csv"
    code, out, err = run(capsys, "fetch", "statuspage", f"http://127.0.0.1:{port}",
                         "--vendor", "GitHub", "--into", str(target), "--timeout", "2")
    assert code == 1
    assert f"could not fetch http://127.0.0.1:{port}{FEED_PATH}" in err
    assert "refused" in err and "Fix:" in err
    assert "Traceback" not in err
    assert out == ""
    assert not target.exists()


def test_fetch_http_error_exits_1_naming_the_url_and_status(tmp_path, capsys, server):
    base, _ = server
    code, _, err = run(capsys, "fetch", "statuspage", base, "--vendor", "GitHub", "--into",
                       str(tmp_path / "incidents.csv"))
    assert code == 1
    assert f"could not fetch {base}{FEED_PATH}: the server answered HTTP 404" in err


def test_fetch_of_a_non_json_answer_exits_1_naming_the_url(tmp_path, capsys, server):
    base, routes = server
    routes[FEED_PATH] = (200, "text/html", b"<html><body>Maintenance</body></html>", 0)
    code, _, err = run(capsys, "fetch", "statuspage", base, "--vendor", "GitHub", "--into",
                       str(tmp_path / "incidents.csv"))
    assert code == 1
    assert f"{base}{FEED_PATH}, line 1" in err and "not a JSON feed" in err


def test_fetch_that_gets_no_answer_in_time_exits_1_naming_the_timeout(tmp_path, capsys,
                                                                      server):
    base, routes = server
    routes[FEED_PATH] = (200, "application/json", b"{}", 3)
    started = time.monotonic()
    code, _, err = run(capsys, "fetch", "statuspage", base, "--vendor", "GitHub", "--into",
                       str(tmp_path / "incidents.csv"), "--timeout", "0.5")
    assert code == 1
    assert "no answer within 0.5 s" in err
    assert time.monotonic() - started < 2.5


def test_dns_failure_and_refused_connection_are_named_in_plain_words():
    assert "could not be resolved" in fetch._reason(socket.gaierror(-2, "Name unknown"), 10)
    assert "refused" in fetch._reason(ConnectionRefusedError(111, "Connection refused"), 10)
    assert fetch._reason(TimeoutError(), 2.5) == "no answer within 2.5 s"


@pytest.mark.parametrize(("given", "expected"), [
    ("https://www.githubstatus.com", "https://www.githubstatus.com/api/v2/incidents.json"),
    ("https://www.githubstatus.com/", "https://www.githubstatus.com/api/v2/incidents.json"),
    ("https://x.example/api/v2/incidents.json", "https://x.example/api/v2/incidents.json"),
])
def test_statuspage_feed_url_appends_the_feed_path_once(given, expected):
    assert fetch.statuspage_feed_url(given) == expected


@pytest.mark.parametrize("given", ["www.githubstatus.com", "ftp://x.example", ""])
def test_statuspage_feed_url_rejects_non_http_addresses(given):
    with pytest.raises(fetch.FetchError, match="not an http"):
        fetch.statuspage_feed_url(given)
