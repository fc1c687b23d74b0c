"""Every file a report reads, listed without loading anything (standard library only, so
``make report`` can ask on every run and a report with nothing to do stays instant).

``python -m incidents.data.inputs [--data PATH] [--vendors PATH]`` prints one path per line:
the incident file; ``records.csv``, ``events.csv``, the SLAs, published uptime and service map
beside it; each record file ``records.csv`` lists; the organisation file and the vendor table
it names. Missing files are listed too (creating one changes the report).
"""

from __future__ import annotations

import argparse
import csv
import tomllib
from pathlib import Path

from incidents import config


def record_names(folder: Path) -> list[str]:
    """The record files ``records.csv`` in ``folder`` lists, as written (relative names; none
    when the file is unreadable: the loader explains that)."""
    try:
        with (folder / config.RECORDS_NAME).open(encoding="utf-8-sig", newline="") as handle:
            return [row["file"] for row in csv.DictReader(handle) if row.get("file")]
    except (OSError, UnicodeDecodeError, csv.Error, KeyError):
        return []


def record_files(folder: Path) -> list[Path]:
    """The record files ``records.csv`` in ``folder`` lists, as paths."""
    return [folder / name for name in record_names(folder)]


def organisation_files(vendors: str | None) -> list[Path]:
    """The organisation file and the vendor table it names (one file for a bare vendor CSV)."""
    file = config.vendors_path(vendors or None)
    if file.suffix.lower() != ".toml":
        return [file]
    try:
        name = tomllib.loads(file.read_text(encoding="utf-8-sig")).get(
            "vendors", config.VENDORS_CSV.name)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return [file]
    plain = isinstance(name, str) and name and "/" not in name and "\\" not in name
    return [file, file.parent / name] if plain else [file]


def input_files(data: str | None = None, vendors: str | None = None) -> list[Path]:
    """Every file the report reads for these options, each once, in a stable order."""
    main = config.incidents_path(data or None)
    folder = main.parent
    beside = [folder / name for name in (config.RECORDS_NAME, config.EVENTS_NAME,
                                          *config.VENDOR_COMPANIONS)]
    files = [main, *beside, *record_files(folder), *organisation_files(vendors)]
    return list(dict.fromkeys(files))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m incidents.data.inputs",
                                     description="List every file the report reads.")
    parser.add_argument("--data", default="", help="incident CSV (default: data/incidents.csv)")
    parser.add_argument("--vendors", default="",
                        help="organisation file (default: data/organisation.toml)")
    args = parser.parse_args(argv)
    for path in input_files(args.data, args.vendors):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
