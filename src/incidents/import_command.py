"""The ``import`` and ``fetch`` commands.

``python -m incidents import FORMAT FILE [--record RECORD_ID] [--vendor NAME] [--into PATH]
[--vendors PATH] [--dry-run]`` reads a vendor feed saved as JSON or JSON Lines (FORMAT: see
:data:`FORMATS`) and merges it into the incident file, or, with ``--record``, into that
record's own file (``data/records/<record_id>.csv``, as ``data/records.csv`` lists it), every
row named with the record; a fresh download of the same feed accumulates into the same record
through the same idempotent merge. ``msgraph --record ID`` creates a tenant record when
``records.csv`` does not list it yet, complete from the export's first issue, and extends its
period on later exports; ``python -m incidents fetch statuspage URL [--vendor NAME]
[--timeout 10] [--into PATH] [--vendors PATH] [--dry-run]`` downloads a status page's
``/api/v2/incidents.json`` first. Both print a summary: rows added, updated, unchanged and
dropped, the diff, warnings and the mappings used. A Statuspage feed names its vendor in
``page.name``, used when ``--vendor`` is not given; a vendor name is matched against the vendor
file ignoring case. After a write into the project's own ``data/incidents.csv`` the generated
sections of ``data/README.md`` are brought up to date.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incidents.errors import ImportUsageError, terminal_text

#: FORMAT -> what it reads.
FORMAT_HELP: dict[str, str] = {
    "statuspage": "Atlassian Statuspage /api/v2/incidents.json",
    "msgraph": "Microsoft Graph serviceAnnouncement/issues (a tenant's export)",
    "gcloud": "Google Cloud status incidents.json",
    "github-history": "GitHub's status history as archived from history.atom (JSON Lines)",
    "statuspage-polls": "a poll-derived Statuspage record (JSON Lines of last-seen states)",
    "slack-polls": "a poll-derived record of Slack's status API (JSON Lines)",
    "aws-shd": "the old AWS Service Health Dashboard data.json (to April 2023)",
    "aws-health": "AWS Health Dashboard public events as archived (JSON array)",
    "azure-pir": "Azure post-incident reviews as archived (JSON array)",
}
FORMATS = tuple(FORMAT_HELP)
#: Formats saved as JSON Lines (one incident per line).
JSONL_FORMATS = frozenset({"github-history", "statuspage-polls", "slack-polls"})
EXAMPLES_SHOWN = 5


def register(subparsers: Any) -> None:
    """Add the ``import`` and ``fetch`` sub-commands to the CLI's sub-parsers."""
    importer = subparsers.add_parser(
        "import", help="merge a vendor status feed (JSON file) into the incident file",
        description="Merge a vendor's status feed, saved as JSON, into the incident file. "
        "Curated cells are never overwritten by empty, 'unknown' or coarser values.")
    importer.add_argument("format", choices=FORMATS, metavar="FORMAT",
                          help="; ".join(f"{k} ({v})" for k, v in FORMAT_HELP.items()))
    importer.add_argument("file", metavar="FILE", help="the saved JSON feed")
    importer.add_argument("--record", default=None, metavar="RECORD_ID",
                          help="merge into this record's file (listed in data/records.csv; "
                          "msgraph creates a tenant record when it is not listed; default: "
                          "the incident file)")
    _options(importer, vendor_help="vendor name as in data/vendors.csv, matched ignoring "
             "case (default: statuspage takes the feed's page.name, msgraph writes 'Microsoft "
             "365', gcloud 'Google Cloud')")
    importer.set_defaults(handler=_import_command)

    fetch = subparsers.add_parser(
        "fetch", help="download a status page's feed, or a tenant's service health, and merge "
        "it", description="statuspage: download <URL>/api/v2/incidents.json and merge it into "
        "the incident file. msgraph: download the tenant's service health issues from "
        "Microsoft Graph (every page, throttling waited out) and merge them into the tenant "
        "record (--record); credentials come from the environment (see the README), never "
        "from the command line.")
    fetch.add_argument("format", choices=("statuspage", "msgraph"), metavar="FORMAT",
                       help="statuspage (a public status page) or msgraph (a Microsoft 365 "
                       "tenant's service health, app permission ServiceHealth.Read.All)")
    fetch.add_argument("url", metavar="URL", nargs="?", default=None,
                       help="statuspage: the status page, e.g. https://www.githubstatus.com "
                       "(default: none; msgraph takes none)")
    fetch.add_argument("--timeout", type=float, default=10.0,
                       help="seconds to wait for each download (default: 10)")
    fetch.add_argument("--record", default=None, metavar="RECORD_ID",
                       help="merge into this record's file (msgraph: e.g. "
                       "microsoft-365-tenant, created when records.csv does not list it; "
                       "default: the incident file)")
    fetch.add_argument("--graph-url", default=None, metavar="URL",
                       help="msgraph: the Graph endpoint (default: "
                       "https://graph.microsoft.com/v1.0)")
    fetch.add_argument("--token-env", default=None, metavar="NAME",
                       help="msgraph: take a ready bearer token from environment variable NAME "
                       "(default: sign in with MSAL from INCIDENTS_GRAPH_* variables)")
    _options(fetch, vendor_help="vendor name as in data/vendors.csv, matched ignoring case "
             "(default: the page's name)")
    fetch.set_defaults(handler=_fetch_command)


