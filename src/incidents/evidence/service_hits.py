"""What an event broke: every service a row names, each counted once.

A row names its ``product`` and, in ``service``, what broke, separated by ``;`` ("Microsoft
Teams; Exchange Online; SharePoint Online"). Per-service figures (availability, SLA periods,
counts by service) count the event against **every service it names**, not only against the
product it was filed under:

* a named part counts against a service when it is that service (case aside), when a service
  map entry for the vendor matches it (``field`` service, a named service, not ``*``), or,
  in a row a person wrote (a curated row), when it starts with the name of a service the
  organisation uses ("Exchange Online authentication", "Microsoft Teams calendar"). A feed's
  component is never read by its first words: "Jira Align" and "Jira Cloud APIs" are not
  Jira;
* the row's product counts too, unless it is a **suite** product (a name that says "suite" or
  "multiple"/"multi-service": "Microsoft 365 suite", "Multiple Services") and a named part
  reached a service;
* a suite row that names no service is never dropped: it counts against its vendor's
  suite-wide line ("Microsoft 365, suite-wide"), which the per-service tables show;
* an event's row reads what every row of the event named (``services_in_event``, from
  :func:`incidents.evidence.event_model.event_rows`): a status page that lists Compute Engine
  and Kubernetes Engine under a review read as "multiple products" reaches both.

Vendor-level figures (rates, exposure, restore times) count the event once; this module only
says which services it reaches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

#: A product name that stands for several of the vendor's services at once.
SUITE_PRODUCT = re.compile(r"\bsuite\b|\bmultiple\b|\bmulti-service\b", re.IGNORECASE)


def suite_line(vendor: str) -> str:
    """The line a vendor's suite-wide events are shown on."""
    return f"{vendor}, suite-wide"


def is_suite_product(product: str) -> bool:
    """Does ``product`` stand for several of the vendor's services at once?"""
    return bool(SUITE_PRODUCT.search(str(product)))


def named_parts(service: str) -> list[str]:
    """The parts of a ``service`` value, in order ("+3 more" left out)."""
    parts = [part.strip() for part in str(service or "").split(";")]
    return [p for p in parts if p and not (p.startswith("+") and p.endswith(" more"))]


def _known_service(part: str, used: Iterable[str], aliases: list, by_start: bool) -> str:
    """The service ``part`` names: a used service by name (or, ``by_start``, as the start of
    the part), or a service map entry's service; "" when it names none."""
    folded = part.casefold()
    for service in used:
        if service.casefold() == folded:
            return service
    for regex, service in aliases:
        if regex.fullmatch(part):
            return service
    if not by_start:
        return ""
    starts = [s for s in used if folded.startswith(s.casefold() + " ")]
    return max(starts, key=len) if starts else ""


def services_hit(vendor: str, product: str, service: str, used: list[str],
                 aliases: list, curated: bool = False) -> list[str]:
    """Every service one row counts against, its product first (see the module rules)."""
    named = [hit for hit in (_known_service(p, used, aliases, curated)
                             for p in named_parts(service)) if hit]
    if is_suite_product(product) and product not in used:
        hits = named or [suite_line(vendor)]
    else:
        hits = [product, *named]
    return list(dict.fromkeys(hits))


def _aliases(service_map: pd.DataFrame | None) -> dict[str, list]:
    """Per vendor: (regex, service) of the service map's entries that name a service."""
    if service_map is None or service_map.empty:
        return {}
    named = service_map.loc[service_map["field"].eq("service") & service_map["service"].ne("*")]
    return {vendor: list(group[["regex", "service"]].itertuples(index=False))
            for vendor, group in named.groupby("vendor", sort=False)}


def used_services(vendors: pd.DataFrame) -> dict[str, list[str]]:
    """Per vendor: the services the organisation says it uses (``services_used``)."""
    column = vendors.get("services_used", pd.Series("", index=vendors.index)).fillna("")
    return {vendor: [s.strip() for s in str(listed).split(";") if s.strip()]
            for vendor, listed in zip(vendors["vendor"], column, strict=True)}


def service_rows(rows: pd.DataFrame, vendors: pd.DataFrame,
                 service_map: pd.DataFrame | None = None) -> pd.DataFrame:
    """``rows`` with one row per service each reaches: ``product`` is the service counted,
    ``product_named`` the row's own product, ``services_named`` how many services the row
    reaches. The index repeats a row's index for each of its services."""
    used, aliases = used_services(vendors), _aliases(service_map)
    keys = ["vendor", "product", "service"]
    if rows.empty:
        return rows.assign(product_named=rows.get("product"), services_named=0)
    if "service" not in rows:
        rows = rows.assign(service="")
    plain = rows[keys].astype("object").fillna("").assign(
        curated=rows["record_kind"].eq("curated") if "record_kind" in rows else True)
    if "services_in_event" in rows:
        others = rows["services_in_event"].astype("object").fillna("")
        plain["service"] = plain["service"].where(others.eq(""),
                                                  plain["service"] + "; " + others)
    found = {key: services_hit(key[0], key[1], key[2], used.get(key[0], []),
                               aliases.get(key[0], []), key[3])
             for key in plain.drop_duplicates().itertuples(index=False, name=None)}
    hits = pd.Series([found[key] for key in plain.itertuples(index=False, name=None)],
                     index=rows.index)
    table = rows.assign(product_named=rows["product"], product=hits,
                        services_named=hits.map(len))
    return table.explode("product")
