"""The companion tables beside the incident file, each read and validated with clear errors:
vendors, SLAs, records, event links, published uptime and the service map.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from incidents.data import load, schema
from incidents.errors import InputError, Problem


def load_vendors(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The vendors in the report: the rows of the organisation's vendor table
    (:func:`incidents.data.organisation.load_organisation`) with a dependence weight above 0.
    Raises :class:`InputError` listing every problem."""
    from incidents.data import organisation

    found = organisation.load_organisation(path)
    used = found.used
    used.attrs["source_file"] = found.vendors.attrs.get("source_file", str(found.file))
    return used


def _known_vendor_problems(frame: pd.DataFrame, name: str, vendors: pd.DataFrame | None
                           ) -> list[Problem]:
    """Every row names a vendor of ``vendors`` (no check without a vendor table)."""
    if vendors is None:
        return []
    return load.vendor_problems(frame, name, list(vendors["vendor"]),
                                vendors.attrs.get("source_file", "data/vendors.csv"))


def load_slas(path: str | os.PathLike[str], vendors: pd.DataFrame | None = None
              ) -> pd.DataFrame:
    """Read and validate ``slas.csv`` (one row per SLA); raises :class:`InputError`."""
    file = Path(path)
    frame, problems = load.read_table(file, schema.SLA_COLUMNS)
    problems += load.unique_problems(frame, str(file), ["sla_id"], "SLA")
    problems += credit_tier_problems(frame, str(file), "credit_tiers")
    problems += _known_vendor_problems(frame, str(file), vendors)
    if problems:
        raise InputError(problems)
    typed = frame.rename(columns={"_line": "source_line"})
    typed["target"] = pd.to_numeric(typed["target"].replace("", np.nan))
    typed.attrs["source_file"] = str(file)
    return typed.reset_index(drop=True)


_TIER = re.compile(r"^(0(\.[0-9]+)?|1(\.0+)?):([0-9]+(\.[0-9]+)?)\Z")


def credit_tier_problems(frame: pd.DataFrame, name: str, column: str) -> list[Problem]:
    """Every credit-tier cell must be ``threshold:credit`` pairs: a fraction and a percent
    from 0 to 100, thresholds falling as credits rise."""
    problems = []
    fix = ("write ';'-separated threshold:credit pairs, the threshold a fraction and the credit "
           "a percent of the fee, e.g. 0.999:10;0.99:25")
    for line, value in frame.loc[frame[column].ne(""), ["_line", column]].itertuples(
            index=False):
        pairs = [part.strip() for part in value.split(";") if part.strip()]
        matches = [_TIER.match(pair) for pair in pairs]
        if not pairs or not all(matches):
            problems.append(Problem(name, int(line), column,
                                    f"'{load.shorten(value)}' is not a list of credit tiers", fix))
            continue
        tiers = [(float(m.group(1)), float(m.group(4))) for m in matches if m]
        if any(credit > 100 for _, credit in tiers):
            problems.append(Problem(name, int(line), column,
                                    f"'{load.shorten(value)}' has a credit "
                                    "above 100%", fix))
        elif [t for t, _ in tiers] != sorted((t for t, _ in tiers), reverse=True):
            problems.append(Problem(name, int(line), column, f"'{load.shorten(value)}': thresholds "
                                    "must fall from one tier to the next", fix))
    return problems


def load_records(path: str | os.PathLike[str], vendors: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """Read and validate ``records.csv`` (one row per record); raises :class:`InputError`."""
    file = Path(path)
    frame, problems = load.read_table(file, schema.RECORD_COLUMNS)
    problems += load.unique_problems(frame, str(file), ["record_id"], "record")
    problems += record_id_problems(frame, str(file))
    problems += load.checked_days(frame, str(file), ("complete_from", "complete_to"))
    problems += _known_vendor_problems(frame, str(file), vendors)
    if problems:
        raise InputError(problems)
    typed = frame.rename(columns={"_line": "source_line"})
    for col in ("complete_from", "complete_to"):
        typed[col] = pd.to_datetime(typed[col], format="%Y-%m-%d", utc=True)
    typed["capture_rate"] = pd.to_numeric(typed["capture_rate"].replace("", np.nan))
    typed.attrs["source_file"] = str(file)
    return typed.reset_index(drop=True)


def record_id_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    """Every non-empty ``record_id`` is a name by :data:`schema.RECORD_ID_PATTERN` and every
    ``file`` a path inside the data folder (:func:`schema.is_relative_file`): ids name files
    and files are read and written, so ``../x`` or ``/etc/x`` must never pass."""
    ids = frame["record_id"]
    bad = ids.ne("") & ~ids.map(schema.is_record_id).astype(bool)
    problems = load.problems_where(frame, bad, name, "record_id",
                                   "'{value}' is not a record id",
                                   f"write the id with {schema.RECORD_ID_RULE}")
    outside = frame["file"].ne("") & ~frame["file"].map(schema.is_relative_file).astype(bool)
    return problems + load.problems_where(
        frame, outside, name, "file", "'{value}' is not a path inside the data folder",
        "write the record's file relative to data/, e.g. records/<record_id>.csv")


def load_event_links(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate ``events.csv`` (one row per linked incident row)."""
    file = Path(path)
    frame, problems = load.read_table(file, schema.EVENT_LINK_COLUMNS)
    problems += load.unique_problems(frame, str(file), ["event_id", "record_id", "incident_id"],
                                     "link")
    if problems:
        raise InputError(problems)
    typed = frame.rename(columns={"_line": "source_line"}).reset_index(drop=True)
    typed.attrs["source_file"] = str(file)
    return typed


def load_published_uptime(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate ``published_uptime.csv`` (figures a vendor published itself)."""
    file = Path(path)
    frame, problems = load.read_table(file, schema.PUBLISHED_UPTIME_COLUMNS)
    problems += load.checked_days(frame, str(file), ("period_start", "period_end"))
    if problems:
        raise InputError(problems)
    typed = frame.rename(columns={"_line": "source_line"})
    typed["uptime"] = pd.to_numeric(typed["uptime"])
    for col in ("period_start", "period_end"):
        typed[col] = pd.to_datetime(typed[col], format="%Y-%m-%d", utc=True)
    typed.attrs["source_file"] = str(file)
    return typed.reset_index(drop=True)


def load_service_map(path: str | os.PathLike[str], vendors: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """Read and validate ``service_map.csv`` (which status-page component counts against
    which service); raises :class:`InputError`. Adds ``regex``: each row's compiled
    full-match pattern (an exact name escaped)."""
    file = Path(path)
    frame, problems = load.read_table(file, schema.SERVICE_MAP_COLUMNS)
    problems += load.unique_problems(frame, str(file), ["vendor", "field", "match", "component"],
                                     "component")
    problems += _known_vendor_problems(frame, str(file), vendors)
    compiled = []
    for line, match, component in frame[["_line", "match", "component"]].itertuples(
            index=False):
        try:
            compiled.append(re.compile(component if match == "pattern" else re.escape(
                component)))
        except re.error as exc:
            compiled.append(None)
            problems.append(Problem(str(file), int(line), "component",
                                    f"'{load.shorten(component)}' is not a regular expression "
                                    f"({exc})", "correct the pattern, or set match to exact"))
    problems += load._url_problems(frame, str(file), "source_url")
    if problems:
        raise InputError(problems)
    typed = frame.rename(columns={"_line": "source_line"})
    typed["regex"] = compiled
    typed.attrs["source_file"] = str(file)
    return typed.reset_index(drop=True)