def _options(parser: argparse.ArgumentParser, vendor_help: str) -> None:
    parser.add_argument("--vendor", default=None, metavar="NAME", help=vendor_help)
    parser.add_argument("--into", default=None, metavar="PATH",
                        help="incident CSV to merge into (default: data/incidents.csv, or "
                        "$INCIDENTS_DATA)")
    parser.add_argument("--vendors", default=None, metavar="PATH",
                        help="vendor CSV the vendor names are checked against (default: "
                        "data/vendors.csv, or $INCIDENTS_VENDORS; skipped when absent)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would change and leave the file untouched (default: "
                        "write the merged file)")


# ---------------------------------------------------------------- running an import


@dataclass
class ImportReport:
    """Everything the summary prints."""

    fmt: str
    source: str
    rows: int
    findings: list[Any]
    merge: Any
    notes: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return sum(1 for f in self.findings if f.level == "dropped")


def parse_feed(fmt: str, data: Any, source: Any, vendor: str | None) -> tuple[list[dict[str,
                                                                                        str]],
                                                                              list[Any]]:
    """Rows and findings of a parsed feed in ``fmt``."""
    from incidents.data.importers import (
        aws,
        azure,
        gcloud,
        github_history,
        msgraph,
        polls,
        statuspage,
    )

    if fmt == "statuspage":
        if not vendor:
            raise ImportUsageError(
                f"{source.name}: this Statuspage feed has no page.name saying which vendor it "
                "is. Fix: pass --vendor NAME with the vendor's name as in data/vendors.csv "
                "(e.g. --vendor GitHub)")
        return statuspage.parse(data, vendor=vendor, source=source)
    parsers: dict[str, Callable[..., Any]] = {
        "msgraph": msgraph.parse, "gcloud": gcloud.parse, "github-history": github_history.parse,
        "statuspage-polls": polls.parse_statuspage, "slack-polls": polls.parse_slack,
        "aws-shd": aws.parse_shd, "aws-health": aws.parse_health, "azure-pir": azure.parse}
    if fmt not in parsers:
        raise ImportUsageError(f"unknown FORMAT '{fmt}'. Fix: use one of {', '.join(FORMATS)}")
    if vendor:
        return parsers[fmt](data, vendor=vendor, source=source)
    return parsers[fmt](data, source=source)


def regroup_for(fmt: str) -> Callable[[list[dict[str, str]]], None] | None:
    """The function that sets shared event ids over a whole record file after a merge."""
    from incidents.data.importers import aws, polls

    return {"aws-shd": aws.group_events, "statuspage-polls": polls.group_cross_posts}.get(fmt)


def run_import(fmt: str, data: Any, source: Any, *, vendor: str | None = None,
               into: str | Path | None = None, vendors: str | Path | None = None,
               dry_run: bool = False, now: Any = None,
               record: str | None = None) -> ImportReport:
    """Parse a feed and merge it into the incident file (or, with ``record``, into that
    record's file); the report of what happened.

    Before anything is written (a dry run too), the import is rehearsed on a copy of the files
    ``validate`` reads (:func:`rehearse`) and the result loaded exactly as ``validate`` loads
    it: a problem there is raised naming the real files, and nothing is written.
    """
    from incidents.data.importers import records as record_files

    if record is not None:  # before parsing; "" is refused too, not read as "no record"
        record_files.check_record_id(record)
    rehearse(fmt, data, source, vendor=vendor, into=into, vendors=vendors, now=now,
             record=record)
    return _import(fmt, data, source, vendor=vendor, into=into, vendors=vendors,
                   dry_run=dry_run, now=now, record=record)


