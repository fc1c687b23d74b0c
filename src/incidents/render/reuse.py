"""Re-render only what changed: each page is kept in ``.build/pages/`` under a key of
everything it reads, and a later run whose key matches takes the page from there instead of
running its notebook again.

A page's key is a SHA-256 over:

- the code: every file of the package, the notebook and ``requirements.txt`` (a changed
  source re-renders everything);
- its parameters, with the run's own file paths replaced by what they point at;
- its evidence. The portfolio reads everything: the bytes of every input file
  (:func:`incidents.data.inputs.input_files`) and the last published report's state as its
  "what changed" section shows it (:func:`incidents.present.scorecard.compared_state`: the
  day it was prepared, not the time). A deep dive reads its vendor's slice: the vendor's
  rows of every record, its records, SLAs, published uptime and service-map rows, its row
  of the vendor table and the business functions its services serve, its own cut-off, the
  window, and its exposure rank among all vendors (the one figure it shows about the
  others).

Chosen over papermill's or nbclient's own caching (they cache nothing across runs) and over
``joblib.Memory`` (it memoises function results, not the exported HTML and PDF files a page
is): a content-hash manifest is what make does for files, at the grain of a page. Publishing
stays atomic: taken pages are copied into the run's staging folder, and the published folder
is always one run's files; its index says which pages were taken from which earlier run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from incidents import config

#: The folder in the build folder where rendered pages are kept, one per page and key.
CACHE_NAME = "pages"
#: Parameters that name a run's own files (their content is in the key, not their path).
RUN_PATHS = ("data_file", "vendors_file", "previous_state", "state_out", "annex_out")
#: The file beside a kept page that says when it was rendered.
WHEN = "rendered-at.txt"


def cache_dir() -> Path:
    """Where pages are kept (read when called: the build folder can be pointed elsewhere)."""
    return config.BUILD_DIR / CACHE_NAME


def _digest(parts: list[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def code_digest(notebook: str) -> str:
    """Every file of the package (sources and templates), the notebook and the pinned
    requirements."""
    files = sorted(p for p in config.PACKAGE_DIR.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    files += [config.NOTEBOOKS_DIR / f"{notebook}.ipynb", config.PROJECT_ROOT / "requirements.txt"]
    return _digest([_shown(p).encode() + b"\0" + _bytes(p) for p in files])


def _shown(path: Path) -> str:
    """``path`` relative to the project where it is inside it (a notebook folder pointed
    elsewhere keeps its absolute path)."""
    try:
        return str(path.relative_to(config.PROJECT_ROOT))
    except ValueError:
        return str(path)


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"<absent>"


def table_digest(frame: pd.DataFrame | None) -> str:
    """A digest of a table's values and column names (row order included)."""
    if frame is None or frame.empty:
        return hashlib.sha256(b"<empty>" + ",".join(getattr(frame, "columns", [])).encode()
                              ).hexdigest()
    hashed = pd.util.hash_pandas_object(frame.drop(columns=["regex"], errors="ignore"),
                                        index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()
                          + ",".join(map(str, frame.columns)).encode()).hexdigest()


def _row_hashes(frame: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray, str] | None:
    """One hash per row of ``frame`` (values only, as :func:`table_digest` hashes them), the
    rows' vendors and the column names: hashed once, then selected per vendor."""
    if frame is None or frame.empty:
        return None
    hashed = pd.util.hash_pandas_object(frame.drop(columns=["regex"], errors="ignore"),
                                        index=False)
    return (hashed.to_numpy(), frame["vendor"].astype(str).to_numpy(),
            ",".join(map(str, frame.columns)))


def _rows_digest(rows: tuple[np.ndarray, np.ndarray, str] | None, vendor: str) -> str:
    """The digest of one vendor's rows of a table hashed by :func:`_row_hashes`."""
    if rows is None:
        return "<no table>"
    hashes, vendors, columns = rows
    mine = hashes[vendors == vendor]
    if not len(mine):
        return "<empty>"
    return hashlib.sha256(mine.tobytes() + columns.encode()).hexdigest()


def vendor_digests(data, exposure: pd.DataFrame) -> dict[str, str]:
    """Per vendor in ``data`` (a :class:`incidents.present.report_data.ReportData`), the
    digest of the evidence its deep dive reads (see the module docstring)."""
    from incidents.data import organisation

    found = data.evidence
    org = found.organisation if found is not None else None
    served = organisation.service_functions(org) if org is not None else pd.DataFrame(
        columns=["vendor", "service", "function"])
    functions = org.functions if org is not None else pd.DataFrame(columns=["function"])
    tables = {"incidents": data.incidents, "records": data.records, "slas": data.slas,
              "uptime": found.published_uptime if found is not None else None,
              "service_map": found.service_map if found is not None else None,
              "vendors": data.vendors, "served": served}
    ends = data.vendor_ends
    hashed = {name: _row_hashes(t) for name, t in tables.items()}
    out = {}
    for vendor in data.vendors["vendor"]:
        parts = [_rows_digest(rows, vendor) for rows in hashed.values()]
        mine = served.loc[served["vendor"] == vendor, "function"]
        parts.append(table_digest(functions.loc[functions["function"].isin(mine)].astype(str)))
        parts.append(table_digest(exposure.loc[exposure["vendor"] == vendor,
                                               ["rank", "rank_low", "rank_high", "why_no_rank"]]))
        parts += [str(ends.get(vendor)), str(data.window.start), str(len(exposure))]
        out[vendor] = _digest([p.encode() for p in parts])
    return out


def evidence_digest(files: list[Path]) -> str:
    """The bytes of every file the portfolio reads (a missing one counts as absent)."""
    return _digest([str(p.name).encode() + b"\0" + _bytes(p) for p in files])


def digest_text(text: str) -> str:
    """The digest of a text (a state compared, for one)."""
    return _digest([text.encode()])


def page_key(parameters: dict[str, object], code: str, evidence: str) -> str:
    """The key of one page: its code, its parameters (run paths left out) and its evidence."""
    kept = {k: v for k, v in sorted(parameters.items()) if k not in RUN_PATHS}
    return _digest([code.encode(), json.dumps(kept, sort_keys=True, default=str).encode(),
                    evidence.encode()])


def kept_page(stem: str, key: str, suffixes: tuple[str, ...]) -> Path | None:
    """The folder holding the page ``stem`` rendered under ``key`` with every file of
    ``suffixes``, or None."""
    folder = cache_dir() / stem / key
    if all((folder / f"{stem}{suffix}").is_file() for suffix in suffixes):
        return folder
    return None


def rendered_at(folder: Path) -> str:
    """When the kept page was rendered ("" when unknown)."""
    try:
        return (folder / WHEN).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def take(folder: Path, staging: Path, names: list[str]) -> None:
    """Copy a kept page's files into the run's staging folder."""
    for name in names:
        source = folder / name
        if source.is_file():
            shutil.copyfile(source, staging / name)


def keep(stem: str, key: str, staging: Path, names: list[str]) -> None:
    """Store a freshly rendered page's files under its key, replacing the page's older keys.
    A failure here costs the next run a re-render, never this run: it is ignored."""
    folder = cache_dir() / stem / key
    try:
        if folder.parent.is_dir():
            for older in folder.parent.iterdir():
                if older.name != key:
                    shutil.rmtree(older, ignore_errors=True)
        temporary = folder.with_name(f".{key}.partial")
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir(parents=True)
        for name in names:
            if (staging / name).is_file():
                shutil.copyfile(staging / name, temporary / name)
        (temporary / WHEN).write_text(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                      encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        temporary.rename(folder)
    except OSError:
        return
