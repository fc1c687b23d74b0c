"""``incidents fetch msgraph``: a tenant's service health from Microsoft Graph, tested against
local doubles on 127.0.0.1 (a Graph that pages, throttles once and returns a false positive;
an MSAL sign-in endpoint over TLS with its own certificate). No test reaches the network."""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from incidents import cli
from incidents.data import schema
from incidents.data.importers import fetch, graph
from incidents.errors import ImportUsageError
from tests.conftest import local_server

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
TOKEN = "test-token-abc"


#: Requests to the local doubles never go through a proxy set in the environment.
pytestmark = pytest.mark.usefixtures("no_proxy_for_localhost")


def issues() -> list[dict]:
    return json.loads((FEEDS / "msgraph_issues.json").read_text(encoding="utf-8"))["value"]


@contextlib.contextmanager
def graph_double(pages: list[list[dict]], throttle_once: bool = True,
                 status: int | None = None) -> Iterator[tuple[str, list[dict]]]:
    """A Graph on 127.0.0.1 serving ``pages`` through @odata.nextLink; the first request of
    the second page is answered 429 with Retry-After 0. Yields the base URL and the log of
    requests (path and Authorization header)."""
    seen: list[dict] = []
    throttled: list[bool] = []

    def answer(handler: BaseHTTPRequestHandler) -> None:
        seen.append({"path": handler.path, "auth": handler.headers.get("Authorization")})
        if status is not None:
            handler.send_response(status)
            handler.end_headers()
            return
        number = int(parse_qs(handler.path.partition("?")[2]).get("page", ["0"])[0])
        if number == 1 and throttle_once and not throttled:
            throttled.append(True)
            handler.send_response(429)
            handler.send_header("Retry-After", "0")
            handler.end_headers()
            return
        body: dict = {"value": pages[number]}
        if number + 1 < len(pages):
            base = f"http://127.0.0.1:{handler.server.server_port}"
            body["@odata.nextLink"] = (f"{base}/v1.0/admin/serviceAnnouncement/issues"
                                       f"?page={number + 1}")
        data = json.dumps(body).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    with local_server(answer) as base:
        yield base + "/v1.0", seen


def test_every_page_is_followed_and_a_throttled_page_is_asked_again():
    everything = issues()
    waits: list[float] = []
    with graph_double([everything[:2], everything[2:4], everything[4:]]) as (url, seen):
        data = graph.fetch_issues(url, TOKEN, timeout=5, sleep=waits.append)
    assert [issue["id"] for issue in data["value"]] == [issue["id"] for issue in everything]
    assert waits == [0.0]  # the Retry-After the double sent
    assert len(seen) == 4 and {request["auth"] for request in seen} == {f"Bearer {TOKEN}"}


def test_a_refused_token_is_one_error_saying_which_permission():
    with graph_double([[]], status=403) as (url, _), pytest.raises(
            fetch.FetchError, match=r"ServiceHealth\.Read\.All"):
        graph.fetch_issues(url, TOKEN, timeout=5, sleep=lambda _s: None)


def test_a_next_page_on_another_host_is_never_sent_the_token():
    def answer(handler: BaseHTTPRequestHandler) -> None:
        data = json.dumps({"value": [], "@odata.nextLink": "http://elsewhere.example/x"}
                          ).encode()
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    with local_server(answer) as base, pytest.raises(fetch.FetchError, match="another host"):
        graph.fetch_issues(base + "/v1.0", TOKEN, timeout=5)


@pytest.fixture
def folder(tmp_path) -> Path:
    lines = [",".join(schema.VENDOR_COLUMN_NAMES)]
    cells = dict.fromkeys(schema.VENDOR_COLUMN_NAMES, "")
    cells.update(vendor="Microsoft 365", dependence_weight="1.0")
    lines.append(",".join(cells[c] for c in schema.VENDOR_COLUMN_NAMES))
    (tmp_path / "vendors.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_fetch_msgraph_merges_into_the_tenant_record_and_again_changes_nothing(
        folder, monkeypatch, capsys):
    monkeypatch.setenv("GRAPH_TOKEN", TOKEN)
    everything = issues()
    argv = ["fetch", "msgraph", "--token-env", "GRAPH_TOKEN", "--record",
            "microsoft-365-tenant", "--into", str(folder / "incidents.csv"), "--vendors",
            str(folder / "vendors.csv")]
    with graph_double([everything[:3], everything[3:]]) as (url, _):
        assert cli.main([*argv, "--graph-url", url]) == 0, capsys.readouterr().err
        first = (folder / "records" / "microsoft-365-tenant.csv").read_text(encoding="utf-8")
        assert cli.main([*argv, "--graph-url", url]) == 0
    out = capsys.readouterr().out
    ids = [row["incident_id"] for row in csv.DictReader(first.splitlines())]
    assert "EX1256020" in ids and "EX1270000" not in ids  # the false positive is dropped
    assert "microsoft-365-tenant" in (folder / "records.csv").read_text(encoding="utf-8")
    assert (folder / "records" / "microsoft-365-tenant.csv").read_text(encoding="utf-8") == first
    assert "added 0" in out.splitlines()[-1] or "unchanged" in out


