"""The README's commands work as written.

Every command the README shows (lines of its ``bash`` blocks and inline code that starts with
``make``, ``.venv/bin/`` or ``python -m``) is checked: a make target exists and takes the
variables given, a command line parses with the real parser, a program or module exists.
Then, in README order, the ones that can run here run in a throw-away copy of the project
(see ``project_copy``) and must succeed. Left out of the run, each for its stated reason:
placeholders (``path/to/...``, ``VENDOR=...``, ``COMMAND``), targets that are tested elsewhere
or would undo the copy (``SKIPPED_TARGETS``), the network (``fetch``), and every report after
the first full one and the first one-vendor one (half a minute and ten seconds each; their
options are checked instead, as the report checks them before it starts).
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from incidents import cli
from incidents.render import plan
from tests.project_copy import KEEP_SETUP, environment, make_copy

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
PROGRAMS = (".venv/bin/", "python -m ")
#: Targets not run from here: the test suite itself, the benchmark (about 1.5 minutes,
#: ``test_bench`` covers it), a server (``test_makefile`` starts and stops it), and the one
#: that removes the copy's set-up.
SKIPPED_TARGETS = {"test": "runs this test again", "bench": "1.5 minutes; see test_bench",
                   "lab": "a server; see test_makefile", "clean": "removes the set-up"}
#: Make variables -> fields of plan.Options, to check a report command not run here.
REPORT_VARIABLES = {"VENDOR": "vendor", "START": "start", "END": "end", "FORMAT": "fmt",
                    "DATA": "data", "VENDORS": "vendors", "ORG_FILE": "vendors",
                    "SLA": "sla_target",
                    "MIN_INCIDENTS": "min_incidents", "SKIP_INVALID": "skip_invalid"}


@dataclass(frozen=True)
class Command:
    line: int
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"README.md line {self.line}: {shlex.join(self.words)}"


def documented_commands(text: str) -> list[Command]:
    """Every command in ``text``, in order: bash block lines and inline program spans."""
    found: list[Command] = []
    in_block = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            in_block = line.strip() == "```bash" if not in_block else False
            continue
        if in_block:
            words = shlex.split(line, comments=True)
            if words:
                found.append(Command(number, tuple(words)))
            continue
        for span in re.findall(r"`([^`]+)`", line):
            if span.startswith(("make", *PROGRAMS)):
                found.append(Command(number, tuple(shlex.split(span))))
    return found


COMMANDS = documented_commands(README.read_text(encoding="utf-8"))


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE.read_text(encoding="utf-8"),
                          flags=re.M))


def make_variables() -> set[str]:
    return {"PYTHON", *re.findall(r"^([A-Z_]+) \?=", MAKEFILE.read_text(encoding="utf-8"),
                                  flags=re.M)}


def is_placeholder(word: str) -> bool:
    value = word.split("=", 1)[1] if re.match(r"^[A-Z_]+=", word) else word
    return "..." in value or value.startswith("path/to/") or value in ("COMMAND", "NAME")


def split_make(words: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    targets = [w for w in words[1:] if "=" not in w]
    variables = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return targets or ["help"], variables


def cli_arguments(words: tuple[str, ...]) -> list[str] | None:
    """The arguments after the program for the project's CLI, else ``None``."""
    if words[0] == ".venv/bin/incidents":
        return list(words[1:])
    if words[:3] in ((".venv/bin/python", "-m", "incidents"), ("python", "-m", "incidents")):
        return list(words[3:])
    return None


def test_the_readme_shows_the_commands_it_is_about():
    shown = {" ".join(c.words[:2]) for c in COMMANDS}
    assert {"make report", "make test", "make validate", "make lab"} <= shown
    assert len(COMMANDS) >= 25


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_every_documented_command_exists_as_written(command):
    words = command.words
    if words[0] == "make":
        targets, variables = split_make(words)
        assert set(targets) <= make_targets(), f"no such make target: {targets}"
        assert set(variables) <= make_variables(), f"no such make variable: {variables}"
        return
    arguments = cli_arguments(words)
    if arguments is not None:
        if any(is_placeholder(w) for w in arguments):
            assert arguments[0] == "COMMAND"
            return
        try:
            cli.build_parser().parse_args(arguments)
        except SystemExit as stopped:  # --help and --version stop the parser, successfully
            assert stopped.code == 0, f"{command} does not parse"
        return
    if words[:2] == ("python", "-m"):
        assert importlib.util.find_spec(words[2]) is not None, f"no module {words[2]}"
        return
    assert (ROOT / words[0]).exists(), f"{words[0]} does not exist"


