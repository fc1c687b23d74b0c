"""The organisation the report is written for, described in one file the user edits.

``data/organisation.toml`` (or any file given with ``--org`` / ``ORG_FILE=``) holds the
organisation's name, a note for page one, the name of its vendor table (a CSV beside it:
which vendors it uses, which of their services, the business functions each serves, how much
it depends on each, the provider group and what each runs on), and one table per business
function: whether it is critical or important, its recovery time objective, the cost of an
hour of disruption, and which services serve it. A bare vendor CSV is accepted too (no name,
no functions table): every function is then served by all of its vendors' services.

Vendors not in the vendor table, or with a dependence weight of 0, are not in the report;
their records, SLAs and rows stay in the evidence base, unused.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from incidents import config
from incidents.data import load, schema
from incidents.errors import InputError, Problem

#: Content digest of the shipped example (organisation file and vendor table together): the
#: report says "example" while the files in use hash to it, and never once they are edited.
EXAMPLE_DIGEST = "81473c6c1438bde498836401638e856f2489aedf368ce7796f9792588aafca69"

#: Keys a function's table may hold.
FUNCTION_KEYS = {"critical": "true or false: a critical or important function",
                 "rto_hours": "recovery time objective in hours, a number above 0",
                 "cost_per_hour": "cost of an hour of disruption, a number of 0 or more",
                 "services": "the services that serve it, as \"Vendor: Service\" strings"}
TOP_KEYS = {"name": "the organisation's name", "note": "a sentence for page one",
            "vendors": "the vendor table's file name, beside this file",
            "functions": "one table per business function"}

FUNCTION_COLUMNS = ["function", "critical", "rto_hours", "cost_per_hour", "services"]


@dataclass(frozen=True)
class Organisation:
    """Who the report is for. ``vendors`` is the whole vendor table (``used`` says which
    vendors are in the report); ``functions`` has a row per business function named in the
    vendor table or the organisation file."""

    name: str
    note: str
    file: Path
    vendors: pd.DataFrame
    functions: pd.DataFrame
    is_example: bool

    @property
    def used(self) -> pd.DataFrame:
        """The vendor rows in the report: dependence weight above 0."""
        return self.vendors.loc[self.vendors["dependence_weight"].fillna(0) > 0].reset_index(
            drop=True)

    @property
    def left_out(self) -> list[str]:
        """Vendors listed with a dependence weight of 0 (kept out of the report)."""
        weight = self.vendors["dependence_weight"].fillna(0)
        return self.vendors.loc[weight <= 0, "vendor"].tolist()


def content_digest(*paths: Path) -> str:
    """SHA-256 over the files' bytes, in order (what :data:`EXAMPLE_DIGEST` is compared with)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_organisation(path: str | os.PathLike[str] | None = None) -> Organisation:
    """Read the organisation file (TOML) or a bare vendor CSV; raises :class:`InputError`
    listing every problem (file, line where known, key, and the fix)."""
    file = config.vendors_path(path)
    if file.suffix.lower() != ".toml":
        vendors = load_vendor_table(file)
        return Organisation("", "", file, vendors, _functions_from_vendors(vendors, {}),
                            _is_example(file))
    settings = _read_toml(file)
    problems = _key_problems(settings, file)
    table_name = settings.get("vendors", config.VENDORS_CSV.name)
    if not isinstance(table_name, str) or not _plain_name(table_name):
        problems.append(Problem(str(file), None, "vendors", f"'{load.shorten(table_name)}' is "
                                "not a file name", "name the vendor CSV beside this file, e.g. "
                                "vendors = \"vendors.csv\""))
        raise InputError(problems)
    vendor_file = file.parent / table_name
    try:
        vendors = load_vendor_table(vendor_file)
    except InputError as exc:
        raise InputError(problems + exc.problems) from None
    declared = settings.get("functions", {})
    problems += _function_problems(declared, file, vendors)
    if problems:
        raise InputError(problems)
    name, note = str(settings.get("name", "")).strip(), str(settings.get("note", "")).strip()
    return Organisation(name, note, file, vendors, _functions_from_vendors(vendors, declared),
                        _is_example(file, vendor_file))


