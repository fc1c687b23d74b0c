"""Download a Statuspage feed with urllib; every failure becomes a plain, actionable error."""

from __future__ import annotations

import http.client
import math
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from incidents import __version__
from incidents.data.importers.feedjson import MAX_FEED_BYTES
from incidents.errors import ImportUsageError, IncidentsError

STATUSPAGE_FEED_PATH = "/api/v2/incidents.json"
USER_AGENT = f"incidents-importer/{__version__} (+reliability report)"
#: Schemes a download may use, at the start and at every redirect.
WEB_SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
READ_CHUNK = 64 * 1024


class FetchError(IncidentsError):
    """The feed could not be downloaded (offline, DNS failure, HTTP error, too large)."""

    def __init__(self, url: str, what: str, fix: str, status: int | None = None,
                 retry_after: float | None = None) -> None:
        self.url = url
        self.status = status  # the HTTP status, when the server answered with an error
        self.retry_after = retry_after  # seconds the server asked to wait (429, 503)
        super().__init__(f"could not fetch {url}: {what}. Fix: {fix}")


def check_timeout(seconds: float) -> float:
    """``seconds`` when it is a positive, finite number; otherwise an
    :class:`ImportUsageError` (``inf`` or ``nan`` would make the deadline meaningless)."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise ImportUsageError(f"--timeout {seconds:g} is not a positive, finite number of "
                               "seconds. Fix: pass e.g. --timeout 10")
    return seconds


def statuspage_feed_url(page_url: str) -> str:
    """The incidents feed of the status page at ``page_url`` (a full feed URL is kept)."""
    url = page_url.strip()
    example = "give the status page's address, e.g. https://www.githubstatus.com"
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError as exc:
        raise FetchError(_shown(url), f"the address is malformed ({exc})", example) from None
    if parts.scheme not in WEB_SCHEMES or not parts.hostname:
        raise FetchError(_shown(url) or "''", "this is not an http(s) address", example)
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise FetchError(_shown(url), "the address is malformed (it holds a space or a control "
                         "character)", example)
    if parts.path.rstrip("/").endswith(STATUSPAGE_FEED_PATH):
        return url
    return url.rstrip("/") + STATUSPAGE_FEED_PATH


def _shown(url: str) -> str:
    """``url`` for a one-line message: control characters escaped, cut at 200 characters."""
    text = url if len(url) <= 200 else url[:200] + "..."
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _WebOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow at most :data:`MAX_REDIRECTS` redirects, each only to an http(s) address (urllib
    itself would follow one to ``ftp://``), each hop given only what is left of the deadline."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.timeout = max(self.deadline - time.monotonic(), 0.001)  # type: ignore[attr-defined]
        return new

    def http_error_302(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                       headers: Any) -> Any:
        location = headers.get("location") or headers.get("uri")
        if location:
            target = urllib.parse.urljoin(req.full_url, location)
            if urllib.parse.urlsplit(target).scheme.lower() not in WEB_SCHEMES:
                fp.close()
                raise FetchError(req.full_url, f"the server redirected to {_shown(target)}, "
                                 "which is not an http(s) address",
                                 "give the status page's own https address")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def get(url: str, timeout: float, secret_headers: dict[str, str] | None = None) -> bytes:
    """The body of ``url``, downloaded within ``timeout`` seconds in all (a deadline for the
    whole download, redirects included, not per read: a server that trickles bytes cannot
    hold the command); raises :class:`FetchError` naming the URL and the fix.

    ``secret_headers`` (an ``Authorization`` bearer token) go to ``url`` only, never to a host
    it redirects to."""
    check_timeout(timeout)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "application/json"})
    for name, value in (secret_headers or {}).items():
        request.add_unredirected_header(name, value)
    opener = urllib.request.build_opener(_WebOnlyRedirects(deadline))
    offline_fix = ("check the address and your network connection (and proxy settings), or "
                   "download the feed with a browser and run 'import' on the file")
    try:
        with opener.open(request, timeout=timeout) as response:
            body = _read_body(response, deadline, url, timeout)
    except urllib.error.HTTPError as exc:
        raise _http_error(url, exc) from None
    except urllib.error.URLError as exc:
        raise FetchError(url, _reason(exc.reason, timeout), offline_fix) from None
    except TimeoutError:
        raise FetchError(url, f"no answer within {timeout:g} s", offline_fix) from None
    except (OSError, ValueError) as exc:  # connection reset mid-download, bad URL
        raise FetchError(url, _reason(exc, timeout), offline_fix) from None
    except http.client.HTTPException as exc:  # a cut-off or garbled answer
        raise FetchError(url, f"the answer was incomplete or garbled ({type(exc).__name__})",
                         "try again; if it persists, download the feed with a browser and "
                         "run 'import' on the file") from None
    if len(body) > MAX_FEED_BYTES:
        raise FetchError(url, f"the answer is larger than {MAX_FEED_BYTES // 2**20} MB",
                         "check that the address is a status page's incident feed")
    return body


def _http_error(url: str, exc: urllib.error.HTTPError) -> FetchError:
    """The error for an HTTP error status, on one line (urllib's own reasons for a redirect
    loop span several)."""
    if 300 <= exc.code < 400:
        return FetchError(url, f"the server redirected more than {MAX_REDIRECTS} times or in a "
                          "loop", "give the status page's final https address")
    fix = ("check the status page's address: the feed is at <page>/api/v2/incidents.json"
           if exc.code == 404 else "try again later; the server refused or failed")
    reason = " ".join(str(exc.reason).split())
    return FetchError(url, f"the server answered HTTP {exc.code} {reason}", fix,
                      status=exc.code, retry_after=_retry_after(exc.headers))


def _retry_after(headers: Any) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds; None when absent or a date."""
    value = headers.get("Retry-After") if headers is not None else None
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def _read_body(response: Any, deadline: float, url: str, timeout: float) -> bytes:
    """The body, read in pieces as they arrive until the end, :data:`MAX_FEED_BYTES` + 1 bytes
    or the deadline (then a :class:`FetchError`); each read waits only for what is left."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_FEED_BYTES:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            _limit_wait(response, left)
            chunk = response.read1(READ_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except TimeoutError:
        raise FetchError(url, f"the download did not finish within {timeout:g} s (the server "
                         "sends too slowly)", "try again later, or pass a longer --timeout"
                         ) from None
    return b"".join(chunks)


def _limit_wait(response: Any, seconds: float) -> None:
    """Let the next socket read wait at most ``seconds`` (http.client keeps the socket behind
    ``response.fp``; without it, a read waits the connection's own timeout at most)."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(seconds)


def _reason(reason: object, timeout: float) -> str:
    if isinstance(reason, socket.gaierror):
        return "the host name could not be resolved (offline, or a typo in the address)"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused (nothing answers at that address and port)"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ssl.SSLError):
        return f"the secure connection failed ({reason})"
    if isinstance(reason, OSError):
        return reason.strerror or str(reason) or type(reason).__name__
    return str(reason)
