"""The Makefile: self-documenting, make variables reach commands as data, never as code, and
one target's options never make another target's work look out of date.

Every make run here happens in a throw-away copy of the project (see ``project_copy``), so the
tests leave the working tree's ``.build/`` and ``report/`` as they found them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.project_copy import KEEP_SETUP, environment, make_copy, run_make

pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="make not installed")


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    return make_copy(tmp_path_factory.mktemp("project"))


def test_help_is_the_default_goal_and_lists_the_two_commands(copy):
    result = run_make(copy)
    assert result.returncode == 0
    assert "report" in result.stdout and "test" in result.stdout and "setup" in result.stdout


def test_help_lists_every_option_the_makefile_takes(copy):
    makefile = (copy / "Makefile").read_text(encoding="utf-8")
    options = re.findall(r"^([A-Z_]+) \?=", makefile, flags=re.M)
    shown = run_make(copy, "help").stdout
    assert "MIN_INCIDENTS" in options and "ORG_FILE" in options
    assert [name for name in options if name != "PYTHON" and f"{name}=" not in shown] == []
    assert "above" not in shown


def test_hostile_make_variable_runs_nothing(copy, tmp_path):
    marker = tmp_path / "ran"
    hostile = (f'x$(shell touch {marker}1)"; touch {marker}2; "`touch {marker}3`'
               f"$(touch {marker}4)")
    result = run_make(copy, "validate", f"DATA={hostile}", f"VENDORS={hostile}")
    assert result.returncode != 0
    assert "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_report_takes_data_and_vendor_paths_with_spaces(copy, tmp_path):
    folder = tmp_path / "my data"
    folder.mkdir()
    data, vendors = folder / "incidents 2025.csv", folder / "vendors.csv"
    data.write_text("x", encoding="utf-8")
    vendors.write_text("x", encoding="utf-8")
    result = run_make(copy, "-n", "report", "FORMAT=html", f"DATA={data}", f"VENDORS={vendors}")
    assert result.returncode == 0, result.stderr
    assert "No rule to make target" not in result.stderr
    assert '--data="$REPORT_DATA"' in result.stdout


def test_only_a_report_run_writes_the_report_options_file(copy):
    params = copy / ".build" / "report.params"
    params.unlink(missing_ok=True)
    assert run_make(copy, "help", "VENDOR=GitHub").returncode == 0
    assert run_make(copy, "validate", "DATA=data/incidents.csv", "START=2024-01-01"
                    ).returncode == 0
    assert not params.exists()


@pytest.mark.parametrize("planted", ["link", "folder"])
def test_the_report_options_file_is_never_written_through_a_planted_link(copy, tmp_path,
                                                                         planted):
    params = copy / ".build" / "report.params"
    params.parent.mkdir(exist_ok=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    if params.is_symlink() or params.is_file():
        params.unlink()
    if planted == "link":
        params.symlink_to(victim)
    else:
        params.mkdir()
    result = run_make(copy, "-n", "report", "FORMAT=html", "VENDOR=GitHub")
    assert result.returncode == 0, result.stderr
    assert victim.read_text(encoding="utf-8") == "keep"
    assert params.is_file() and not params.is_symlink()
    assert "GitHub" in params.read_text(encoding="utf-8")


@pytest.mark.report
def test_nothing_changed_renders_nothing_even_after_other_targets(copy):
    report = ["report", "FORMAT=html", "VENDOR=GitHub", "START=2025-01-01"]
    first = run_make(copy, *report)
    assert first.returncode == 0, first.stderr
    published = next((copy / "report").rglob("vendor-github.html"))
    stamp = copy / ".build" / "report.stamp"
    before = (published.stat().st_mtime_ns, stamp.stat().st_mtime_ns)
    assert run_make(copy, "help").returncode == 0
    assert run_make(copy, "validate", "DATA=data/incidents.csv").returncode == 0
    second = run_make(copy, *report)
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("report/ is up to date: no input, notebook, source or "
                                    "option changed since it was rendered on ")
    assert (published.stat().st_mtime_ns, stamp.stat().st_mtime_ns) == before


@pytest.mark.report
def test_a_changed_record_file_or_organisation_file_renders_again(copy):
    report = ["report", "FORMAT=html", "VENDOR=GitHub", "START=2025-01-01"]
    assert run_make(copy, *report).returncode == 0
    stamp = copy / ".build" / "report.stamp"
    for changed in (copy / "data" / "records" / "github-status-history.csv",
                    copy / "data" / "organisation.toml"):
        time.sleep(1.1)  # newer than the stamps, whatever the file system's time resolution
        os.utime(changed)  # now: not in the future, which a fast run would not catch up with
        again = run_make(copy, *report)
        assert again.returncode == 0, again.stderr
        assert "up to date" not in again.stdout
        assert stamp.stat().st_mtime >= changed.stat().st_mtime


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_lab_starts_a_server_that_answers_on_its_port(copy, tmp_path):
    # As root (containers, CI) Jupyter exits at once unless it is given --allow-root.
    port = _free_port()
    env = {**environment(copy), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    lab = subprocess.Popen(["make", "-s", *KEEP_SETUP, "lab", f"LAB_PORT={port}"], cwd=copy,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and lab.poll() is None and not _answers(port):
            time.sleep(0.5)
        assert lab.poll() is None, lab.stdout.read() if lab.stdout else ""
        assert _answers(port)
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.communicate()


@pytest.mark.parametrize("target, variable", [
    ("validate", "DATA=--help"), ("validate", "VENDORS=--version"),
    ("import", "FILE=--help"), ("import", "VENDOR=--dry-run")])
def test_a_make_variable_starting_with_a_dash_is_a_value_never_an_option(copy, target,
                                                                         variable):
    extra = ["FEED=statuspage", "FILE=missing.json"] if target == "import" else []
    result = run_make(copy, target, *extra, variable)
    assert result.returncode != 0
    assert "usage:" not in result.stdout and "incidents 0." not in result.stdout
    assert "Traceback" not in result.stderr
    assert "error" in result.stderr.lower()