def load_vendor_table(path: Path) -> pd.DataFrame:
    """Read and validate the vendor CSV; raises :class:`InputError` listing every problem."""
    frame, problems = load.read_table(path, schema.VENDOR_COLUMNS)
    problems += load.unique_problems(frame, str(path), ["vendor"], "vendor")
    problems += load.page_name_problems(frame, str(path))
    if problems:
        raise InputError(problems)
    typed = frame.rename(columns={"_line": "source_line"})
    typed["dependence_weight"] = pd.to_numeric(typed["dependence_weight"].replace("", np.nan))
    typed = typed.reset_index(drop=True)
    typed.attrs["source_file"] = str(path)
    return typed


def _is_example(*paths: Path) -> bool:
    try:
        return content_digest(*paths) == EXAMPLE_DIGEST
    except OSError:
        return False


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


_TOML_LINE = re.compile(r"at line (\d+)")


def _read_toml(file: Path) -> dict:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(str(file), None, None, "the organisation file does not "
                                  "exist", "give an existing file, or copy "
                                  "data/organisation.toml and edit it")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(file), None, None, f"cannot be read ({exc})",
                                  "save it as UTF-8 text")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _TOML_LINE.search(str(exc))
        raise InputError([Problem(str(file), int(line.group(1)) if line else None, None,
                                  f"is not valid TOML ({exc})", "correct the syntax "
                                  "(strings in double quotes, one key = value per line)")]
                         ) from None


def _key_problems(settings: dict, file: Path) -> list[Problem]:
    problems = [Problem(str(file), None, key, "is not a setting of the organisation file",
                        "use only: " + ", ".join(TOP_KEYS)) for key in settings
                if key not in TOP_KEYS]
    for key in ("name", "note"):
        if key in settings and not isinstance(settings[key], str):
            problems.append(Problem(str(file), None, key, "is not text",
                                    f"write it in double quotes: {key} = \"...\""))
    if "functions" in settings and not isinstance(settings["functions"], dict):
        problems.append(Problem(str(file), None, "functions", "is not a table of functions",
                                "write one [functions.\"name\"] table per function"))
    return problems


def _function_problems(declared: object, file: Path, vendors: pd.DataFrame) -> list[Problem]:
    if not isinstance(declared, dict):
        return []
    offered = {(v, s.strip()) for v, used in zip(vendors["vendor"], vendors["services_used"],
                                                 strict=True)
               for s in str(used).split(";") if s.strip()}
    names = set(vendors["vendor"])
    problems = []
    for name, settings in declared.items():
        where = f"functions.{name}"
        if not isinstance(settings, dict):
            problems.append(Problem(str(file), None, where, "is not a table",
                                    f"write [functions.\"{name}\"] and its keys below it"))
            continue
        fix = "use only: " + "; ".join(f"{k} ({v})" for k, v in FUNCTION_KEYS.items())
        problems += [Problem(str(file), None, f"{where}.{key}", "is not a key of a function",
                             fix) for key in settings if key not in FUNCTION_KEYS]
        problems += _value_problems(settings, file, where)
        problems += _unserved_problems(name, settings, file, vendors)
        for service in settings.get("services", []) if isinstance(
                settings.get("services"), list) else []:
            vendor, _, part = str(service).partition(":")
            # a vendor removed from the table takes its services with it: no problem
            if vendor.strip() in names and (vendor.strip(), part.strip()) not in offered:
                problems.append(Problem(str(file), None, f"{where}.services",
                                        f"'{load.shorten(service)}' is not a service the vendor "
                                        "table lists", "write \"Vendor: Service\" as in a "
                                        "vendor's services_used"))
    return problems


