"""The evidence base: incident rows from every record, the records themselves, and events.

Every incident row belongs to a **record** (``data/records.csv``): the list it was taken from
(a vendor's status history, its review list, an organisation's tenant export, or curated rows
read from reviews and the press), with the period it covers and what it misses. Rows that
describe one real-world **event** share an event: rows that carry the same ``event_id`` (an
incident cross-posted on several status pages, one event across regions) and rows linked in
``data/events.csv`` (a curated row and its twin in a status history; one outage felt through
several vendors). Counts, rates and trends count events; curated enrichment attaches to the
event.

Files: the incident file (default ``data/incidents.csv``, the curated rows), plus every record
file that the ``records.csv`` beside it lists; ``events.csv`` beside it; ``slas.csv``,
``published_uptime.csv`` and ``service_map.csv`` (which status-page component counts against
which service: :func:`map_services`) beside the vendor file. A companion file that is absent
is empty.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from incidents import config
from incidents.data import companions, load, schema, sources
from incidents.errors import InputError, Problem

#: Record kinds whose counts are rates (they hold every incident over their period).
HISTORY_KINDS = frozenset({"status-history", "tenant"})
#: A lower-bound record counts as complete enough for rates at this capture rate or above.
MIN_CAPTURE = 0.95


@dataclass(frozen=True)
class Evidence:
    """Everything loaded from ``data/``: rows of every record, the records, links, SLAs."""

    incidents: pd.DataFrame
    records: pd.DataFrame
    vendors: pd.DataFrame
    slas: pd.DataFrame
    published_uptime: pd.DataFrame
    links: pd.DataFrame
    files: tuple[Path, ...] = ()
    skipped: list[str] = field(default_factory=list)
    skipped_problems: list[Problem] = field(default_factory=list)  # the same, as objects
    service_map: pd.DataFrame | None = None  # ``service_map.csv``, when there is one

    @property
    def cutoff(self) -> pd.Timestamp:
        """The last day the evidence covers: the later of the latest end of a non-curated
        record's period and the last curated incident's start (UTC midnight of that day).
        Rates never run past a record's own end: they use each record's covered span."""
        return data_cutoff(self.records, self.incidents)


def empty_table(columns: tuple[schema.Column, ...]) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=object) for c in columns})


def _optional(path: Path, loader, *args) -> pd.DataFrame | None:
    return loader(path, *args) if path.is_file() else None


def implicit_curated_records(incidents: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Records for curated rows whose ``<vendor>-curated`` record is not listed: kind curated,
    a selection, over the rows' own span."""
    named = incidents[["record_id", "vendor", "start_utc"]]
    missing = named.loc[~named["record_id"].isin(records["record_id"])]
    if missing.empty:
        return records
    spans = missing.groupby(["record_id", "vendor"], observed=True)["start_utc"].agg(
        ["min", "max"]).reset_index()
    extra = pd.DataFrame({
        "record_id": spans["record_id"], "vendor": spans["vendor"], "kind": "curated",
        "capture": "selection", "complete_from": spans["min"].dt.normalize(),
        "complete_to": spans["max"].dt.normalize(), "capture_rate": np.nan, "file": "",
        "source_url": "", "archive": "",
        "misses": "a hand-picked selection of publicly reported incidents, never complete"})
    return pd.concat([records, extra], ignore_index=True)


def data_cutoff(records: pd.DataFrame, incidents: pd.DataFrame) -> pd.Timestamp:
    """Last day covered by the records in use (see :attr:`Evidence.cutoff`)."""
    used = records.loc[records["record_id"].isin(incidents["record_id"])
                       & records["kind"].ne("curated")]
    ends = [pd.Timestamp(used["complete_to"].max()).normalize()] if len(used) else []
    curated = incidents.loc[incidents["record_kind"].eq("curated")] if (
        "record_kind" in incidents) else incidents.loc[
        ~incidents["record_id"].isin(used["record_id"])]
    if len(curated):
        ends.append(pd.Timestamp(curated["start_utc"].max()).normalize())
    return max(ends) if ends else pd.Timestamp.now(tz="UTC").normalize()


def incident_files(data_file: str | os.PathLike[str] | None,
                   records: pd.DataFrame | None) -> list[Path]:
    """The incident file and the record files listed beside it (each once)."""
    main = config.incidents_path(data_file)
    files = [main]
    if records is not None:
        folder = Path(records.attrs.get("source_file", main)).parent
        for name in records["file"]:
            path = folder / name
            if name and path.resolve() != main.resolve() and path not in files:
                files.append(path)
    return files