def rehearse(fmt: str, data: Any, source: Any, *, vendor: str | None,
             into: str | Path | None, vendors: str | Path | None, now: Any,
             record: str | None) -> None:
    """Run the import on a temporary copy of the incident file's folder (the incident file,
    ``records.csv``, ``events.csv``, the record files it lists and, when the vendor file lies
    there, the vendor-side files) and load the result as ``validate`` does; raise the
    problems the import would add (those the data had before are not its to answer for),
    naming the real files. A generated section of ``data/README.md`` whose
    markers are broken is refused here too, before any file changes."""
    import shutil
    import tempfile

    from incidents import config
    from incidents.errors import InputError, Problem
    from incidents.evidence import datadoc
    from incidents.evidence import records as evidence

    main = config.incidents_path(into)
    folder = main.parent
    if not folder.is_dir():
        return  # the merge names the missing folder
    if datadoc.documents(main) and config.DATA_README.exists():
        datadoc.check_markers(config.DATA_README.read_text(encoding="utf-8"),
                              datadoc.shown(config.DATA_README))
    vendors_file = config.vendors_path(vendors)
    if not vendors_file.is_file():
        return  # no vendor file, no validation to rehearse (the summary says so)
    with tempfile.TemporaryDirectory(prefix="incidents-import-") as temp:
        staged = Path(temp) / "data"
        staged.mkdir()
        for name in _files_validate_reads(folder, main, vendors_file):
            copy = staged / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, copy)
        staged_vendors = (staged / vendors_file.name if vendors_file.parent.resolve()
                          == folder.resolve() else vendors_file)
        def problems() -> list[Problem]:
            try:
                evidence.load_evidence(staged / main.name, staged_vendors, now=now)
            except InputError as exc:
                return exc.problems
            return []

        def relabel(problem: Problem) -> Problem:
            real = str(folder)
            if not problem.file.startswith(str(staged)):
                return problem  # the feed's own problem, named as given
            return Problem(problem.file.replace(str(staged), real), problem.line,
                           problem.column, problem.message.replace(str(staged), real),
                           problem.fix.replace(str(staged), real) + " (the import was "
                           "stopped before writing: nothing was changed)")

        before = {str(problem) for problem in problems()}  # not the import's to answer for
        try:
            _import(fmt, data, source, vendor=vendor, into=staged / main.name,
                    vendors=staged_vendors, dry_run=False, now=now, record=record)
        except InputError as exc:
            raise InputError([relabel(p) for p in exc.problems]) from None
        new = [problem for problem in problems() if str(problem) not in before]
        if new:
            raise InputError([relabel(p) for p in new])


def _files_validate_reads(folder: Path, main: Path, vendors_file: Path) -> list[str]:
    """Names, relative to ``folder``, of the regular files there that ``validate`` reads for
    the incident file ``main``."""
    import csv

    from incidents import config

    names = [main.name, config.RECORDS_NAME, config.EVENTS_NAME, *config.VENDOR_COMPANIONS]
    if vendors_file.parent.resolve() == folder.resolve():
        names += [vendors_file.name, config.VENDORS_CSV.name]
    listing = folder / config.RECORDS_NAME
    if listing.is_file():
        with listing.open(encoding="utf-8-sig", newline="") as handle:
            names += [row.get("file") or "" for row in csv.DictReader(handle)]
    inside = []
    for name in dict.fromkeys(names):
        path = folder / name
        if name and path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(
                folder.resolve()):
            inside.append(name)
    return inside


def _import(fmt: str, data: Any, source: Any, *, vendor: str | None,
            into: str | Path | None, vendors: str | Path | None, dry_run: bool, now: Any,
            record: str | None) -> ImportReport:
    """:func:`run_import` without the rehearsal."""
    from incidents import config
    from incidents.data import load
    from incidents.data.importers import mapping, merge
    from incidents.data.importers import records as record_files
    from incidents.data.importers.common import Finding

    target = config.incidents_path(into)  # merge.merge_file checks what it writes
    rows, findings = parse_feed(fmt, data, source, vendor)
    notes: list[str] = []
    table = None
    commit = None
    if record:
        target, table, created, commit, outside = record_files.prepare(
            record, fmt, rows, target, vendors=vendors)
        findings = findings + [Finding("outside the record's period", f"starts "
                                       f"{row['start_utc'][:10]}: not in record {record}",
                                       row["incident_id"], "dropped") for row in outside]
        if created:
            notes.append(created + (" (dry run: not written)" if dry_run else ""))
    for row in rows:
        row["record_id"] = record or row.get("record_id") or load.curated_record_id(
            row["vendor"])
    result = merge.merge_file(target, rows,
                              derivable=mapping.DERIVABLE_IMPACT_SEVERITY.get(fmt),
                              vendors_path=vendors, dry_run=dry_run, now=now,
                              imported_from=source.name, regroup=regroup_for(fmt),
                              records=table)
    if commit is not None and not dry_run:
        commit()
    findings = findings + result.kept
    dropped = {f.incident_id for f in findings if f.level == "dropped"}
    state = merge.read_state(target) if dropped and target.exists() else None
    for row in state.rows if state else []:
        if row["incident_id"] in dropped:
            findings.append(Finding("dropped but in the file", "the feed withdrew this issue "
                                    "(falsePositive); remove its row by hand if you agree",
                                    row["incident_id"], "warning"))
    report = ImportReport(fmt, source.name, len(rows), findings, result, notes)
    vendors_file = config.vendors_path(vendors)
    if not vendors_file.exists():
        report.notes.append(f"{vendors_file} does not exist: vendor names were not checked")
    return report