def _unserved_problems(name: str, settings: dict, file: Path, vendors: pd.DataFrame
                       ) -> list[Problem]:
    """A function that names its services must name one of every vendor that lists it."""
    services = settings.get("services")
    if not isinstance(services, list) or not services:
        return []
    naming = {str(s).partition(":")[0].strip() for s in services}
    problems = []
    for line, vendor, functions in vendors[["source_line", "vendor", "business_functions"]
                                           ].itertuples(index=False):
        if name in {f.strip() for f in str(functions).split(";")} and vendor not in naming:
            problems.append(Problem(vendors.attrs.get("source_file", ""), int(line),
                                    "business_functions", f"{vendor} is said to serve "
                                    f"'{name}', but {file.name} names none of its services "
                                    "for it", f"add \"{vendor}: <service>\" to "
                                    f"[functions.\"{name}\"] services, or remove '{name}' "
                                    "from this row"))
    return problems


def _value_problems(settings: dict, file: Path, where: str) -> list[Problem]:
    problems = []
    if "critical" in settings and not isinstance(settings["critical"], bool):
        problems.append(Problem(str(file), None, f"{where}.critical", "is not true or false",
                                "write critical = true or critical = false"))
    for key, low in (("rto_hours", 0.0), ("cost_per_hour", -1e-12)):
        value = settings.get(key)
        if key in settings and (isinstance(value, bool) or not isinstance(value, int | float)
                                or not math.isfinite(value) or value <= low):
            problems.append(Problem(str(file), None, f"{where}.{key}",
                                    f"'{load.shorten(value)}' is not allowed",
                                    f"write {FUNCTION_KEYS[key]}"))
    services = settings.get("services")
    if "services" in settings and not (isinstance(services, list) and all(
            isinstance(s, str) and ":" in s for s in services)):
        problems.append(Problem(str(file), None, f"{where}.services", "is not a list of "
                                "\"Vendor: Service\" strings",
                                "write services = [\"Microsoft 365: Exchange Online\"]"))
    return problems


def _listed_functions(vendors: pd.DataFrame) -> set[str]:
    return {f.strip() for cell in vendors["business_functions"].fillna("")
            for f in str(cell).split(";") if f.strip()}


def _functions_from_vendors(vendors: pd.DataFrame, declared: dict) -> pd.DataFrame:
    names = sorted(_listed_functions(vendors) | set(declared))
    rows = []
    for name in names:
        settings = declared.get(name, {}) or {}
        rows.append({"function": name, "critical": bool(settings.get("critical", False)),
                     "rto_hours": float(settings.get("rto_hours", np.nan)),
                     "cost_per_hour": float(settings.get("cost_per_hour", np.nan)),
                     "services": tuple(str(s).strip() for s in settings.get("services", []))})
    return pd.DataFrame(rows, columns=FUNCTION_COLUMNS)


def service_functions(organisation: Organisation) -> pd.DataFrame:
    """Which of the organisation's services serve which business function: ``vendor``,
    ``service``, ``function``. A function that names its services (``"Vendor: Service"``) is
    served by those; one that names none by every service its vendors use (``service`` empty
    when a vendor lists no services: the vendor as a whole)."""
    named = {row.function: row.services for row in organisation.functions.itertuples()}
    rows = []
    for vendor in organisation.used.itertuples():
        used = [s.strip() for s in str(vendor.services_used).split(";") if s.strip()]
        for function in (f.strip() for f in str(vendor.business_functions).split(";")):
            if not function:
                continue
            chosen = [s.partition(":")[2].strip() for s in named.get(function, ())
                      if s.partition(":")[0].strip() == vendor.vendor]
            if not named.get(function):
                chosen = used or [""]
            rows += [{"vendor": vendor.vendor, "service": s, "function": function}
                     for s in chosen]
    return pd.DataFrame(rows, columns=["vendor", "service", "function"]).drop_duplicates(
        ignore_index=True)
