"""A tenant's Microsoft 365 service health, fetched from Microsoft Graph.

``GET /admin/serviceAnnouncement/issues`` (app-only permission ``ServiceHealth.Read.All``)
returns the tenant's service health issues with their posts, a page at a time: every page is
followed through ``@odata.nextLink``, and a ``429`` or ``503`` answer is waited out as its
``Retry-After`` asks (a few times at most). The pages are joined into the ``{"value": [...]}``
the ``msgraph`` importer reads, so a weekly run merges into the tenant record and keeps a
history longer than the 30 days Microsoft keeps.

Authentication, never from the command line:

* ``--token-env NAME``: a bearer token already in the environment variable ``NAME`` (as
  ``az account get-access-token --resource https://graph.microsoft.com --query accessToken
  -o tsv`` prints);
* otherwise Microsoft's MSAL, client-credentials flow, from the environment:
  ``INCIDENTS_GRAPH_TENANT_ID`` and ``INCIDENTS_GRAPH_CLIENT_ID``, and either a client secret
  (``INCIDENTS_GRAPH_CLIENT_SECRET``, or ``INCIDENTS_GRAPH_CLIENT_SECRET_FILE`` naming a file
  that holds it) or a certificate (``INCIDENTS_GRAPH_CERT_FILE``, a PEM file with the private
  key, and ``INCIDENTS_GRAPH_CERT_THUMBPRINT``). ``INCIDENTS_GRAPH_AUTHORITY`` replaces
  ``https://login.microsoftonline.com`` (a national cloud).
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from incidents.data.importers import fetch
from incidents.errors import ImportUsageError

GRAPH_URL = "https://graph.microsoft.com/v1.0"
ISSUES_PATH = "/admin/serviceAnnouncement/issues"
SCOPE = "https://graph.microsoft.com/.default"
AUTHORITY = "https://login.microsoftonline.com"
#: Environment variables MSAL's client-credentials flow reads.
TENANT, CLIENT = "INCIDENTS_GRAPH_TENANT_ID", "INCIDENTS_GRAPH_CLIENT_ID"
SECRET, SECRET_FILE = "INCIDENTS_GRAPH_CLIENT_SECRET", "INCIDENTS_GRAPH_CLIENT_SECRET_FILE"
CERT_FILE, THUMBPRINT = "INCIDENTS_GRAPH_CERT_FILE", "INCIDENTS_GRAPH_CERT_THUMBPRINT"
AUTHORITY_VARIABLE = "INCIDENTS_GRAPH_AUTHORITY"
#: Pages followed at most (Graph pages 100 issues; a tenant holds a few hundred at most).
MAX_PAGES = 100
#: Throttled answers waited out per page, and the longest wait taken.
MAX_RETRIES, MAX_WAIT = 4, 120.0

SETUP_FIX = (f"set {TENANT} and {CLIENT} and either {SECRET} (or {SECRET_FILE}) or {CERT_FILE} "
             f"with {THUMBPRINT} for an app registration granted ServiceHealth.Read.All, or "
             "pass --token-env NAME with a bearer token in that variable")


def bearer_token(token_env: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The bearer token to call Graph with: from ``token_env`` when given, else from MSAL."""
    if token_env:
        token = environ.get(token_env, "").strip()
        if not token:
            raise ImportUsageError(f"--token-env {token_env}: the variable is empty or not set. "
                                   f"Fix: export {token_env}=<token> (e.g. from az account "
                                   "get-access-token --resource https://graph.microsoft.com)")
        return token
    return msal_token(environ)


def msal_token(environ: Mapping[str, str] = os.environ) -> str:
    """An app-only token for Graph by MSAL's client-credentials flow (see the module)."""
    import msal

    tenant, client = environ.get(TENANT, "").strip(), environ.get(CLIENT, "").strip()
    if not tenant or not client:
        raise ImportUsageError(f"no Microsoft Graph credentials. Fix: {SETUP_FIX}")
    authority = environ.get(AUTHORITY_VARIABLE, "").strip().rstrip("/") or AUTHORITY
    try:
        # Instance discovery asks login.microsoftonline.com about the authority: only for
        # Microsoft's own host (another one, a national cloud or a test double, is taken as
        # given, so nothing else is ever contacted).
        app = msal.ConfidentialClientApplication(
            client, authority=f"{authority}/{urllib.parse.quote(tenant, safe='')}",
            client_credential=_credential(environ), instance_discovery=authority == AUTHORITY)
        result = app.acquire_token_for_client(scopes=[SCOPE])
    except (ValueError, OSError) as exc:  # a malformed authority, an unreachable host
        raise fetch.FetchError(authority, f"sign-in failed ({' '.join(str(exc).split())})",
                               SETUP_FIX) from None
    if "access_token" not in result:
        why = result.get("error_description") or result.get("error") or "no token returned"
        raise fetch.FetchError(authority, f"sign-in was refused: {why.splitlines()[0]}",
                               SETUP_FIX)
    return str(result["access_token"])


