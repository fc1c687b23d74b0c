"""Download a Statuspage feed with urllib; every failure becomes a plain, actionable error."""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

from incidents import __version__
from incidents.data.importers.feedjson import MAX_FEED_BYTES
from incidents.errors import IncidentsError

STATUSPAGE_FEED_PATH = "/api/v2/incidents.json"
USER_AGENT = f"incidents-importer/{__version__} (+reliability report)"


class FetchError(IncidentsError):
    """The feed could not be downloaded (offline, DNS failure, HTTP error, too large)."""

    def __init__(self, url: str, what: str, fix: str) -> None:
        self.url = url
        super().__init__(f"could not fetch {url}: {what}. Fix: {fix}")


def statuspage_feed_url(page_url: str) -> str:
    """The incidents feed of the status page at ``page_url`` (a full feed URL is kept)."""
    url = page_url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(url or "''", "this is not an http(s) address",
                         "give the status page's address, e.g. https://www.githubstatus.com")
    if parts.path.rstrip("/").endswith(STATUSPAGE_FEED_PATH):
        return url
    return url.rstrip("/") + STATUSPAGE_FEED_PATH


def get(url: str, timeout: float) -> bytes:
    """The body of ``url``; raises :class:`FetchError` naming the URL and the fix."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "application/json"})
    offline_fix = ("check the address and your network connection (and proxy settings), or "
                   "download the feed with a browser and run 'import' on the file")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_FEED_BYTES + 1)
    except urllib.error.HTTPError as exc:
        fix = ("check the status page's address: the feed is at <page>/api/v2/incidents.json"
               if exc.code == 404 else "try again later; the server refused or failed")
        raise FetchError(url, f"the server answered HTTP {exc.code} {exc.reason}", fix) from None
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
