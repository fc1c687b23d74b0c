"""Where a page's numbers came from: file and evidence hashes, the git commit, and the provenance
footer every page ends with.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from incidents import __version__, config
from incidents.present import narrative, report_data


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file (the provenance footer shows its start)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit() -> str:
    """The repository's commit (with ``+changes`` when the tree is dirty), or ``unknown``."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"],
                                cwd=config.PROJECT_ROOT, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=config.PROJECT_ROOT, capture_output=True, text=True,
                               timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")


def evidence_hash(data: report_data.ReportData) -> str:
    """SHA-256 over every data file the report read (incident files in order, then records,
    links, SLAs), so any change to any of them changes the stamp."""
    digest = hashlib.sha256()
    files = list(data.evidence.files) if data.evidence is not None else [data.data_file]
    folder = data.data_file.parent
    for name in (config.RECORDS_NAME, config.EVENTS_NAME):
        files.append(folder / name)
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def provenance(data: report_data.ReportData, parameters: Mapping[str, object]) -> str:
    """Markdown footer: data hash, rows, records, parameters, package version, commit, time."""
    params = "; ".join(f"{k} = {narrative.text(v)}" for k, v in parameters.items())
    generated = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
    records = data.records
    used = records.loc[records["record_id"].isin(data.incidents["record_id"])] if len(
        records) else records
    # Names as escaped text, not code spans (which would show the escapes).
    listed = ", ".join(narrative.text(r) for r in used["record_id"])
    return (f"**Provenance.** Data {narrative.text(data.data_file.name)} and the records "
            f"beside it (SHA-256 `{evidence_hash(data)[:16]}…`), "
            f"{len(data.incidents)} rows loaded, {len(data.window_incidents)} events in the "
            f"window {data.window.label()}; data cut-off {data.cutoff:%d %b %Y}. Records "
            f"(sources in data/README.md): "
            f"{listed}. Parameters: {params}. Package incidents "
            f"{__version__}, commit `{git_commit()}`. Generated {generated}.")