@pytest.mark.parametrize("argv, message", [
    (["fetch", "msgraph", "--token-env", "EMPTY_TOKEN"], "EMPTY_TOKEN"),
    (["fetch", "msgraph"], "INCIDENTS_GRAPH_TENANT_ID"),
    (["fetch", "msgraph", "https://graph.microsoft.com"], "takes no URL"),
    (["fetch", "msgraph", "--token-env", "T", "--graph-url", "ftp://x"], "not an http(s)"),
    (["fetch", "statuspage"], "takes the status page's URL"),
])
def test_fetch_msgraph_refusals_are_one_line(monkeypatch, capsys, tmp_path, argv, message):
    for name in (graph.TENANT, graph.CLIENT, graph.SECRET, graph.SECRET_FILE, graph.CERT_FILE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EMPTY_TOKEN", "")
    monkeypatch.setenv("T", TOKEN)
    code = cli.main([*argv, "--into", str(tmp_path / "incidents.csv")])
    err = capsys.readouterr().err
    assert code != 0 and err.startswith("error: ") and "Traceback" not in err
    assert message in err


# ---------------------------------------------------------------- MSAL against a local double


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 (the sign-in double's TLS)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@contextlib.contextmanager
def sign_in_double(folder: Path, refuse: bool = False) -> Iterator[tuple[str, list[dict]]]:
    """An Entra ID sign-in endpoint on https://127.0.0.1 (OpenID discovery and the token
    endpoint); yields the authority host and the token requests' form fields."""
    cert_file, key_file = _self_signed(folder)
    posts: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def _json(self, body: dict, code: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            base = f"https://127.0.0.1:{self.server.server_port}/tenant-1"
            self._json({"token_endpoint": f"{base}/oauth2/v2.0/token",
                        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                        "issuer": f"{base}/v2.0"})

        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", 0))
            posts.append({k: v[0] for k, v in parse_qs(self.rfile.read(size).decode()).items()})
            if refuse:
                self._json({"error": "invalid_client", "error_description":
                            "AADSTS7000215: Invalid client secret provided."}, 401)
            else:
                self._json({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3599})

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{httpd.server_port}", posts
    finally:
        httpd.shutdown()
        httpd.server_close()


def _environment(authority: str, folder: Path, **extra: str) -> dict[str, str]:
    return {graph.TENANT: "tenant-1", graph.CLIENT: "client-1",
            graph.AUTHORITY_VARIABLE: authority, **extra}


def test_msal_signs_in_with_the_client_secret_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret\n", encoding="utf-8")
    with sign_in_double(tmp_path) as (authority, posts):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "cert.pem"))
        token = graph.bearer_token(None, _environment(authority, tmp_path, **{
            graph.SECRET_FILE: str(secret)}))
    assert token == TOKEN
    assert posts[-1]["grant_type"] == "client_credentials"
    assert posts[-1]["client_id"] == "client-1" and posts[-1]["client_secret"] == "s3cret"
    assert posts[-1]["scope"].startswith("https://graph.microsoft.com/.default")


def test_a_refused_sign_in_is_one_error_with_the_reason(tmp_path, monkeypatch):
    with sign_in_double(tmp_path, refuse=True) as (authority, _):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "cert.pem"))
        with pytest.raises(fetch.FetchError, match="Invalid client secret"):
            graph.bearer_token(None, _environment(authority, tmp_path,
                                                  **{graph.SECRET: "wrong"}))


def test_credentials_without_a_secret_or_certificate_are_refused():
    with pytest.raises(ImportUsageError, match="no client secret or certificate"):
        graph.msal_token({graph.TENANT: "t", graph.CLIENT: "c"})
