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
which service: :func:`map_services`), all beside it. A companion file that is absent is empty.
The organisation file says which vendors are in the report; the rest of the evidence stays
in the files, unused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from incidents import config
from incidents.data import checked, companions, load, schema, sources
from incidents.data import organisation as profile
from incidents.errors import InputError, Problem
from incidents.evidence import event_model

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
    notes: tuple[str, ...] = ()  # what the reader must know about what was (not) loaded
    organisation: profile.Organisation | None = None  # who the report is for

    @property
    def cutoff(self) -> pd.Timestamp:
        """The last day the evidence covers: the later of the latest end of a non-curated
        record's period and the last curated incident's start (UTC midnight of that day).
        Rates never run past a record's own end: they use each record's covered span."""
        return data_cutoff(self.records, self.incidents)

    @property
    def vendor_cutoffs(self) -> pd.Series:
        """Per vendor, the last day its own evidence covers (:func:`vendor_cutoffs`)."""
        return vendor_cutoffs(self.records, self.incidents)


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


def vendor_cutoffs(records: pd.DataFrame, incidents: pd.DataFrame) -> pd.Series:
    """Per vendor, the last day its own evidence covers (UTC midnight): the latest end of a
    non-curated record of the vendor that holds rows, or its last curated row's start,
    whichever is later. A vendor's figures end there: new data about one vendor never moves
    another's."""
    used = records.loc[records["record_id"].isin(incidents["record_id"])
                       & records["kind"].ne("curated")]
    ends = [used.groupby("vendor")["complete_to"].max()] if len(used) else []
    curated = incidents.loc[incidents["record_kind"].eq("curated")] if (
        "record_kind" in incidents) else incidents.loc[
        ~incidents["record_id"].isin(used["record_id"])]
    if len(curated):
        ends.append(curated.groupby("vendor", observed=True)["start_utc"].max())
    if not ends:
        return pd.Series(dtype="datetime64[ns, UTC]", name="cutoff")
    joined = pd.concat(ends).groupby(level=0).max()
    return pd.to_datetime(joined, utc=True).dt.normalize().rename("cutoff")


def data_cutoff(records: pd.DataFrame, incidents: pd.DataFrame) -> pd.Timestamp:
    """Last day covered by the records in use: the latest vendor cut-off
    (:func:`vendor_cutoffs`); today when there is no evidence at all."""
    cutoffs = vendor_cutoffs(records, incidents)
    return pd.Timestamp(cutoffs.max()) if len(cutoffs) else pd.Timestamp.now(
        tz="UTC").normalize()


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
                  skip_invalid: bool = False, now: pd.Timestamp | None = None,
                  cache: Path | None = None) -> Evidence:
    """Load and validate the whole evidence base; every problem of every file is raised
    together as one :class:`InputError` (or, with ``skip_invalid``, bad rows are left out and
    listed in ``Evidence.skipped``).

    ``vendors_file`` is the organisation file (or a bare vendor table): the evidence of the
    vendors it uses (dependence weight above 0) is kept; rows, records, SLAs and components
    of other vendors are read and checked, then left out, and a note names them.

    With ``cache`` (a folder), an incident file checked before with the same bytes is taken
    from there (:mod:`incidents.data.checked`); the report run passes one, ``make validate``
    does not (it always reads every cell)."""
    main = config.incidents_path(data_file)
    org = profile.load_organisation(vendors_file)
    everyone = org.vendors
    folder = main.parent
    problems: list[Problem] = []
    records = _collect(problems, _optional, folder / config.RECORDS_NAME, companions.load_records,
                       everyone)
    links = _collect(problems, _optional, folder / config.EVENTS_NAME, companions.load_event_links)
    slas = _collect(problems, _optional, folder / config.SLAS_NAME, companions.load_slas,
                    everyone)
    uptime = _collect(problems, _optional, folder / config.PUBLISHED_UPTIME_NAME,
                      companions.load_published_uptime)
    service_map = _collect(problems, _optional, folder / config.SERVICE_MAP_NAME,
                           companions.load_service_map, everyone)
    files = incident_files(data_file, records)
    tables, skipped, skipped_problems = [], [], []
    for path in files:
        try:
            table = checked.load_checked(path, vendors=everyone, records=records,
                                         skip_invalid=skip_invalid, now=now, cache=cache)
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
    used = org.used
    used.attrs["source_file"] = everyone.attrs.get("source_file", str(org.file))
    notes = (*missing_companions(main), *unused_notes(incidents, org))
    incidents = _of(incidents, used)
    incidents.attrs["skipped"] = skipped
    incidents.attrs["source_file"] = str(main)
    return Evidence(incidents, _of(records, used),
                    used, _of(slas if slas is not None else _no_slas(), used),
                    _of(uptime if uptime is not None else _no_uptime(), used), links,
                    tuple(files), skipped, skipped_problems,
                    _of(service_map, used) if service_map is not None else None, notes, org)


def _of(table: pd.DataFrame, vendors: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` about the vendors in the report."""
    kept = table.loc[table["vendor"].isin(set(vendors["vendor"]))]
    if len(kept) == len(table):
        return table
    out = kept.reset_index(drop=True)
    out.attrs.update(table.attrs)
    return out


def unused_notes(incidents: pd.DataFrame, org: profile.Organisation) -> tuple[str, ...]:
    """Sentences naming the vendors whose evidence is read but not in the report: listed with
    a dependence weight of 0, or not in the vendor table at all (with a close spelling, if one
    looks like a typing slip)."""
    notes = []
    counts = incidents["vendor"].value_counts()
    table = Path(org.vendors.attrs.get("source_file", org.file)).name
    if org.left_out:
        notes.append("Not in this report (dependence weight 0 in " + table + "): " + ", ".join(
            f"{v} ({int(counts.get(v, 0))} rows)" for v in org.left_out) + ".")
    absent = load.unused_vendors(incidents, list(org.vendors["vendor"]))
    if absent:
        notes.append(f"Evidence kept but not in this report (not in {table}): " + ", ".join(
            f"{v} ({int(counts.get(v, 0))} rows" + (f"; did you mean {close}?)" if close
                                                     else ")")
            for v, close in sorted(absent.items())) + ".")
    return tuple(notes)


def missing_companions(main: Path) -> tuple[str, ...]:
    """A sentence when the incident file has no ``records.csv`` beside it while the project's
    data folder has one: a copy of the incident file alone (``DATA=`` elsewhere) leaves out
    every imported record (status histories, review lists, tenant exports), silently
    otherwise."""
    if (main.parent / config.RECORDS_NAME).exists() or not config.RECORDS_CSV.exists():
        return ()
    return (f"No {config.RECORDS_NAME} beside {main.name}: only its own rows are used, "
            "without the imported records (status histories, review lists, tenant exports), "
            "so no vendor has a rate. Copy records.csv, events.csv and the records/ folder "
            "beside it to use them.",)


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
    table["event"] = event_model.assign_events(table, links)
    return table


def rate_records(records: pd.DataFrame) -> pd.Series:
    """Per record id: can its counts be read as rates? Status histories and tenant exports
    that are complete, or lower bounds with a stated capture of at least 95%."""
    history = records["kind"].isin(HISTORY_KINDS)
    complete = records["capture"].eq("complete") | (
        records["capture"].eq("lower-bound") & records["capture_rate"].ge(MIN_CAPTURE))
    return pd.Series((history & complete).to_numpy(), index=records["record_id"])


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


# ---------------------------------------------------------------- proposing links