def load_evidence(data_file: str | os.PathLike[str] | None = None,
                  vendors_file: str | os.PathLike[str] | None = None, *,
                  skip_invalid: bool = False, now: pd.Timestamp | None = None) -> Evidence:
    """Load and validate the whole evidence base; every problem of every file is raised
    together as one :class:`InputError` (or, with ``skip_invalid``, bad rows are left out and
    listed in ``Evidence.skipped``)."""
    main = config.incidents_path(data_file)
    vendors = companions.load_vendors(vendors_file)
    folder, vendor_folder = main.parent, config.vendors_path(vendors_file).parent
    problems: list[Problem] = []
    records = _collect(problems, _optional, folder / config.RECORDS_NAME, companions.load_records,
                       vendors)
    links = _collect(problems, _optional, folder / config.EVENTS_NAME, companions.load_event_links)
    slas = _collect(problems, _optional, vendor_folder / config.SLAS_NAME, companions.load_slas,
                    vendors)
    uptime = _collect(problems, _optional, vendor_folder / config.PUBLISHED_UPTIME_NAME,
                      companions.load_published_uptime)
    service_map = _collect(problems, _optional, vendor_folder / config.SERVICE_MAP_NAME,
                           companions.load_service_map, vendors)
    files = incident_files(data_file, records)
    tables, skipped, skipped_problems = [], [], []
    for path in files:
        try:
            table = load.load_incidents(path, vendors=vendors, records=records,
                                        skip_invalid=skip_invalid, now=now)
        except InputError as exc:
            problems += exc.problems
            continue
        tables.append(table)
        skipped += table.attrs.get("skipped", [])
        skipped_problems += table.attrs.get("skipped_problems", [])
    if problems:
        raise InputError(problems)
    incidents = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    incidents = incidents.sort_values(["start_utc", "vendor", "record_id", "incident_id"],
                                      kind="stable").reset_index(drop=True)
    records = records if records is not None else _no_records()
    records = implicit_curated_records(incidents, records)
    links = links if links is not None else empty_table(schema.EVENT_LINK_COLUMNS)
    incidents = map_services(with_evidence_columns(incidents, records, links), service_map)
    incidents.attrs["skipped"] = skipped
    incidents.attrs["source_file"] = str(main)
    return Evidence(incidents, records, vendors,
                    slas if slas is not None else _no_slas(),
                    uptime if uptime is not None else _no_uptime(), links, tuple(files),
                    skipped, skipped_problems, service_map)


def _collect(problems: list[Problem], function, *args):
    try:
        return function(*args)
    except InputError as exc:
        problems += exc.problems
        return None


def _no_records() -> pd.DataFrame:
    table = empty_table(schema.RECORD_COLUMNS)
    for col in ("complete_from", "complete_to"):
        table[col] = pd.Series(dtype="datetime64[ns, UTC]")
    table["capture_rate"] = pd.Series(dtype=float)
    return table


def _no_slas() -> pd.DataFrame:
    table = empty_table(schema.SLA_COLUMNS)
    table["target"] = pd.Series(dtype=float)
    return table


def _no_uptime() -> pd.DataFrame:
    table = empty_table(schema.PUBLISHED_UPTIME_COLUMNS)
    table["uptime"] = pd.Series(dtype=float)
    return table


# ---------------------------------------------------------------- per-row evidence columns


#: A service map entry's service that stands for the matched component itself.
ANY_COMPONENT = "*"


def map_services(incidents: pd.DataFrame, service_map: pd.DataFrame | None) -> pd.DataFrame:
    """Each imported row counted against the service its status-page components belong to.

    A vendor's status page often names itself as the product of every incident (Cloudflare,
    DigitalOcean, Slack) and lists what broke as components (``service``: "Dashboard; API",
    a data centre, "Workspace/Org Administration"); an older feed may name a service by a
    name the vendor no longer uses ("Amazon Elastic Compute Cloud"). For a
    vendor listed in ``service_map``, each row of an imported record (never a curated row,
    whose product was read by hand) takes as ``product`` the service of the first map entry,
    in the file's order, that matches one of its components (``field`` service) or its
    product as written (``field`` product); an entry whose service is ``*`` gives the matched
    name itself. It takes that entry's ``scope`` too where the row's own is unknown. A row
    no entry matches keeps its product. ``product_as_written`` keeps the record's own value
    for every row.
    """
    table = incidents.assign(product_as_written=incidents["product"])
    if service_map is None or service_map.empty:
        return table
    entries = {vendor: list(group[["field", "regex", "service", "scope"]].itertuples(
        index=False)) for vendor, group in service_map.groupby("vendor", sort=False)}
    chosen = table["vendor"].isin(entries) & table["record_kind"].ne("curated")
    columns = ["vendor", "product", "service"]
    found = {key: _mapped(entries[key[0]], key[1], key[2]) for key in
             table.loc[chosen, columns].drop_duplicates().itertuples(index=False)}
    keys = list(table.loc[chosen, columns].itertuples(index=False))
    table.loc[chosen, "product"] = [found[key][0] or key[1] for key in keys]
    scopes = pd.Series([found[key][1] for key in keys], index=table.index[chosen])
    unknown = scopes.ne("") & table.loc[chosen, "scope"].astype("object").isin(["unknown"])
    if unknown.any():
        table.loc[unknown.index[unknown], "scope"] = scopes[unknown].to_numpy()
    return table