def summary(report: ImportReport) -> str:
    """The text the commands print."""
    result = report.merge
    lines = [f"{report.source} ({report.fmt}): {report.rows + report.dropped} incident(s) in "
             f"the feed, {report.rows} imported, {report.dropped} dropped"]
    action = "would change" if result.dry_run else ("updated" if result.written else
                                                    "unchanged")
    lines.append(f"{result.path} {action}: added {len(result.added)}, updated "
                 f"{len(result.changed)}, unchanged {len(result.unchanged)}")
    if result.dry_run:
        lines.append("dry run: the file was left untouched")
    diff = result.diff_lines()
    if diff:
        lines.append("changes:" if not result.dry_run else "changes it would make:")
        lines += diff
    lines += report.notes
    warnings = [f for f in report.findings if f.level in ("warning", "dropped")]
    if warnings:
        lines.append(f"warnings ({len(warnings)}):")
        lines += _grouped_warnings(warnings)
    mappings = [f for f in report.findings if f.level == "mapping"]
    if mappings:
        lines.append("mappings used (incidents):")
        lines += _grouped_mappings(mappings)
    return "\n".join(lines)


def _grouped_warnings(findings: list[Any]) -> list[str]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for finding in findings:
        groups[finding.topic].append(finding)
    lines = []
    for topic, items in sorted(groups.items()):
        lines.append(f"  {topic} ({len(items)}):")
        lines += [f"    {f.incident_id}: {f.detail}" if f.incident_id else f"    {f.detail}"
                  for f in items[:EXAMPLES_SHOWN]]
        if len(items) > EXAMPLES_SHOWN:
            lines.append(f"    ... and {len(items) - EXAMPLES_SHOWN} more")
    return lines


def mapping_counts(findings: list[Any]) -> dict[tuple[str, str], int]:
    """How many incidents needed each (topic, detail) mapping."""
    ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for finding in findings:
        if finding.level == "mapping":
            ids[(finding.topic, finding.detail)].add(finding.incident_id)
    return {key: len(value) for key, value in ids.items()}


def _grouped_mappings(findings: list[Any]) -> list[str]:
    counts = mapping_counts(findings)
    ordered = sorted(counts.items(), key=lambda item: (item[0][0], -item[1], item[0][1]))
    return [f"  {topic}: {detail}: {count}" for (topic, detail), count in ordered]


# ---------------------------------------------------------------- handlers


