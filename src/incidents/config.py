"""Every path the project uses, in one place.

Paths are resolved from the repository root (the folder holding ``pyproject.toml``), so the
package works from any working directory, including a papermill kernel started elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent

DATA_DIR = PROJECT_ROOT / "data"
INCIDENTS_CSV = DATA_DIR / "incidents.csv"
VENDORS_CSV = DATA_DIR / "vendors.csv"
#: The organisation file: its name, its vendor table (``vendors.csv`` beside it), functions.
ORGANISATION_TOML = DATA_DIR / "organisation.toml"
DATA_README = DATA_DIR / "README.md"
#: Beside the incident file: the records, event links, SLAs and published uptime.
RECORDS_NAME = "records.csv"
EVENTS_NAME = "events.csv"
SLAS_NAME = "slas.csv"
PUBLISHED_UPTIME_NAME = "published_uptime.csv"
#: Which status-page component counts against which service.
SERVICE_MAP_NAME = "service_map.csv"
#: Evidence files read from beside the incident file (with the records and event links).
VENDOR_COMPANIONS = (SLAS_NAME, PUBLISHED_UPTIME_NAME, SERVICE_MAP_NAME)
RECORDS_CSV = DATA_DIR / RECORDS_NAME
EVENTS_CSV = DATA_DIR / EVENTS_NAME
SLAS_CSV = DATA_DIR / SLAS_NAME
PUBLISHED_UPTIME_CSV = DATA_DIR / PUBLISHED_UPTIME_NAME
SERVICE_MAP_CSV = DATA_DIR / SERVICE_MAP_NAME
#: The imported records' incident files.
RECORDS_DIR = DATA_DIR / "records"

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORT_DIR = PROJECT_ROOT / "report"
BUILD_DIR = PROJECT_ROOT / ".build"
TEMPLATE_DIR = PACKAGE_DIR / "templates"

#: Environment variable that points every loader at another incident file.
DATA_ENV = "INCIDENTS_DATA"
#: Environment variable that points every loader at another vendor file.
VENDORS_ENV = "INCIDENTS_VENDORS"


def incidents_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The incident file: ``explicit`` if given, else ``$INCIDENTS_DATA``, else the default."""
    chosen = explicit or os.environ.get(DATA_ENV) or INCIDENTS_CSV
    return Path(chosen)


def vendors_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The organisation file (TOML) or a bare vendor CSV: ``explicit`` if given, else
    ``$INCIDENTS_VENDORS``, else ``data/organisation.toml`` (``data/vendors.csv`` without it)."""
    default = ORGANISATION_TOML if ORGANISATION_TOML.is_file() else VENDORS_CSV
    chosen = explicit or os.environ.get(VENDORS_ENV) or default
    return Path(chosen)
