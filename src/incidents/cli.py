"""Command line: ``python -m incidents COMMAND``.

Every command exits non-zero with a plain message on bad input; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from incidents.errors import IncidentsError, InputError, terminal_text

Handler = Callable[[argparse.Namespace], int]


def _validate(args: argparse.Namespace) -> int:
    from incidents import config, load

    # Both files are checked and every problem of both is reported in one run; with a broken
    # vendor file the incident file is still checked, without the vendor-name check.
    problems = []
    vendors = None
    try:
        vendors = load.load_vendors(args.vendors)
    except InputError as exc:
        problems += exc.problems
    try:
        _, found = load.validate_incidents(args.file, vendors=vendors)
    except InputError as exc:
        found = exc.problems
    problems += found
    if problems:
        raise InputError(problems)
    # The whole evidence base: records.csv, every record file it lists, events.csv.
    from incidents import evidence

    base = evidence.load_evidence(args.file, args.vendors)
    links = evidence.link_problems(base)
    if links:
        raise InputError(links)
    print(terminal_text(f"{config.incidents_path(args.file)}: no problems found "
                        f"({len(base.incidents)} rows in {len(base.files)} files, "
                        f"{len(base.records)} records, {len(base.links)} links)"))
    return 0


def _datadict(args: argparse.Namespace) -> int:
    from incidents import catalogue, load, schema

    if args.coverage:
        sys.stdout.write(catalogue.coverage_markdown(load.load_incidents(args.file)))
    else:
        sys.stdout.write(schema.data_dictionary_markdown())
    return 0


def _report(args: argparse.Namespace) -> int:
    from incidents import render

    return render.main(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (validate, datadict, report, import, fetch)."""
    parser = argparse.ArgumentParser(prog="python -m incidents", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check an incident file, print every problem")
    validate.add_argument("file", nargs="?", default=None, help="incident CSV (default: data/)")
    validate.add_argument("--vendors", default=None, help="vendor CSV (default: data/)")
    validate.set_defaults(handler=_validate)

    datadict = commands.add_parser("datadict", help="print the generated data dictionary")
    datadict.add_argument("--coverage", action="store_true",
                          help="print what the incident file covers instead")
    datadict.add_argument("file", nargs="?", default=None, help="incident CSV (default: data/)")
    datadict.set_defaults(handler=_datadict)

    report = commands.add_parser("report", help="render the report into report/")
    from incidents import render

    render.add_arguments(report)
    report.set_defaults(handler=_report)

    try:
        from incidents.importers import command as import_command
    except ImportError:  # importers are optional while being built
        import_command = None
    if import_command is not None:
        import_command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit code 0 on success, 2 with a plain message on bad input."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except IncidentsError as exc:
        if args.debug:
            raise
        print(f"error: {terminal_text(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("interrupted: nothing was published", file=sys.stderr)
        return 130
    except OSError as exc:
        if args.debug:
            raise
        print(terminal_text(f"error: {exc.strerror or exc} ({exc.filename or 'no file'})"),
              file=sys.stderr)
        return 2
