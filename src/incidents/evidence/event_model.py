"""The event model: rows of one real-world outage joined into one event, and the best reading of
each field kept. A person's reading of the vendor's review (a curated row) beats a feed's
keyword guess; a record row gives the event its id, link and, where finer, its times; where the
two disagree the event says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from incidents.data import load, schema


def assign_events(incidents: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """The event of each row: rows joined by a shared ``event_id`` or a confirmed link in
    ``events.csv`` are one event (connected components of those joins). The event is named by
    the link's id, else the rows' ``event_id``, else ``record_id/incident_id``."""
    # Imported here: only the report's own process links rows into events (about 0.2 s of
    # import), the notebook kernels adopt the linked table.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

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

    def distinct(column: str) -> pd.Series:  # one sort; a join only where there is a list
        pairs = incidents[["event", column]].astype({column: "object"}).drop_duplicates(
            ).sort_values(["event", column])
        several = pairs["event"].duplicated(keep=False).to_numpy()
        values = pairs.loc[~several].set_index("event")[column]
        joined = pairs.loc[several].groupby("event", sort=False)[column].agg("; ".join)
        return (pd.concat([values, joined]) if len(joined) else values).astype(str)

    table = pd.DataFrame({
        "start_utc": grouped["start_utc"].min(),
        "vendors": distinct("vendor"),
        "records": distinct("record_id"),
        "rows": grouped.size(),
        "title": grouped["title"].first(),
    })
    table["vendor_count"] = table["vendors"].str.count(";") + 1
    return table.reset_index().sort_values("start_utc").reset_index(drop=True)


#: Columns a curated row adds to its event when the record row does not know them.
ENRICHMENT = ("affected_clients", "root_cause_category", "root_cause", "mitigation",
              "change_induced", "scope")


_UNKNOWN = frozenset({"", "unknown"})


def event_rows(incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per event and vendor: the row of a rate record (the vendor's own times) where
    there is one, else the first row; what only a curated row knows (cause, clients,
    mitigation, whether a change caused it, scope) filled in from the event's other rows.

    Where a person read the event (a curated row of the same vendor), :data:`READING` comes
    from that row and a time from the record row only where it is more precise (see
    :func:`_curated_reading`); ``disagreement`` lists what the rows said differently.

    ``ids_in_event`` lists the ids of the vendor's rows of the event, as the vendors wrote
    them (a re-logged incident such as EX1268771 stays findable beside EX1256020), and
    ``services_in_event`` what its rows named (products and services; empty for an event of
    one row), so the event reaches every service any of its rows names;
    ``rows_in_event`` counts the rows merged and ``curated_in_event`` says whether a person
    read one of them (causes and clients come from there); an event felt through several
    vendors keeps one row per vendor (each vendor's view of it), and ``vendors_in_event``
    says how many.
    """
    if incidents.empty:
        return incidents.assign(disagreement=pd.Series(dtype=object),
                                ids_in_event=pd.Series(dtype=object),
                                services_in_event=pd.Series(dtype=object),
                                rows_in_event=pd.Series(dtype=int),
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
    chosen = _curated_reading(ordered, chosen)
    sizes = ordered.groupby(keys, sort=False).size()
    read = ordered["record_kind"].eq("curated").groupby(
        [ordered["event"], ordered["vendor"]], sort=False).any()
    vendors = ordered.groupby("event", sort=False)["vendor"].nunique()
    at = pd.MultiIndex.from_frame(chosen[keys])
    chosen["rows_in_event"] = sizes.reindex(at).to_numpy()
    chosen["ids_in_event"] = chosen["incident_id"].astype("object").to_numpy()
    chosen["services_in_event"] = ""
    if multi.any():
        members = ordered.loc[multi]
        ids = members.groupby(keys, sort=False)["incident_id"].agg(
            lambda v: "; ".join(dict.fromkeys(v.astype(str))))
        joined = ids.reindex(at).to_numpy()
        chosen["ids_in_event"] = np.where(pd.isna(joined), chosen["ids_in_event"], joined)
        blank = pd.Series("", index=members.index, dtype=object)
        named = (members.get("product", blank).astype("object").fillna("") + "; "
                 + members.get("service", blank).astype("object").fillna("")).groupby(
            [members["event"], members["vendor"]], sort=False).agg("; ".join)
        found = named.reindex(at).to_numpy()
        chosen["services_in_event"] = np.where(pd.isna(found), "", found)
    chosen["curated_in_event"] = read.reindex(at).to_numpy(dtype=bool)
    chosen["vendors_in_event"] = chosen["event"].map(vendors).to_numpy()
    return chosen.drop(columns="_priority").sort_values(
        ["start_utc", "vendor", "incident_id"], kind="stable").reset_index(drop=True)


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


#: What a person reads from the vendor's review: on an event with a curated row these come
#: from it, never from a record row's keyword guess.
READING = ("product", "service", "classification", "impact", "severity", "scope",
           "affected_clients", "regions", "root_cause_category", "root_cause", "mitigation",
           "change_induced")
#: Fields whose disagreement between a record row and the curated row is worth showing.
DISAGREEMENT_FIELDS = ("product", "service", "impact", "severity", "start_utc", "end_utc")
#: (time column, its precision column, the columns that travel with it)
_TIMES = (("start_utc", "start_precision", ("start_utc", "start_precision", "detected_utc")),
          ("end_utc", "end_precision", ("end_utc", "end_precision", "end_latest_utc",
                                        "last_impact_utc")))
_FINENESS = {name: rank for rank, name in enumerate(schema.PRECISIONS)}


def _known(value: object) -> bool:
    return not pd.isna(value) and str(value) not in _UNKNOWN


def _shown(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    return "" if pd.isna(value) else str(value)


def _finer(record: pd.Series, curated: pd.Series, time: str, precision: str) -> bool:
    """The record row's time is strictly more precise than the curated row's (a curated
    time known to the day gives way to a status page's minute; an equal precision keeps
    the person's reading)."""
    if pd.isna(record[time]):
        return False
    if pd.isna(curated[time]):
        return True
    return _FINENESS.get(str(record[precision]), 99) < _FINENESS.get(str(curated[precision]), 99)


def _disagreement(record: pd.Series, curated: pd.Series) -> str:
    """``field: record value (record id) / curated value`` for each field the two read
    differently, ``; ``-separated; empty when they agree."""
    parts = []
    for col in DISAGREEMENT_FIELDS:
        a, b = _shown(record[col]), _shown(curated[col])
        if a and b and a.casefold() != b.casefold():
            parts.append(f"{col}: {a} ({record['record_id']}) / {b} (curated)")
    return "; ".join(parts)


def _curated_reading(ordered: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """``chosen`` (one row per event and vendor) with a person's reading where there is one.

    The representative row keeps its id, link, record and basis (it is the row rates count);
    :data:`READING` is replaced by the curated row's where it knows it, and each of start and
    end by the curated row's unless the representative's is strictly more precise. The fields
    the two rows read differently are listed in ``disagreement``.
    """
    chosen = chosen.copy()
    chosen["disagreement"] = ""
    curated = ordered.loc[ordered["record_kind"].eq("curated")
                          & ordered.duplicated(["event", "vendor"], keep=False)]
    curated = curated.drop_duplicates(["event", "vendor"])
    if curated.empty:
        return chosen
    position = pd.Series(range(len(chosen)), index=pd.MultiIndex.from_frame(
        chosen[["event", "vendor"]]))
    columns = {col: chosen[col].astype("object").to_numpy(copy=True)
               for col in {*READING, *(c for _, _, cs in _TIMES for c in cs)}}
    notes = chosen["disagreement"].to_numpy(copy=True)
    representative = chosen.reset_index(drop=True)
    for _, person in curated.iterrows():
        at = int(position[(person["event"], person["vendor"])])
        row = representative.iloc[at]
        if row["record_kind"] == "curated":
            continue
        notes[at] = _disagreement(row, person)
        for col in READING:
            if _known(person[col]):  # a person's "unknown" does not erase what a feed knew
                columns[col][at] = person[col]
        for time, precision, travelling in _TIMES:
            if not _finer(row, person, time, precision):
                for col in travelling:
                    columns[col][at] = person[col]
    for col, values in columns.items():
        dtype = chosen[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            chosen[col] = pd.Categorical(values, categories=dtype.categories)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            chosen[col] = pd.to_datetime(pd.Series(values, index=chosen.index), utc=True)
        else:
            chosen[col] = pd.Series(values, index=chosen.index).astype(dtype)
    chosen["disagreement"] = notes
    return chosen
