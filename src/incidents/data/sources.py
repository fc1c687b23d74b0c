"""What counts as a source: the one reviewed list of hosts, and each row's source quality.

A source is a page a CIO can click and trust: first the vendor's own page (its status page
incident, post-incident review, engineering blog, SLA document), then a reputable publisher
(technology and business press with editorial standards) or a named organisation writing about
its own experience. Proxies and mirrors, paste sites, machine-generated pages, search-result
pages, status aggregators and forum threads are *not* sources: validation refuses them, with
the fix "cite the original page it copies". Anything else is ``other``: allowed, but shown as
such in the report.

Hosts match on the registered name and every subdomain (``status.atlassian.com`` matches
``atlassian.com``). A rule with a path (``x.com/msft365status``) matches that path prefix only.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

#: Quality of a source, best first.
QUALITIES: dict[str, str] = {
    "vendor": "the vendor's own page (status page, post-incident review, engineering blog, "
              "SLA document)",
    "press": "a reputable publisher, or a named organisation about its own experience",
    "other": "another page: allowed, but not evidence a CIO should rely on alone",
    "not-a-source": "a proxy, mirror, paste, generated page, search result, aggregator or "
                    "forum: refused",
}

#: The vendor's own sites (status pages, blogs, documentation, accounts).
VENDOR_HOSTS: dict[str, tuple[str, ...]] = {
    "AWS": ("aws.amazon.com", "health.aws.amazon.com", "status.aws.amazon.com",
            "docs.aws.amazon.com", "aboutamazon.com"),
    "Atlassian": ("atlassian.com", "status.atlassian.com", "atlassian.net", "trello.com",
                  "metastatuspage.com", "statuspage.io",
                  "bitbucket.org", "bitbucket.status.atlassian.com", "opsgenie.com"),
    "Cloudflare": ("cloudflare.com", "cloudflarestatus.com", "blog.cloudflare.com"),
    "CrowdStrike": ("crowdstrike.com",),
    "DigitalOcean": ("digitalocean.com", "status.digitalocean.com", "digitaloceanstatus.com"),
    "GitHub": ("github.blog", "githubstatus.com", "docs.github.com", "github.com/github",
               "github.com/customer-terms", "resources.github.com"),
    "Google Cloud": ("status.cloud.google.com", "cloud.google.com", "cloudplatform.googleblog.com",
                     "blog.google"),
    "Google Workspace": ("google.com/appsstatus", "workspace.google.com",
                         "workspaceupdates.googleblog.com", "support.google.com", "blog.google"),
    "Microsoft 365": ("microsoft.com", "office.com", "learn.microsoft.com",
                      "azure.status.microsoft",
                      "techcommunity.microsoft.com", "x.com/msft365status",
                      "twitter.com/msft365status", "status.cloud.microsoft", "status.office.com",
                      "status.office365.com", "portal.office.com/servicestatus"),
    "Microsoft Azure": ("azure.status.microsoft", "azure.microsoft.com", "microsoft.com",
                        "learn.microsoft.com", "status.azure.com", "x.com/azuresupport"),
    "Okta": ("okta.com", "status.okta.com", "trust.okta.com", "sec.okta.com", "auth0.com"),
    "Salesforce": ("salesforce.com", "status.salesforce.com", "trust.salesforce.com",
                   "heroku.com", "status.heroku.com", "help.salesforce.com"),
    "Slack": ("slack.com", "status.slack.com", "slack-status.com", "slack.engineering"),
    "Zoom": ("zoom.us", "status.zoom.us", "zoom.com", "news.zoom.us"),
}

#: Technology and business press with editorial standards, and organisations writing about
#: their own experience of an incident.
PRESS_HOSTS: tuple[str, ...] = (
    "bleepingcomputer.com", "theregister.com", "theregister.co.uk", "theverge.com",
    "arstechnica.com", "techradar.com", "itpro.com", "itpro.co.uk", "computerworld.com",
    "reuters.com", "bbc.co.uk", "bbc.com", "zdnet.com", "cnbc.com", "techcrunch.com",
    "theguardian.com", "wired.com", "engadget.com", "tomsguide.com", "tomshardware.com",
    "windowscentral.com", "neowin.net", "bloomberg.com", "ft.com", "wsj.com", "nytimes.com",
    "cnn.com", "apnews.com", "forbes.com", "datacenterdynamics.com", "infoworld.com",
    "networkworld.com", "csoonline.com", "securityweek.com", "therecord.media", "crn.com",
    "siliconangle.com", "venturebeat.com", "geekwire.com", "9to5mac.com", "9to5google.com",
    "thurrott.com", "petri.com", "abc.net.au", "afr.com", "smh.com.au", "independent.co.uk",
    "telegraph.co.uk", "cbsnews.com", "nbcnews.com", "axios.com", "businessinsider.com",
    "fortune.com", "computerweekly.com", "techtarget.com", "infosecurity-magazine.com",
    "darkreading.com", "helpnetsecurity.com", "thehackernews.com", "mashable.com",
    "gizmodo.com", "macrumors.com", "appleinsider.com", "pcworld.com", "pcmag.com", "cnet.com",
    "heise.de", "golem.de", "washingtonpost.com", "npr.org", "theinformation.com",
    "sky.com", "news.sky.com", "euronews.com", "itnews.com.au", "zdnet.co.uk", "theage.com.au",
    "channelnews.com.au", "scmagazine.com", "securitymagazine.com", "cybersecuritydive.com",
    "ciodive.com", "theconversation.com", "cio.com", "digitaltrends.com", "techzine.eu",
    "livemint.com",
    # organisations about their own experience
    "unisuper.com.au", "nhs.uk", "gov.uk", "faa.gov",
)

#: Never sources: proxies and mirrors, paste sites, machine-generated pages, search results,
#: status aggregators, forums and the content farms met in earlier curation.
NOT_SOURCE_HOSTS: tuple[str, ...] = (
    # proxies, mirrors, translation and rot13 copies
    "workers.dev", "pages.dev", "go-vip.co", "vuink.com", "dudasite.com", "translate.goog",
    "ts-export.com", "masterscheme.cn", "stealthy.co", "archive.ph", "archive.today",
    "archive.is", "webcache.googleusercontent.com", "proxysite.com", "hide.me",
    "croxyproxy.com", "testing.techzim.co.zw", "cyber.vumetric.com",
    # paste sites
    "pastebin.com", "paste.ee", "hastebin.com", "ghostbin.com", "rentry.co", "justpaste.it",
    "dpaste.org", "gist.github.com",
    # machine-generated pages
    "chatgpt.com", "chat.openai.com", "perplexity.ai", "gemini.google.com", "claude.ai",
    "poe.com", "bard.google.com", "copilot.microsoft.com",
    # search results
    "google.com/search", "bing.com/search", "duckduckgo.com", "search.yahoo.com",
    # status aggregators
    "downdetector.com", "downdetector.co.uk", "statusgator.com", "isdown.app",
    "istheservicedown.com", "outage.report", "downforeveryoneorjustme.com", "sla.directory",
    "updownradar.com", "statusfield.com",
    # forums and Q&A
    "reddit.com", "news.ycombinator.com", "stackoverflow.com", "superuser.com", "quora.com",
    "answers.microsoft.com", "learn.microsoft.com/en-us/answers", "community.atlassian.com",
    "community.cloudflare.com", "github.com/orgs/community/discussions",
    # data sets and content farms
    "huggingface.co", "wikimho.com", "markettransfer.info", "bajabound2015.com",
    "dev-toolbox.tech", "sevenwilliam.com",
)

FIX = ("cite the original page it copies (the vendor's page or the article it names), and "
       "write 'read via a copy at <host>' in notes; remove it if no original exists")


@lru_cache(maxsize=65536)
def _host_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    return host, parts.path.lower()


def _matches(host: str, path: str, rule: str) -> bool:
    rule_host, _, rule_path = rule.partition("/")
    if host != rule_host and not host.endswith("." + rule_host):
        return False
    return not rule_path or path.startswith("/" + rule_path)


@lru_cache(maxsize=64)
def _rules_by_host(rules: tuple[str, ...]) -> dict[str, tuple[tuple[int, str], ...]]:
    """``rules`` grouped by their host: (position in ``rules``, rule) for each."""
    grouped: dict[str, list[tuple[int, str]]] = {}
    for position, rule in enumerate(rules):
        grouped.setdefault(rule.partition("/")[0], []).append((position, rule))
    return {host: tuple(found) for host, found in grouped.items()}


def _first_match(host: str, path: str, rules: tuple[str, ...]) -> str:
    """The first of ``rules`` that ``host`` and ``path`` fall under (empty if none).

    Equal to trying every rule with :func:`_matches` in order, but looks up only the rules
    of the host and of each domain above it, so that checking thousands of incident pages of
    a few hosts stays cheap.
    """
    hits = [(position, rule) for position, rule in _host_candidates(host, rules)
            if _matches(host, path, rule)]
    return min(hits)[1] if hits else ""


@lru_cache(maxsize=4096)
def _host_candidates(host: str, rules: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """The rules (with their positions) of ``host`` and of each domain above it."""
    index = _rules_by_host(rules)
    labels = host.split(".")
    return tuple(found for i in range(len(labels))
                 for found in index.get(".".join(labels[i:]), ()))


@lru_cache(maxsize=4096)
def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def quality(url: str, vendor: str | None = None) -> str:
    """The quality of one source URL: ``vendor``, ``press``, ``other`` or ``not-a-source``.

    ``vendor`` needs the row's vendor (a Microsoft page is the vendor's own for a Microsoft 365
    row, press-like for a GitHub row: it is then ``other``).
    """
    host, path = _host_and_path(url)
    if not host or is_ip_address(host):
        return "not-a-source"
    if _first_match(host, path, NOT_SOURCE_HOSTS):
        return "not-a-source"
    if vendor is not None and _first_match(host, path, VENDOR_HOSTS.get(vendor, ())):
        return "vendor"
    if _first_match(host, path, PRESS_HOSTS):
        return "press"
    return "other"


@lru_cache(maxsize=65536)
def why_not_a_source(url: str) -> str:
    """A short phrase saying why ``url`` is refused (empty when it is a source)."""
    host, path = _host_and_path(url)
    if not host:
        return "has no host"
    if is_ip_address(host):
        return "is a raw IP address, not a publisher's page"
    rule = _first_match(host, path, NOT_SOURCE_HOSTS)
    if rule:
        return f"is on {rule}, a proxy, mirror, paste, generated page, aggregator or forum"
    return ""


def row_quality(source_urls: str, vendor: str) -> str:
    """A row's source quality: that of its first source (the best one comes first)."""
    first = next((u.strip() for u in str(source_urls or "").split(";") if u.strip()), "")
    return quality(first, vendor) if first else "not-a-source"