def _mapped(entries: list, product: str, written: str) -> tuple[str, str]:
    """(service, scope) of the first entry that matches the row's ``product`` or one of the
    components listed in ``written``, as the entry's ``field`` says (service ``*``: the
    matched name itself); ("", "") when none does."""
    components = [part.strip() for part in written.split(";") if part.strip()]
    components = [c for c in components if not (c.startswith("+") and c.endswith(" more"))]
    for field_name, regex, service, scope in entries:
        names = [product] if field_name == "product" else components
        hit = next((name for name in names if regex.fullmatch(name)), None)
        if hit is not None:
            return (hit if service == ANY_COMPONENT else service), scope
    return "", ""


def with_evidence_columns(incidents: pd.DataFrame, records: pd.DataFrame,
                          links: pd.DataFrame) -> pd.DataFrame:
    """Add ``record_kind``, ``basis`` (the row's record holds every incident of its period),
    ``source_quality`` (of the first source) and ``event`` (the row's event)."""
    table = incidents.copy()
    by_id = records.set_index("record_id")
    table["record_kind"] = table["record_id"].map(by_id["kind"]).fillna("curated")
    table["basis"] = table["record_id"].map(rate_records(records)).fillna(False).astype(bool)
    table["source_quality"] = [sources.row_quality(urls, vendor) for urls, vendor in zip(
        table["source_urls"], table["vendor"], strict=True)]
    table["event"] = assign_events(table, links)
    return table


def rate_records(records: pd.DataFrame) -> pd.Series:
    """Per record id: can its counts be read as rates? Status histories and tenant exports
    that are complete, or lower bounds with a stated capture of at least 95%."""
    history = records["kind"].isin(HISTORY_KINDS)
    complete = records["capture"].eq("complete") | (
        records["capture"].eq("lower-bound") & records["capture_rate"].ge(MIN_CAPTURE))
    return pd.Series((history & complete).to_numpy(), index=records["record_id"])


def assign_events(incidents: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """The event of each row: rows joined by a shared ``event_id`` or a confirmed link in
    ``events.csv`` are one event (connected components of those joins). The event is named by
    the link's id, else the rows' ``event_id``, else ``record_id/incident_id``."""
    n = len(incidents)
    keys = incidents["record_id"].astype(str) + "/" + incidents["incident_id"].astype(str)
    row_event = incidents["event_id"].astype(str) if "event_id" in incidents else pd.Series(
        "", index=incidents.index)
    confirmed = links.loc[links["status"].eq("confirmed")] if len(links) else links
    link_keys = (confirmed["record_id"].astype(str) + "/" + confirmed["incident_id"].astype(str)
                 ) if len(confirmed) else pd.Series(dtype=str)
    position = pd.Series(np.arange(n), index=keys.to_numpy())
    position = position[~position.index.duplicated()]
    names = pd.Index(pd.unique(np.concatenate([
        "row:" + row_event[row_event.ne("")].to_numpy(dtype=str),
        "link:" + confirmed["event_id"].to_numpy(dtype=str)])))
    size = n + len(names)
    rows_a, rows_b = [], []
    has_row_event = np.flatnonzero(row_event.ne("").to_numpy())
    rows_a.append(has_row_event)
    rows_b.append(n + names.get_indexer("row:" + row_event.to_numpy()[has_row_event]))
    if len(confirmed):
        at = position.reindex(link_keys.to_numpy()).to_numpy()
        present = ~np.isnan(at)
        rows_a.append(at[present].astype(np.int64))
        rows_b.append(n + names.get_indexer(
            "link:" + confirmed["event_id"].astype(str).to_numpy()[present]))
    a, b = np.concatenate(rows_a), np.concatenate(rows_b)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(size, size))
    _, component = connected_components(graph, directed=False)
    # Name each component: a link's event id first, then a row event id, then the row key.
    name_of = {}
    for index in np.argsort([0 if s.startswith("link:") else 1 for s in names], kind="stable"):
        name_of.setdefault(component[n + index], names[index].split(":", 1)[1])
    row_names = keys.to_numpy().copy()
    for i in range(n):
        hit = name_of.get(component[i])
        if hit is not None:
            row_names[i] = hit
    return pd.Series(row_names, index=incidents.index, name="event")