def page_vendor(data: Any) -> str | None:
    """The vendor a Statuspage feed names in ``page.name``, or ``None``."""
    page = data.get("page") if isinstance(data, dict) else None
    name = page.get("name") if isinstance(page, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def known_vendor(vendor: str | None, vendors: str | Path | None) -> str | None:
    """``vendor`` spelled as the vendor file spells it when it matches one ignoring case;
    otherwise unchanged (the merge's validation then names the problem)."""
    from incidents import config

    vendors_file = config.vendors_path(vendors)
    if not vendor or not vendors_file.exists():
        return vendor
    import csv
    import io

    from incidents.data.importers import feedjson
    from incidents.data.read import MAX_FILE_BYTES

    if vendors_file.suffix.lower() == ".toml":  # the organisation file names its table
        from incidents.data import organisation
        from incidents.errors import InputError

        try:
            names = list(organisation.load_organisation(vendors_file).vendors["vendor"])
        except InputError:
            return vendor  # the merge's validation names the problem
        return _spelled_as(vendor, names)
    data = feedjson.read_regular(vendors_file, MAX_FILE_BYTES, "pass --vendors the path of "
                                 "the vendor CSV (e.g. data/vendors.csv)")
    try:
        text = data.decode("utf-8-sig")
        names = [row.get("vendor") or "" for row in csv.DictReader(io.StringIO(text,
                                                                               newline=""))]
    except (UnicodeDecodeError, csv.Error):
        return vendor  # the merge's validation of the vendor file names the problem
    return _spelled_as(vendor, names)


def _spelled_as(vendor: str, names: list[str]) -> str:
    """``vendor`` as ``names`` spells it, ignoring case and Unicode forms; else unchanged."""
    from incidents.data import load

    folded = {load.fold_name(name): name for name in names if name}
    return folded.get(load.fold_name(vendor), vendor)


def _choose_vendor(args: argparse.Namespace, data: Any) -> tuple[str | None, list[str]]:
    """The vendor to import under, and a note when it came from the feed itself."""
    if args.vendor:
        return known_vendor(args.vendor, args.vendors), []
    if args.format != "statuspage":
        return None, []
    name = page_vendor(data)
    if name is None:
        return None, []
    vendor = known_vendor(name, args.vendors)
    return vendor, [f"vendor '{vendor}' is the page's name (pass --vendor to change it)"]


def refresh_data_readme(report: ImportReport) -> str | None:
    """After a write into the project's own incident file, bring the generated sections of
    ``data/README.md`` up to date (the data test compares them with the file); the note to
    print, or ``None``."""
    from incidents import config
    from incidents.evidence import datadoc

    result = report.merge
    if not result.written or not datadoc.documents(result.path):
        return None
    if datadoc.refresh():
        return f"{datadoc.shown(config.DATA_README)}: generated sections brought up to date"
    return None


def _run_and_print(args: argparse.Namespace, data: Any, source: Any) -> int:
    vendor, notes = _choose_vendor(args, data)
    report = run_import(args.format, data, source, vendor=vendor, into=args.into,
                        vendors=args.vendors, dry_run=args.dry_run,
                        record=getattr(args, "record", None))
    report.notes += notes
    readme = refresh_data_readme(report)
    if readme:
        report.notes.append(readme)
    print(terminal_text(summary(report)))
    return 0


def check_options(args: argparse.Namespace) -> None:
    """Refuse a ``--record`` that is not a record id, an ``--into`` that is not a regular file
    (or a new name in an existing folder) and a ``--vendors`` that is not a regular file, before
    any feed is read or downloaded and before anything is created (a dry run too)."""
    from incidents import config
    from incidents.data.importers import merge
    from incidents.data.importers import records as record_files

    if getattr(args, "record", None) is not None:
        record_files.check_record_id(args.record)
    problem = merge.target_problem(config.incidents_path(args.into))
    if problem is not None:
        raise ImportUsageError(str(problem))
    vendors_file = config.vendors_path(args.vendors)
    if vendors_file.exists() and not vendors_file.is_file():
        raise ImportUsageError(f"--vendors {vendors_file} is not a regular file (a folder, a "
                               "pipe or a device). Fix: pass the path of the vendor CSV, e.g. "
                               "--vendors data/vendors.csv")


def _import_command(args: argparse.Namespace) -> int:
    from incidents.data.importers import feedjson

    check_options(args)
    if args.format in JSONL_FORMATS:
        data, source = feedjson.read_jsonl(args.file)
    else:
        data, source = feedjson.read_file(args.file)
    return _run_and_print(args, data, source)


def _fetch_command(args: argparse.Namespace) -> int:
    from incidents.data.importers import feedjson, fetch, graph

    fetch.check_timeout(args.timeout)
    check_options(args)
    if args.format == "msgraph":
        if args.url is not None:
            raise ImportUsageError(f"fetch msgraph takes no URL (got {args.url!r}). Fix: use "
                                   "--graph-url for another Graph endpoint")
        url = graph.issues_url(args.graph_url or graph.GRAPH_URL)
        data = graph.fetch_issues(args.graph_url or graph.GRAPH_URL,
                                  graph.bearer_token(args.token_env), args.timeout)
        return _run_and_print(args, data, feedjson.Source(url))
    if args.url is None or args.graph_url or args.token_env:
        raise ImportUsageError("fetch statuspage takes the status page's URL and no Graph "
                               "option. Fix: e.g. python -m incidents fetch statuspage "
                               "https://www.githubstatus.com")
    url = fetch.statuspage_feed_url(args.url)
    data, source = feedjson.parse_bytes(fetch.get(url, args.timeout), url)
    return _run_and_print(args, data, source)
