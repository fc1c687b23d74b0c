"""What a Microsoft 365 service health issue says, read from its words.

Graph's ``status`` rarely says how bad an issue was (a closed issue reads ``serviceRestored``
whatever happened), so the impact, the cause and the fix are read from the issue's own text,
by the rules below, each named in the import summary:

* **Impact**, first rule that applies: an ``advisory`` is an advisory; a title or impact
  description saying users cannot do something (``unable to``, ``can't``, ``cannot``,
  ``could not``, ``failed to``) is an **outage**, or a **partial outage** when it limits who
  or how often (``some users``, ``intermittently``, ``a subset``, ``in some regions``);
  ``delays``, ``slow``, ``latency`` or ``degraded`` is a **degradation**. Otherwise the
  status decides (``serviceInterruption`` outage, ``serviceDegradation`` degradation), and
  failing that the issue is a degradation ("the text does not say").
* **Cause**, from the latest post that states one ("Root cause:", "The root cause",
  "was caused by", "due to"): the sentence is kept as ``root_cause``; its words give the
  category (a recent change or deployment, a configuration, capacity or traffic, the network,
  a third party), and a change or deployment of Microsoft's own marks ``change_induced``.
* **Fix**, from every post: reverted or rolled back (rollback), restarted (restart), a
  configuration fix (config-fix), a fix deployed (fix-forward), traffic redirected or
  rebalanced (traffic-rerouting), failed over (failover), capacity added (capacity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UNABLE = re.compile(r"\b(unable to|can ?not|can't|could not|couldn't|failed to|fail to|"
                     r"not able to|inability to|no access to|blocked from)\b", re.I)
_LIMITED = re.compile(r"\b(some users|some of|a subset|subset of|certain users|"
                      r"intermittent(ly)?|some regions?|some connection methods|a small number|"
                      r"a limited number|some customers|some admins)\b", re.I)
_SLOW = re.compile(r"\b(delay(s|ed)?|slow(ness|er)?|latency|degraded|performance)\b", re.I)

#: Sentences that state a cause, in the order they are tried.
_CAUSE = re.compile(r"(root cause[^.:]*[:.-]?\s*(?P<after>[^.]{8,400}\.)|"
                    r"(?P<sentence>[^.]{0,200}\b(?:was|were|is) (?:caused by|due to)\b"
                    r"[^.]{4,300}\.))", re.I)

#: (category, pattern, own change) for a cause's sentence; first match wins.
CAUSE_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("third-party-dependency", re.compile(r"\b(third[- ]party|internet service provider|ISP|"
                                          r"external provider)\b", re.I), "no"),
    ("change-deployment", re.compile(r"\b(recent (change|update|deployment)|code (change|"
                                     r"update|conflict|issue)|(change|update) (we|that was) "
                                     r"(deployed|made)|deployment|introduced)\b", re.I), "yes"),
    ("configuration", re.compile(r"\b(configuration|misconfigur\w*|config)\b", re.I), ""),
    ("capacity-traffic", re.compile(r"\b(capacity|high (volume of )?traffic|load|CPU|"
                                    r"resource(s)? (exhaustion|utilization))\b", re.I), "no"),
    ("network", re.compile(r"\b(network|routing|DNS|connectivity)\b", re.I), "no"),
)

#: (mitigation, pattern) read from any post.
MITIGATION_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rollback", re.compile(r"\b(revert(ed|ing)?|roll(ed|ing)? back|rollback)\b", re.I)),
    ("restart", re.compile(r"\brestart(ed|ing|s)?\b", re.I)),
    ("config-fix", re.compile(r"\b(configuration (fix|change|update)|correct(ed|ing)? the "
                              r"configuration|fix(ed|ing)? the configuration)\b", re.I)),
    ("fix-forward", re.compile(r"\b(deploy(ed|ing)? (a|the) fix|fix (has been|was) deployed|"
                               r"hotfix)\b", re.I)),
    ("traffic-rerouting", re.compile(r"\b(redirect(ed|ing)? traffic|traffic (was|is|has "
                                     r"been) (redirected|rerouted)|rerout\w*|rebalanc\w*|"
                                     r"load balanc\w*)\b", re.I)),
    ("failover", re.compile(r"\bfail(ed|ing)? ?over\b", re.I)),
    ("capacity", re.compile(r"\b(add(ed|ing)? capacity|scal(ed|ing) (out|up))\b", re.I)),
)


@dataclass
class Reading:
    """What the words of one issue say; empty fields where they say nothing."""

    impact: str = ""
    impact_rule: str = ""
    root_cause: str = ""
    category: str = ""
    change_induced: str = ""
    mitigation: list[str] = field(default_factory=list)


def read_issue(title: str, impact_description: str, classification: str,
               posts: list[str]) -> Reading:
    """:class:`Reading` of an issue from its title, impact description, classification
    (``incident`` or ``advisory``, lower case) and post texts (oldest first)."""
    reading = Reading()
    headline = f"{title}. {impact_description}"
    if classification == "advisory":
        reading.impact, reading.impact_rule = "advisory", "classification advisory"
    elif _UNABLE.search(headline):
        limited = _LIMITED.search(headline)
        reading.impact = "partial-outage" if limited else "outage"
        reading.impact_rule = (f"'{_UNABLE.search(headline).group(0)}' with "
                               f"'{limited.group(0)}'" if limited else
                               f"'{_UNABLE.search(headline).group(0)}', for users at large")
    elif _SLOW.search(headline):
        reading.impact, reading.impact_rule = "degradation", f"'{_SLOW.search(headline).group(0)}'"
    for text in reversed(posts):
        cause = _CAUSE.search(text)
        if cause:
            sentence = (cause.group("after") or cause.group("sentence") or "").strip()
            reading.root_cause = " ".join(sentence.split())[:300]
            for category, pattern, own in CAUSE_RULES:
                if pattern.search(sentence):
                    reading.category = category
                    reading.change_induced = own or (
                        "yes" if re.search(r"\bchange\b", sentence, re.I) else "")
                    break
            break
    words = " ".join(posts)
    reading.mitigation = [name for name, pattern in MITIGATION_RULES if pattern.search(words)]
    return reading
