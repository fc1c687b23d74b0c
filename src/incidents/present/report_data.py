"""What a report notebook works on: the data loaded and checked once, the window, and the vendors
and services in use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from incidents.analysis import metrics
from incidents.evidence import records as evidence_module


@dataclass(frozen=True)
class ReportData:
    """Everything a report notebook works on, loaded and checked once.

    ``incidents`` holds every row of every record; ``window_incidents`` one row per event and
    vendor in the window (:func:`incidents.evidence.records.event_rows`), which every count uses.
    """

    incidents: pd.DataFrame
    vendors: pd.DataFrame
    window: metrics.Window
    window_incidents: pd.DataFrame
    data_file: Path
    skipped: list[str] = field(default_factory=list)  # one plain sentence per problem
    evidence: evidence_module.Evidence | None = None
    window_note: str = ""
    skipped_rows: int = 0  # rows left out as invalid (a row may have several problems)

    @property
    def records(self) -> pd.DataFrame:
        return self.evidence.records if self.evidence is not None else pd.DataFrame()

    @property
    def slas(self) -> pd.DataFrame:
        return self.evidence.slas if self.evidence is not None else pd.DataFrame()

    @property
    def cutoff(self) -> pd.Timestamp:
        return self.evidence.cutoff if self.evidence is not None else self.window.end

    @property
    def vendor_ends(self) -> pd.Series:
        """Per vendor in the report, where its figures end: the day after its own cut-off
        (:attr:`incidents.evidence.records.Evidence.vendor_cutoffs`), never past the window's
        end; the window's end for a vendor with no evidence."""
        cutoffs = (self.evidence.vendor_cutoffs if self.evidence is not None
                   else pd.Series(dtype="datetime64[ns, UTC]"))
        ends = (cutoffs + pd.Timedelta(days=1)).clip(upper=self.window.end)
        return ends.reindex(self.vendors["vendor"]).fillna(self.window.end).clip(
            lower=self.window.start).rename("end")


#: Tables remembered per store (the oldest is dropped past this).
_REMEMBERED = 8
#: Every store of :func:`remembered`, by name: a report run hands what its own process
#: computed to its kernels with the prepared data (see
#: :func:`incidents.present.report.save_prepared`).
STORES: dict[str, dict] = {}


def store(name: str) -> dict:
    """The store of remembered tables called ``name`` (made on first use)."""
    return STORES.setdefault(name, {})


def shared_tables() -> dict[str, list[tuple[tuple, ReportData, object]]]:
    """Every remembered table with its data set and key (without the data set's ``id``,
    which means nothing in another process), by store."""
    return {name: [(key[1:], data, table) for key, (data, table) in entries.items()]
            for name, entries in STORES.items()}


def adopt_tables(shared: dict[str, list[tuple[tuple, ReportData, object]]]) -> None:
    """Remember tables :func:`shared_tables` listed in another process, keyed on their data
    sets as this process holds them (unpickled together with them)."""
    for name, entries in shared.items():
        target = store(name)
        for key, data, table in entries:
            if len(target) < _REMEMBERED:
                target.setdefault((id(data), *key), (data, table))


def remembered(store: dict, data: ReportData, key: tuple, compute) -> pd.DataFrame:
    """``compute()`` once per data set and ``key`` (the data object is kept beside the result,
    so a new data set at a reused ``id`` is never served another's table)."""
    full_key = (id(data), *key)
    hit = store.get(full_key)
    if hit is not None and hit[0] is data:
        return hit[1]
    table = compute()
    if len(store) >= _REMEMBERED:
        store.pop(next(iter(store)))
    store[full_key] = (data, table)
    return table