def _credential(environ: Mapping[str, str]) -> str | dict[str, str]:
    """The client secret, or the certificate as MSAL takes it."""
    if environ.get(SECRET, "").strip():
        return environ[SECRET].strip()
    if environ.get(SECRET_FILE, "").strip():
        return _read_secret(Path(environ[SECRET_FILE]), SECRET_FILE)
    if environ.get(CERT_FILE, "").strip() and environ.get(THUMBPRINT, "").strip():
        return {"private_key": _read_secret(Path(environ[CERT_FILE]), CERT_FILE),
                "thumbprint": environ[THUMBPRINT].strip()}
    raise ImportUsageError(f"no client secret or certificate. Fix: {SETUP_FIX}")


def _read_secret(path: Path, variable: str) -> str:
    try:
        if not path.is_file():
            raise OSError("not a regular file")
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportUsageError(f"{variable}={path}: the file cannot be read ({exc}). Fix: "
                               "point it at the file that holds the secret") from None
    if not text or len(text) > 64 * 1024:
        raise ImportUsageError(f"{variable}={path}: the file is empty or too large. Fix: "
                               "point it at the file that holds the secret")
    return text


def issues_url(graph_url: str) -> str:
    """The issues endpoint under ``graph_url`` (``https://graph.microsoft.com/v1.0``)."""
    base = graph_url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in fetch.WEB_SCHEMES or not parts.hostname:
        raise ImportUsageError(f"--graph-url {graph_url!r} is not an http(s) address. Fix: "
                               f"leave it out (default {GRAPH_URL}) or give e.g. {GRAPH_URL}")
    return base + ISSUES_PATH


def fetch_issues(graph_url: str, token: str, timeout: float,
                 sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Every service health issue the tenant's Graph returns, every page followed, as
    ``{"value": [...]}``; a throttled page is asked again after its ``Retry-After``."""
    url: str | None = issues_url(graph_url)
    first_host = urllib.parse.urlsplit(url).hostname
    issues: list[Any] = []
    for _ in range(MAX_PAGES):
        if url is None:
            return {"value": issues}
        page = _page(url, token, timeout, sleep)
        value = page.get("value") if isinstance(page, dict) else None
        if not isinstance(value, list):
            raise fetch.FetchError(url, "the answer has no 'value' list of issues",
                                   "check --graph-url: it should end in /v1.0")
        issues += value
        url = page.get("@odata.nextLink") or None
        if url is not None and urllib.parse.urlsplit(str(url)).hostname != first_host:
            raise fetch.FetchError(str(url), "the next page is on another host",
                                   "check --graph-url; the token is sent to its host only")
    raise fetch.FetchError(graph_url, f"more than {MAX_PAGES} pages", "check --graph-url")


def _page(url: str, token: str, timeout: float, sleep: Callable[[float], None]) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    for attempt in range(MAX_RETRIES + 1):
        try:
            body = fetch.get(url, timeout, secret_headers=headers)
        except fetch.FetchError as exc:
            if exc.status in (429, 503) and attempt < MAX_RETRIES:
                sleep(min(exc.retry_after if exc.retry_after is not None else 2.0 ** attempt,
                          MAX_WAIT))
                continue
            if exc.status in (401, 403):
                raise fetch.FetchError(url, f"Graph refused the token (HTTP {exc.status})",
                                       "grant the app ServiceHealth.Read.All (application "
                                       "permission, admin consent) or renew the token"
                                       ) from None
            raise
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise fetch.FetchError(url, "the answer is not JSON",
                                   "check --graph-url: it should end in /v1.0") from None
    raise fetch.FetchError(url, f"still throttled after {MAX_RETRIES} retries",
                           "try again later")
