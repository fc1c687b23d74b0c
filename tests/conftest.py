"""Shared helpers: small hand-made incident tables written and loaded like the real file."""

from __future__ import annotations

import contextlib
import csv
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from incidents import config
from incidents.data import companions, load, schema

NOW = pd.Timestamp("2026-11-01T00:00:00Z")

VENDOR_ROWS = [
    {"vendor": "Acme Mail", "services_used": "", "business_functions": "email",
     "dependence_weight": "1.0", "notes": ""},
    {"vendor": "Beta Chat", "services_used": "", "business_functions": "chat",
     "dependence_weight": "0.5", "notes": ""},
]


@pytest.fixture(autouse=True, scope="session")
def private_build_folder(tmp_path_factory):
    """Report runs made by the tests work in a temporary build folder, not the project's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "BUILD_DIR", tmp_path_factory.mktemp("build"))
        yield config.BUILD_DIR


@pytest.fixture(autouse=True)
def no_pages_kept_from_other_tests(private_build_folder):
    """Each test renders its pages afresh: pages kept by an earlier test are dropped (a test
    of reuse renders twice itself)."""
    import shutil

    from incidents.render import reuse

    shutil.rmtree(reuse.cache_dir(), ignore_errors=True)


@pytest.fixture
def no_proxy_for_localhost(monkeypatch):
    """No proxy for 127.0.0.1: the tests' local servers are reached directly."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def incident_row(**overrides: str) -> dict[str, str]:
    """A valid incident row; keyword arguments replace fields."""
    row = {
        "incident_id": "AM1", "vendor": "Acme Mail", "product": "Mail", "service": "Mailbox",
        "title": "Mail down", "classification": "incident", "impact": "outage", "severity": "3",
        "start_utc": "2025-01-10T10:00:00Z", "start_precision": "minute",
        "end_utc": "2025-01-10T12:00:00Z", "end_precision": "minute", "detected_utc": "",
        "affected_clients": "outlook-web", "regions": "europe",
        "root_cause_category": "change-deployment", "root_cause": "A change.",
        "mitigation": "rollback", "change_induced": "yes", "related_ids": "",
        "source_urls": "https://example.org/status/1", "notes": "", "record_id": "",
        "event_id": "", "scope": "all-users", "end_latest_utc": "", "last_impact_utc": "",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: Iterable[Mapping[str, str]], columns: Iterable[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def vendors_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "vendors.csv", VENDOR_ROWS, schema.VENDOR_COLUMN_NAMES)


@pytest.fixture
def make_table(tmp_path: Path, vendors_file: Path):
    """Build a typed incident table from row overrides, through the real loader."""
    counter = {"n": 0}

    def build(*rows: Mapping[str, str]) -> pd.DataFrame:
        counter["n"] += 1
        path = tmp_path / f"incidents-{counter['n']}.csv"
        full = [incident_row(**{"incident_id": f"AM{i}", **row}) for i, row in enumerate(rows)]
        write_csv(path, full, schema.INCIDENT_COLUMN_NAMES)
        return load.load_incidents(path, vendors=companions.load_vendors(vendors_file), now=NOW)

    return build


@contextlib.contextmanager
def local_server(answer: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (never another host) whose GET requests ``answer`` handles;
    yields its base URL and stops it afterwards. A client that gives up mid-answer is ignored."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                answer(self)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