def report_kind(words: tuple[str, ...]) -> str | None:
    """``"full"`` or ``"one vendor"`` for a report command (make or CLI), else ``None``."""
    if words[0] == "make":
        targets, variables = split_make(words)
        if "report" not in targets:
            return None
        return "one vendor" if "VENDOR" in variables else "full"
    arguments = cli_arguments(words) or []
    if arguments[:1] != ["report"] or "--help" in arguments:
        return None
    return "one vendor" if "--vendor" in arguments else "full"


def skip_reason(command: Command, copy: Path, reports_run: set[str]) -> str | None:
    words = command.words
    if any(is_placeholder(w) for w in words):
        return "placeholder"
    kind = report_kind(words)
    if kind in reports_run:
        return "another report"
    if words[0] == "make":
        targets, variables = split_make(words)
        skipped = [SKIPPED_TARGETS[t] for t in targets if t in SKIPPED_TARGETS]
        if skipped:
            return skipped[0]
        if kind and variables.get("FORMAT", "both") != "html" and not shutil.which("chromium"):
            return "no Chromium for the PDF"
        return None
    arguments = cli_arguments(words) or []
    if arguments[:1] == ["fetch"]:
        return "network"
    if words[:2] == ("python", "-m"):
        return "run by make bench"
    files = [w for w in words[1:] if "/" in w and not w.startswith(("-", "http"))]
    missing = [f for f in files if not (copy / f).exists() and not f.startswith("report/")]
    return f"missing {missing}" if missing else None


def check_report_options(words: tuple[str, ...]) -> None:
    """What the report command would be refused for, without rendering."""
    if words[0] == "make":
        fields: dict[str, object] = {}
        for name, value in split_make(words)[1].items():
            field = REPORT_VARIABLES[name]
            if field == "sla_target":
                fields[field] = float(value)
            elif field == "min_incidents":
                fields[field] = int(value)
            elif field == "skip_invalid":
                fields[field] = bool(value)
            else:
                fields[field] = value
        plan.check_options(plan.Options(**fields))
        return
    args = cli.build_parser().parse_args(cli_arguments(words))
    plan.check_options(plan.Options(
        vendor=args.vendor, start=args.start, end=args.end, sla_target=args.sla_target,
        min_incidents=args.min_incidents, data=args.data, vendors=args.vendors, fmt=args.fmt))


def run_in(copy: Path, words: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    argv = ["make", "-s", *KEEP_SETUP, *words[1:]] if words[0] == "make" else list(words)
    if argv[0].startswith(".venv/"):
        argv[0] = str(copy / argv[0])
    return subprocess.run(argv, cwd=copy, env=environment(copy), capture_output=True,
                          text=True, timeout=600, check=False)


@pytest.mark.report
@pytest.mark.skipif(not shutil.which("make"), reason="make not installed")
def test_readme_commands_run_in_order_in_a_fresh_copy(tmp_path):
    copy = make_copy(tmp_path / "project")
    ran, not_run, seen = [], [], set()
    reports_run: set[str] = set()
    for command in COMMANDS:
        if command.words in seen:
            continue
        seen.add(command.words)
        reason = skip_reason(command, copy, reports_run)
        if reason == "another report":
            check_report_options(command.words)
        if reason:
            not_run.append((str(command), reason))
            continue
        result = run_in(copy, command.words)
        assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
        kind = report_kind(command.words)
        if kind:
            reports_run.add(kind)
            assert "open report/" in result.stdout and "index.html" in result.stdout
        ran.append(str(command))
    assert reports_run == {"full", "one vendor"}
    assert len(ran) >= 12, (ran, not_run)


def test_every_promise_names_test_modules_that_exist():
    import re

    from incidents import config

    text = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### What it promises", 1)[1].split("\n## ", 1)[0]
    promises = [part for part in section.split("\n- ")[1:]]
    assert len(promises) >= 4
    for promise in promises:
        modules = re.findall(r"`(tests/test_[a-z_]+\.py)`", promise)
        assert modules, promise
        for module in modules:
            assert (config.PROJECT_ROOT / module).is_file(), module