def event_table(incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per event: its first start, the vendors and records it touches and its rows."""
    grouped = incidents.groupby("event", sort=False)
    table = pd.DataFrame({
        "start_utc": grouped["start_utc"].min(),
        "vendors": grouped["vendor"].agg(lambda v: "; ".join(sorted(set(v)))),
        "records": grouped["record_id"].agg(lambda v: "; ".join(sorted(set(v)))),
        "rows": grouped.size(),
        "title": grouped["title"].first(),
    })
    table["vendor_count"] = table["vendors"].str.count(";") + 1
    return table.reset_index().sort_values("start_utc").reset_index(drop=True)


def link_problems(evidence: Evidence) -> list[Problem]:
    """Links in ``events.csv`` that name no loaded row (a typo, or a row that was removed)."""
    links = evidence.links
    if links.empty:
        return []
    keys = set(evidence.incidents["record_id"] + "/" + evidence.incidents["incident_id"])
    name = links.attrs.get("source_file", "data/events.csv")
    problems = []
    for line, record, ident in links[["source_line", "record_id", "incident_id"]].itertuples(
            index=False):
        if f"{record}/{ident}" not in keys:
            problems.append(Problem(name, int(line), "incident_id",
                                    f"'{ident}' is not a row of record '{record}'",
                                    "correct the record_id or incident_id, or remove the link"))
    return problems


#: Columns a curated row adds to its event when the record row does not know them.
ENRICHMENT = ("affected_clients", "root_cause_category", "root_cause", "mitigation",
              "change_induced", "scope")
_UNKNOWN = frozenset({"", "unknown"})


def event_rows(incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per event and vendor: the row of a rate record (the vendor's own times) where
    there is one, else the first row; what only a curated row knows (cause, clients,
    mitigation, whether a change caused it, scope) filled in from the event's other rows.

    ``rows_in_event`` counts the rows merged and ``curated_in_event`` says whether a person
    read one of them (causes and clients come from there); an event felt through several
    vendors keeps one row per vendor (each vendor's view of it), and ``vendors_in_event``
    says how many.
    """
    if incidents.empty:
        return incidents.assign(rows_in_event=pd.Series(dtype=int),
                                curated_in_event=pd.Series(dtype=bool),
                                vendors_in_event=pd.Series(dtype=int))
    priority = np.where(incidents["basis"], 0, np.where(incidents["record_kind"].eq("curated"),
                                                         2, 1))
    ordered = incidents.assign(_priority=priority).sort_values(
        ["event", "vendor", "_priority", "start_utc"], kind="stable")
    keys = ["event", "vendor"]
    first = ~ordered.duplicated(keys)
    chosen = ordered.loc[first].copy()
    multi = ordered.duplicated(keys, keep=False)
    if multi.any():
        members = ordered.loc[multi]
        for col in ENRICHMENT:
            values = members[col].astype("object")
            known = members.loc[~values.isin(_UNKNOWN) & values.notna(), [*keys, col]]
            best = known.drop_duplicates(keys).set_index(keys)[col]
            at = pd.MultiIndex.from_frame(chosen[keys])
            fill = best.reindex(at).to_numpy()
            current = chosen[col].astype("object").to_numpy()
            replace = pd.isna(current) | np.isin(current.astype(str), list(_UNKNOWN))
            replace &= ~pd.isna(fill)
            if replace.any():
                merged = np.where(replace, fill, current)
                chosen[col] = (pd.Categorical(merged, categories=chosen[col].cat.categories)
                               if isinstance(chosen[col].dtype, pd.CategoricalDtype) else merged)
    sizes = ordered.groupby(keys, sort=False).size()
    read = ordered["record_kind"].eq("curated").groupby(
        [ordered["event"], ordered["vendor"]], sort=False).any()
    vendors = ordered.groupby("event", sort=False)["vendor"].nunique()
    at = pd.MultiIndex.from_frame(chosen[keys])
    chosen["rows_in_event"] = sizes.reindex(at).to_numpy()
    chosen["curated_in_event"] = read.reindex(at).to_numpy(dtype=bool)
    chosen["vendors_in_event"] = chosen["event"].map(vendors).to_numpy()
    return chosen.drop(columns="_priority").sort_values(
        ["start_utc", "vendor", "incident_id"], kind="stable").reset_index(drop=True)
# ---------------------------------------------------------------- proposing links

#: Rows of two records start at most this far apart to be proposed as one event.
LINK_WINDOW = pd.Timedelta(hours=6)
#: Titles at least this similar (shared words over all words, ignoring short words) are
#: proposed as one event.
TITLE_SIMILARITY = 0.5
_STOPWORDS = frozenset({"the", "and", "for", "with", "some", "users", "issue", "issues",
                        "incident", "from", "our", "are", "was", "were", "may", "into", "on",
                        "in", "of", "to", "a", "an", "is", "be", "by", "at", "or"})


def title_words(title: str) -> frozenset[str]:
    """The words of a title that carry meaning (lower case, three letters or more)."""
    words = "".join(c.lower() if c.isalnum() else " " for c in str(title)).split()
    return frozenset(w for w in words if len(w) >= 3 and w not in _STOPWORDS)


def title_similarity(a: str, b: str) -> float:
    """Shared meaningful words over all of them (Jaccard index), 0 when either has none."""
    wa, wb = title_words(a), title_words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def propose_links(incidents: pd.DataFrame, window: pd.Timedelta = LINK_WINDOW
                  ) -> pd.DataFrame:
    """Pairs of rows that may describe one event, as ``events.csv`` rows with status
    ``proposed`` (two rows per pair, under one event id).

    A pair is proposed when both rows have the same vendor, come from different records,
    overlap in time or start at most ``window`` apart, and carry the same incident id or
    titles at least :data:`TITLE_SIMILARITY` alike (:func:`title_similarity`). The event id
    is ``<vendor slug>-<first start day>-<first row's incident id>``; the reason names the
    match. Events across vendors (one outage felt through a supplier) are never proposed:
    they are linked by hand.
    """
    columns = [c.name for c in schema.EVENT_LINK_COLUMNS]
    out: list[dict[str, str]] = []
    table = incidents[["vendor", "record_id", "incident_id", "title", "start_utc",
                       "end_utc"]].copy()
    table["until"] = table["end_utc"].fillna(table["start_utc"])
    for vendor, rows in table.groupby("vendor", sort=True, observed=True):
        if rows["record_id"].nunique() < 2:
            continue
        rows = rows.sort_values("start_utc", kind="stable").reset_index(drop=True)
        for i, row in enumerate(rows.itertuples(index=False)):
            # Later rows that start before this one ends (overlap) or within the window.
            last = max(row.until, row.start_utc + window)
            for j in range(i + 1, int(rows["start_utc"].searchsorted(last, side="right"))):
                other = rows.iloc[j]
                if other["record_id"] == row.record_id:
                    continue
                same_id = other["incident_id"] == row.incident_id
                similarity = title_similarity(row.title, other["title"])
                if not same_id and similarity < TITLE_SIMILARITY:
                    continue
                apart = (other["start_utc"] - row.start_utc) / pd.Timedelta(minutes=1)
                reason = (f"same id {row.incident_id}" if same_id else
                          f"titles {similarity:.0%} alike") + f", starts {apart:.0f} min apart"
                event = f"{load.slug(vendor)}-{row.start_utc:%Y-%m-%d}-{row.incident_id}"
                for record, ident in ((row.record_id, row.incident_id),
                                      (other["record_id"], other["incident_id"])):
                    out.append({"event_id": event, "record_id": record, "incident_id": ident,
                                "status": "proposed", "reason": reason})
    return pd.DataFrame(out, columns=columns).drop_duplicates(
        ["event_id", "record_id", "incident_id"]).reset_index(drop=True)


def unreviewed_proposals(proposals: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Proposed pairs that ``events.csv`` does not settle: a pair is settled when both its
    rows appear in the file under one event id (confirmed or rejected)."""
    if proposals.empty:
        return proposals
    keyed = links.assign(key=links["record_id"] + "/" + links["incident_id"])
    settled = keyed.groupby("event_id")["key"].agg(frozenset)
    pairs = proposals.assign(key=proposals["record_id"] + "/" + proposals["incident_id"])
    open_pairs = []
    for event, group in pairs.groupby("event_id", sort=False):
        keys = frozenset(group["key"])
        if not any(keys <= members for members in settled):
            open_pairs.append(event)
    return proposals.loc[proposals["event_id"].isin(open_pairs)].reset_index(drop=True)
