"""The command line: its help, program name, version, --debug, exit codes, and the data
README kept current by the commands that change the data."""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import incidents
from incidents import cli, config
from incidents.data import catalogue, companions, load, schema
from incidents.errors import InputError
from incidents.evidence import datadoc

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"(main)": parser, **action.choices}


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_option_says_its_default(name):
    parser = subcommands()[name]
    formatter = parser._get_formatter()
    silent = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._VersionAction |
                      argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        shown = action.option_strings or action.nargs == "?"
        if shown and "default" not in formatter._expand_help(action):
            silent.append(action.dest)
    assert silent == []


def test_validate_help_names_the_default_file():
    text = subcommands()["validate"].format_help()
    assert "default: data/incidents.csv" in text and "data/organisation.toml" in text
    assert "(default: data/)" not in text


def test_report_help_describes_format_and_out():
    text = " ".join(subcommands()["report"].format_help().split())
    assert "--format {html,pdf,both} html, pdf" in text
    assert "--out FOLDER folder the report is published into (default: report/" in text


@pytest.mark.parametrize(("argv0", "expected"), [
    ("/somewhere/.venv/bin/incidents", "incidents"),
    ("/somewhere/src/incidents/__main__.py", "python -m incidents"),
])
def test_program_name_is_what_the_user_typed(argv0, expected):
    assert cli.program_name(argv0) == expected


def test_installed_script_calls_itself_incidents():
    script = Path(sys.executable).parent / "incidents"
    if not script.exists():
        pytest.skip("the package is not installed as a script in this environment")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: incidents ")


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip().endswith(incidents.__version__)


@pytest.mark.parametrize("argv", [
    ["--debug", "validate", str(FIXTURES / "bad" / "three_bad_rows.csv")],
    ["validate", "--debug", str(FIXTURES / "bad" / "three_bad_rows.csv")],
    ["validate", str(FIXTURES / "bad" / "three_bad_rows.csv"), "--debug"],
])
def test_debug_works_before_and_after_the_command(argv):
    with pytest.raises(InputError):
        cli.main([*argv, "--vendors", str(FIXTURES / "bad" / "vendors.csv")])


def test_invalid_data_exits_1_and_usage_errors_exit_2(capsys):
    bad = str(FIXTURES / "bad" / "three_bad_rows.csv")
    assert cli.main(["validate", bad, "--vendors", str(FIXTURES / "bad" / "vendors.csv")]) == 1
    with pytest.raises(SystemExit) as stopped:
        cli.main(["validate", "--no-such-option"])
    assert stopped.value.code == 2
    assert cli.main(["report", "--sla-target", "99.9"]) == 2
    capsys.readouterr()


def test_exit_codes_are_listed_in_help_and_readme():
    text = cli.build_parser().format_help()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in (cli.EXIT_OK, cli.EXIT_INPUT, cli.EXIT_USAGE, cli.EXIT_INTERRUPTED):
        assert f"\n  {code} " in text
        assert f"| {code} |" in readme


# ---------------------------------------------------------------- data/README.md kept current


@pytest.fixture
def project_data(tmp_path, monkeypatch) -> Path:
    """The project's data folder copied, and every path pointed at the copy."""
    data = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, data)
    monkeypatch.delenv(config.DATA_ENV, raising=False)
    monkeypatch.delenv(config.VENDORS_ENV, raising=False)
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(config, "DATA_DIR", data)
    monkeypatch.setattr(config, "INCIDENTS_CSV", data / "incidents.csv")
    monkeypatch.setattr(config, "VENDORS_CSV", data / "vendors.csv")
    monkeypatch.setattr(config, "DATA_README", data / "README.md")
    return data


def add_incident(data: Path, **overrides: str) -> None:
    """Append a copy of the file's last row under a new id (so it follows the schema of the
    day), with ``overrides``."""
    with (data / "incidents.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = {**rows[-1], "incident_id": "NEW-1", "title": "A new incident", **overrides}
    with (data / "incidents.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[-1]), lineterminator="\n").writerow(row)


def readme_is_current(data: Path) -> bool:
    text = (data / "README.md").read_text(encoding="utf-8")
    incidents_table = load.load_incidents(data / "incidents.csv",
                                          vendors=companions.load_vendors(data / "vendors.csv"))
    return text == datadoc.render(text, catalogue.coverage_markdown(incidents_table),
                                  schema.data_dictionary_markdown())


def test_validate_brings_the_data_readme_up_to_date_after_a_new_row(project_data, capsys):
    add_incident(project_data)
    assert not readme_is_current(project_data)
    assert cli.main(["validate"]) == 0
    assert "data/README.md: generated sections brought up to date" in capsys.readouterr().out
    assert readme_is_current(project_data)


def test_validate_of_invalid_data_leaves_the_data_readme_alone(project_data, capsys):
    before = (project_data / "README.md").read_bytes()
    add_incident(project_data, impact="sort-of")
    assert cli.main(["validate"]) == 1
    assert (project_data / "README.md").read_bytes() == before
    capsys.readouterr()


def test_validate_of_another_file_leaves_the_data_readme_alone(project_data, tmp_path, capsys):
    other = tmp_path / "other.csv"
    shutil.copy(project_data / "incidents.csv", other)
    add_incident(project_data)
    before = (project_data / "README.md").read_bytes()
    assert cli.main(["validate", str(other)]) == 0
    assert (project_data / "README.md").read_bytes() == before
    capsys.readouterr()


def test_import_into_the_data_file_brings_the_data_readme_up_to_date(project_data, capsys):
    feed = FIXTURES / "feeds" / "gcloud_incidents.json"
    assert cli.main(["import", "gcloud", str(feed)]) == 0
    assert "data/README.md: generated sections brought up to date" in capsys.readouterr().out
    assert readme_is_current(project_data)


def test_dry_run_import_leaves_the_data_readme_alone(project_data, capsys):
    before = (project_data / "README.md").read_bytes()
    feed = FIXTURES / "feeds" / "gcloud_incidents.json"
    assert cli.main(["import", "gcloud", str(feed), "--dry-run"]) == 0
    assert (project_data / "README.md").read_bytes() == before
    capsys.readouterr()
