"""Command line: ``incidents COMMAND`` (or ``python -m incidents COMMAND``).

Every command exits non-zero with a plain message on bad input; ``--debug`` (before or after
the command) shows the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from incidents import __version__
from incidents.data import companions
from incidents.errors import IncidentsError, InputError, terminal_text
from incidents.render import plan

Handler = Callable[[argparse.Namespace], int]

#: Exit codes, as the ``--help`` epilog and the README list them.
EXIT_OK = 0
EXIT_INPUT = 1  # the data, a feed or a file is unusable, or a notebook or the PDF failed
EXIT_USAGE = 2  # unknown command or option, or an option value that cannot work (argparse's)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)

EPILOG = """exit status:
  0    success
  1    the input is unusable (invalid data, an unreadable file or feed) or a step failed
       (a notebook, the PDF engine, the download); the message says which and how to fix it
  2    usage: an unknown command or option, or an option value that cannot work
       (e.g. --sla-target 99.9, an unknown --vendor)
  130  interrupted (Ctrl-C); nothing was published"""


DESCRIPTION = ("The cloud-vendor reliability report: check the incident data, import vendor "
               "feeds, render the report. 'COMMAND --help' describes each command.")


class HelpFormatter(argparse.HelpFormatter):
    """Each option's default shown unless its help already says it (``None``, empty and
    ``False`` defaults are worded in the help); text with line breaks (the exit codes) kept
    as written, other text wrapped."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_text = action.help or ""
        if "default" in help_text or "%(default)" in help_text:
            return help_text
        unstated = action.default is None or action.default is False or action.default in (
            "", argparse.SUPPRESS)
        if unstated or not action.option_strings:
            return help_text
        return help_text + " (default: %(default)s)"


def program_name(argv0: str | None = None) -> str:
    """The name the user typed: ``incidents`` for the installed script, ``python -m
    incidents`` when run as a module."""
    name = os.path.basename(argv0 if argv0 is not None else (sys.argv[0] if sys.argv else ""))
    return "python -m incidents" if name in ("", "__main__.py", "-m", "-c") else name


def _validate(args: argparse.Namespace) -> int:
    from incidents import config
    from incidents.data import load
    from incidents.evidence import datadoc

    # Both files are checked and every problem of both is reported in one run; with a broken
    # vendor file the incident file is still checked, without the vendor-name check.
    problems = []
    vendors = None
    try:
        vendors = companions.load_vendors(args.vendors)
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
    from incidents.evidence import records as evidence

    base = evidence.load_evidence(args.file, args.vendors)
    links = evidence.link_problems(base)
    if links:
        raise InputError(links)
    incident_file = config.incidents_path(args.file)
    print(terminal_text(f"{datadoc.shown(incident_file)}: no problems found "
                        f"({len(base.incidents)} rows in {len(base.files)} files, "
                        f"{len(base.records)} records, {len(base.links)} links)"))
    for note in base.notes:
        print(terminal_text(f"note: {note}"))
    # data/README.md counts the rows of data/incidents.csv; a change to the file is checked
    # here first, so this is where the counts follow it (the data test compares them).
    own_vendors = config.vendors_path(args.vendors).resolve() in (
        config.VENDORS_CSV.resolve(), config.ORGANISATION_TOML.resolve())
    if datadoc.documents(incident_file) and own_vendors and datadoc.refresh():
        print(f"{datadoc.shown(config.DATA_README)}: generated sections brought up to date")
    return 0


def _datadict(args: argparse.Namespace) -> int:
    from incidents.data import catalogue, load, schema

    if args.coverage:
        sys.stdout.write(catalogue.coverage_markdown(load.load_incidents(args.file)))
    else:
        sys.stdout.write(schema.data_dictionary_markdown())
    return 0


def _report(args: argparse.Namespace) -> int:
    from incidents.render import run as render

    return render.main(args)


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every command (validate, datadict, report, import, fetch)."""
    parser = argparse.ArgumentParser(prog=prog or program_name(), description=DESCRIPTION,
                                     epilog=EPILOG, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show tracebacks instead of one-line messages (default: off)")
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks instead of one-line messages (default: off)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[debug], formatter_class=HelpFormatter,
                                   epilog=EPILOG, **kwargs)

    validate = command("validate", help="check an incident file, print every problem",
                       description="Check an incident file and its vendor file and print every "
                       "problem with its line, column and fix. When the project's own "
                       "data/incidents.csv is valid, the generated sections of "
                       "data/README.md are brought up to date.")
    validate.add_argument("file", nargs="?", default=None,
                          help="incident CSV (default: data/incidents.csv, or $INCIDENTS_DATA)")
    validate.add_argument("--org", "--vendors", dest="vendors", default=None, metavar="PATH",
                          help="organisation file, or a bare vendor CSV (default: "
                               "data/organisation.toml, or $INCIDENTS_VENDORS)")
    validate.set_defaults(handler=_validate)

    datadict = command("datadict", help="print the generated data dictionary")
    datadict.add_argument("--coverage", action="store_true",
                          help="print what the incident file covers instead (default: the "
                          "dictionary)")
    datadict.add_argument("file", nargs="?", default=None,
                          help="incident CSV (default: data/incidents.csv, or $INCIDENTS_DATA)")
    datadict.set_defaults(handler=_datadict)

    report = command("report", help="render the report into report/",
                     description="Render the report: the portfolio and a deep dive per "
                     "vendor into report/, or one vendor's deep dive into report/<vendor>/.")

    plan.add_arguments(report)
    report.set_defaults(handler=_report)

    try:
        from incidents import import_command
    except ImportError:  # importers are optional while being built
        import_command = None
    if import_command is not None:
        import_command.register(commands)
        for name in ("import", "fetch"):
            sub = commands.choices[name]
            sub.formatter_class, sub.epilog = HelpFormatter, EPILOG
            sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show tracebacks instead of one-line messages (default: off)")
    return parser


def exit_code(exc: IncidentsError) -> int:
    """:data:`EXIT_USAGE` for an option value that cannot work, else :data:`EXIT_INPUT`."""
    return EXIT_USAGE if getattr(exc, "usage", False) else EXIT_INPUT


def _terminate_as_interrupt() -> None:
    """SIGTERM and SIGHUP (a closed terminal, a stopped job) end a command as Ctrl-C does, so
    that its clean-up runs (temporary folders removed, nothing half-published). Only from the
    main thread, where Python can install handlers."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code as :data:`EPILOG` lists them."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    debug = getattr(args, "debug", False)
    _terminate_as_interrupt()
    try:
        return handler(args)
    except IncidentsError as exc:
        if debug:
            raise
        print(f"error: {terminal_text(exc)}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt as exc:
        if debug:
            raise
        print(f"interrupted: {exc}" if getattr(exc, "out", None) else
              "interrupted: nothing was published", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if debug:
            raise
        print(terminal_text(f"error: {exc.strerror or exc} ({exc.filename or 'no file'})"),
              file=sys.stderr)
        return EXIT_INPUT
