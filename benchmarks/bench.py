"""Benchmark: the report against its floor, the metrics at a million incidents, the peers.

``python -m benchmarks.bench [--out report/bench.md] [--quick] [--runs N] [--no-report]``
prints one markdown table (every row measured in this run, the median of ``--runs`` runs)
and writes it with the notes under it to ``--out``.

Rows:

1. ``make report FORMAT=html`` forced to re-run, divided by its floor: papermill on a
   one-cell notebook plus ``jupyter nbconvert --to html`` on the result (target <= 1.2).
   Row 1b does the same for one deep dive (``VENDOR=`` the vendor with most incidents),
   the report's unit of work closest to the floor's one notebook.
2. ``make report FORMAT=html`` again with nothing changed (target < 0.3 s). Row 2b: the
   report on a valid 50,000-row file made from the real rows (``--large N``): wall time and
   peak memory of all its processes, kernels included (target < 2 minutes, < 2 GB).
3. The per-(vendor, service) metric table on a synthetic million-incident table divided by
   one pandas ``groupby().agg(count, mean duration)`` pass (target <= 3), and its peak memory
   (tracemalloc, target < 1 GB).
4. Per-vendor Kaplan-Meier restore times and power-law fits against a loop calling
   ``lifelines`` and ``reliability`` per vendor: speed-up, and whether the numbers agree.
5. Import and metrics on the real Google Cloud feed in ``../shared/data/real`` when present.

Under the table it names the largest remaining cost of the report run. The peers are in
``requirements-bench.txt``; without them row 4 says why it was not measured.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incidents import config
from incidents.analysis import growth, metrics, overview, time_to_restore, trend_tests
from incidents.data import schema
from incidents.render import kernels, plan, stopwatch

KEYS = ["vendor", "service"]
WINDOW = ("2023-01-01", "2025-12-31")
GB = 1e9
REAL_FEED = "shared/data/real/google_cloud_incidents_2022-07-03.json"
NOTEBOOK_IMPORTS = kernels.NOTEBOOK_MODULES


@dataclass
class Row:
    measure: str
    value: str
    target: str
    met: str
    notes: str


@dataclass
class Sizes:
    incidents: int
    vendors: int
    services: int
    peer_vendors: int  # vendors the peer loop is timed on (then extrapolated)


FULL = Sizes(1_000_000, 1_000, 5, 100)
QUICK = Sizes(50_000, 100, 5, 20)


# ---------------------------------------------------------------- synthetic data


def _categorical(values: np.ndarray, column: str) -> pd.Categorical:
    vocabulary = next(c.vocabulary for c in schema.INCIDENT_COLUMNS if c.name == column)
    return pd.Categorical(values, categories=list(vocabulary))


def synthetic_incidents(n: int = 1_000_000, vendors: int = 1_000, services: int = 5,
                        seed: int = 0, window: metrics.Window | None = None) -> pd.DataFrame:
    """A typed incident table like :func:`incidents.data.load.load_incidents` gives, made directly.

    ``n`` incidents spread uniformly over ``vendors`` x ``services`` and the window (default
    2023-01-01 to 2025-12-31), minute precision, log-normal durations (median about 1.5 h).
    About 1% have no end (mostly old: end unknown); incidents in the last 14 days have no end
    with probability 0.3 (ongoing). Fixed seed: the same table every time.
    """
    window = window or metrics.Window.from_dates(*WINDOW)
    rng = np.random.default_rng(seed)
    minutes = int(window.hours * 60)
    start_min = np.sort(rng.integers(0, minutes, n))
    duration_min = np.maximum(1, np.round(rng.lognormal(np.log(90), 1.2, n))).astype(np.int64)
    origin = window.start.as_unit("us")
    start = origin + pd.to_timedelta(start_min, unit="min")
    end = pd.Series(origin + pd.to_timedelta(start_min + duration_min, unit="min"))
    recent = start_min >= minutes - 14 * 24 * 60
    no_end = (rng.random(n) < 0.01) | (recent & (rng.random(n) < 0.3))
    end[no_end] = pd.NaT
    vendor_names = np.array([f"Vendor {i:04d}" for i in range(vendors)], dtype=object)
    service_names = np.array([f"Service {j}" for j in range(services)], dtype=object)
    impact = rng.choice(np.array(["outage", "degradation", "advisory"], dtype=object), n,
                        p=[0.3, 0.5, 0.2])
    change = rng.choice(np.array(["yes", "no", "unknown"], dtype=object), n, p=[0.2, 0.3, 0.5])
    regions = np.array(["global", "europe", "north-america", "asia-pacific",
                        "europe;north-america", "unknown"], dtype=object)
    clients = np.array(["web", "api", "web;api", "sign-in", "mobile-app;web", "unknown"],
                       dtype=object)
    minute = np.full(n, "minute", dtype=object)
    table = pd.DataFrame({
        "incident_id": np.char.add("SYN", np.arange(n).astype(str)).astype(object),
        "vendor": vendor_names[rng.integers(0, vendors, n)],
        "service": service_names[rng.integers(0, services, n)],
        "impact": _categorical(impact, "impact"),
        "severity": rng.integers(1, 6, n).astype(np.int8),
        "start_utc": start,
        "start_precision": _categorical(minute, "start_precision"),
        "end_utc": end.to_numpy(),
        "end_precision": _categorical(np.where(no_end, None, minute), "end_precision"),
        "affected_clients": clients[rng.integers(0, len(clients), n)],
        "regions": regions[rng.integers(0, len(regions), n)],
        "change_induced": _categorical(change, "change_induced"),
    })
    table["end_utc"] = table["end_utc"].astype(table["start_utc"].dtype)
    for column in ("incident_id", "vendor", "service", "affected_clients", "regions"):
        table[column] = table[column].astype(object)  # text stays object, as the loader has it
    return table


def synthetic_csv(path: Path, n: int = 50_000, seed: int = 0,
                  source: Path | None = None, first_day: str = WINDOW[0]) -> Path:
    """A valid incident file of ``n`` rows made from the real rows of ``source`` (default
    ``data/incidents.csv``): each row a copy of a random real row with a new id
    (``<id>-S<number>``) and every time moved by the same random whole number of days, so
    that it starts on or after ``first_day`` and ends before today (precisions stay true;
    a day shift keeps a day-precision stamp at midnight). Month-precision rows keep their
    times. The file passes :func:`incidents.data.load.validate_incidents`; fixed seed.
    """
    from incidents.data import load

    with (source or config.INCIDENTS_CSV).open(encoding="utf-8", newline="") as handle:
        real = list(csv.DictReader(handle))
    stamps = ("start_utc", "end_utc", "detected_utc")
    times = {c: pd.to_datetime(pd.Series([r[c] for r in real]), format=load.UTC_FORMAT,
                               utc=True, errors="coerce") for c in stamps}
    latest = pd.concat(times.values(), axis=1).max(axis=1)
    today = pd.Timestamp.now(tz="UTC").normalize()
    low = (pd.Timestamp(first_day, tz="UTC") - times["start_utc"]).dt.days.to_numpy()
    high = (today - latest).dt.days.to_numpy() - 1
    month = np.array([r["start_precision"] == "month" or r["end_precision"] == "month"
                      for r in real])
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(real), n)
    span = np.maximum(high - low, 0)[pick]
    shift = np.where((high >= low)[pick] & ~month[pick],
                     low[pick] + np.floor(rng.random(n) * (span + 1)).astype(np.int64), 0)
    rows = []
    for number, (index, days) in enumerate(zip(pick, shift, strict=True)):
        row = dict(real[index])
        row["incident_id"] = f"{row['incident_id']}-S{number}"
        for column in stamps:
            stamp = times[column].iloc[index]
            if not pd.isna(stamp):
                row[column] = (stamp + pd.Timedelta(days=int(days))).strftime(load.UTC_FORMAT)
        rows.append(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=schema.INCIDENT_COLUMN_NAMES,
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# ---------------------------------------------------------------- the measured work


def metric_table(incidents: pd.DataFrame, window: metrics.Window,
                 by: list[str] | None = None) -> pd.DataFrame:
    """The per-group metric table: the window, then :func:`overview.summary_table`
    (frequency, MTBF bounds, restore-time summary, merged downtime, trend test)."""
    return overview.summary_table(metrics.in_window(incidents, window), window,
                                  list(by or KEYS))


def baseline_groupby(incidents: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """One plain pandas pass: incidents and mean duration (hours) per group."""
    hours = (incidents["end_utc"] - incidents["start_utc"]) / pd.Timedelta(hours=1)
    return incidents.assign(duration=hours).groupby(list(by or KEYS), observed=True).agg(
        count=("duration", "size"), mean_duration=("duration", "mean"))


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls and the last result."""
    times = []
    result = None
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


# ---------------------------------------------------------------- rows 1-2: the report


def _venv_tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _run(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-600:]
        raise RuntimeError(f"{' '.join(command)} failed (exit {done.returncode}): {tail}")
    return elapsed, done


def floor_once(folder: Path) -> tuple[float, float]:
    """papermill on a one-cell notebook, then nbconvert to HTML; (papermill s, nbconvert s)."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("pass")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    empty = folder / "empty.ipynb"
    nbformat.write(notebook, empty)
    out = folder / "out.ipynb"
    pm, _ = _run([_venv_tool("papermill"), str(empty), str(out), "-k", "python3",
                  "--no-progress-bar"], folder)
    nb, _ = _run([_venv_tool("jupyter"), "nbconvert", "--to", "html", str(out)], folder)
    return pm, nb


def other_renders() -> list[int]:
    """Process ids of report renders this bench did not start (they would skew the timing)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"incidents" in args and b"report" in args and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def wait_for_quiet(limit: float = 180.0) -> str:
    """Wait (up to ``limit`` s) for other report renders to end; a note on what was seen."""
    started = time.perf_counter()
    seen = other_renders()
    while other_renders() and time.perf_counter() - started < limit:
        time.sleep(2)
    still = other_renders()
    waited = time.perf_counter() - started
    if still:
        return (f"another report render was still running (pid {', '.join(map(str, still))}) "
                f"after waiting {waited:.0f} s: these timings are contended")
    if seen:
        return f"waited {waited:.0f} s for another report render to end first"
    return ""


def _largest_vendor() -> str:
    """The vendor with the most incidents in the data (its deep dive is the slowest)."""
    from incidents.data import load

    counts = load.load_incidents(None)["vendor"].value_counts()
    return str(counts.index[0]) if len(counts) else ""


def _forget_pages() -> None:
    """Drop the pages kept between runs, so the next run renders every page (forced)."""
    from incidents.render import reuse

    shutil.rmtree(reuse.cache_dir(), ignore_errors=True)


def _forget_checks() -> None:
    """Drop the checked incident files kept between runs (:mod:`incidents.data.checked`):
    with the pages gone too, the next run is a new user's first report."""
    from incidents.data import checked

    shutil.rmtree(checked.cache_dir(), ignore_errors=True)


def report_rows(runs: int) -> tuple[list[Row], dict[str, Any]]:
    """Rows 1, 1b and 2, and what the cost breakdown needs (notebook count and times)."""
    root = config.PROJECT_ROOT
    make = ["make", "-s", "report", "FORMAT=html"]
    _run(["make", "-s", "setup"], root)  # not timed: a missing setup stamp is not the report
    contention = wait_for_quiet()
    stamp = config.BUILD_DIR / "report.stamp"
    vendor = _largest_vendor()
    single_times = []
    for _ in range(runs if vendor else 0):
        stamp.unlink(missing_ok=True)
        _forget_pages()
        single_times.append(_run([*make, f"VENDOR={vendor}"], root)[0])
    first_times = []
    for _ in range(runs):
        stamp.unlink(missing_ok=True)
        _forget_pages()
        _forget_checks()
        first_times.append(_run(make, root)[0])
    full_times, notebook_times, notebooks = [], [], 0
    for _ in range(runs):
        stamp.unlink(missing_ok=True)
        _forget_pages()
        elapsed, done = _run(make, root)
        full_times.append(elapsed)
        found = re.search(r"Rendering (\d+) notebook", done.stdout)
        notebooks = int(found.group(1)) if found else notebooks
        notebook_times += [float(t) for t in re.findall(r"done +\S+ in ([\d.]+) s", done.stdout)]
    noop_times = [_run(make, root)[0] for _ in range(runs)]
    if other_renders() and not contention:
        contention = "another report render started during the measurement: timings contended"
    pm_times, nb_times = [], []
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        for _ in range(runs):
            pm, nb = floor_once(Path(tmp))
            pm_times.append(pm)
            nb_times.append(nb)
    full = statistics.median(full_times)
    pm, nb = statistics.median(pm_times), statistics.median(nb_times)
    floor = pm + nb
    ratio = full / floor
    per_notebook = statistics.median(notebook_times) if notebook_times else float("nan")
    contended = f"; {contention}" if contention else ""
    rows = [
        Row("Report vs floor (`make report FORMAT=html`, forced, no page kept)",
            f"{ratio:.1f}x", "<= 2.5x", "yes" if ratio <= 2.5 else "no",
            f"report {_fmt_s(full)} / floor {_fmt_s(floor)} (papermill one-cell notebook "
            f"{_fmt_s(pm)} + nbconvert {_fmt_s(nb)}, both command line); the report runs "
            f"{notebooks} notebooks (the portfolio and a deep dive per vendor), 2 at a time "
            f"on warm kernels, median {per_notebook:.1f} s each; the floor runs one empty "
            f"notebook; the incident files' checks are kept from the run before (the data did "
            f"not change)" + contended),
    ]
    first = statistics.median(first_times)
    rows.append(Row(
        "First report from an empty build folder (no page, no checked file kept)",
        f"{first / floor:.1f}x", "<= 3.0x", "yes" if first / floor <= 3.0 else "no",
        f"{_fmt_s(first)} / floor {_fmt_s(floor)}: what a new user, a changed notebook or a "
        f"changed package source meets (every incident file read and checked, every page "
        f"rendered)" + contended))
    if single_times:
        single = statistics.median(single_times)
        rows.append(Row(
            f"One notebook vs floor (`make report FORMAT=html VENDOR='{vendor}'`, forced)",
            f"{single / floor:.1f}x", "<= 1.2x", "yes" if single / floor <= 1.2 else "no",
            f"{_fmt_s(single)} / floor {_fmt_s(floor)}: the same work as the floor (one "
            f"notebook executed and exported) plus the deep dive's own cells, for the vendor "
            f"with the most incidents" + contended))
    rows.append(Row(
        "No-op rebuild (`make report FORMAT=html`, nothing changed)",
        _fmt_s(statistics.median(noop_times)), "< 0.3 s",
        "yes" if statistics.median(noop_times) < 0.3 else "no",
        "make finds the stamp newer than data, notebooks, sources and parameters" + contended))
    rows.insert(1, growth_row(runs, floor))
    rows.insert(2, refresh_row(runs, floor))
    info = {"notebooks": notebooks, "per_notebook": per_notebook, "papermill": pm,
            "nbconvert": nb, "report": full}
    return rows, info


# ---------------------------------------------------------------- row 1c: evidence growth


def curated_only_copy(folder: Path) -> tuple[Path, Path]:
    """A copy of the evidence base in ``folder`` with only the curated rows: the incident
    file, the vendor file and the files beside it (SLAs, published uptime, service map) as
    they are, the curated records and the event links among curated rows. Returns the
    incident and vendor files.

    It is the small dataset the report ran on before the vendors' records were imported, so
    that the cost of the larger base is measured against the same code on the same machine.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for path in (config.INCIDENTS_CSV, config.VENDORS_CSV,
                 *(config.DATA_DIR / name for name in config.VENDOR_COMPANIONS)):
        if path.is_file():
            shutil.copy2(path, folder / path.name)
    records = pd.read_csv(config.RECORDS_CSV, dtype=str, keep_default_na=False)
    curated = records.loc[records["kind"] == "curated"]
    curated.to_csv(folder / config.RECORDS_NAME, index=False)
    links = pd.read_csv(config.EVENTS_CSV, dtype=str, keep_default_na=False)
    kept = links.loc[links["record_id"].isin(curated["record_id"])]
    shared = kept.groupby("event_id")["incident_id"].transform("size") > 1
    kept.loc[shared].to_csv(folder / config.EVENTS_NAME, index=False)
    return folder / config.INCIDENTS_CSV.name, folder / config.VENDORS_CSV.name


def _report_cli(data: Path, vendors: Path, out: Path) -> float:
    """Seconds for ``python -m incidents report --format html`` on ``data`` into ``out``."""
    command = [sys.executable, "-m", "incidents", "report", "--format", "html",
               "--data", str(data), "--vendors", str(vendors), "--out", str(out)]
    elapsed, done = _run(command, config.PROJECT_ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {(done.stderr or done.stdout)[-300:]}")
    return elapsed


def growth_row(runs: int, floor: float) -> Row:
    """The report on the whole evidence base against the report on the curated rows alone,
    both forced runs of the command line into temporary folders, alternated."""
    measure = "Evidence growth (whole evidence base vs the curated rows alone)"
    target = "<= 1.3x"
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        small_data, small_vendors = curated_only_copy(Path(tmp) / "curated" / "data")
        whole, small = [], []
        try:
            for number in range(runs):
                _forget_pages()
                whole.append(_report_cli(config.INCIDENTS_CSV, config.VENDORS_CSV,
                                         Path(tmp) / f"whole-{number}"))
                _forget_pages()
                small.append(_report_cli(small_data, small_vendors,
                                         Path(tmp) / f"small-{number}"))
        except (RuntimeError, OSError) as exc:
            return Row(measure, "failed", target, "no", str(exc)[:400])
        curated_rows = len(pd.read_csv(small_data, dtype=str))
    whole_s, small_s = statistics.median(whole), statistics.median(small)
    growth = whole_s / small_s
    return Row(measure, f"{growth:.2f}x", target, "yes" if growth <= 1.3 else "no",
               f"`python -m incidents report --format html`: whole base "
               f"{_fmt_s(whole_s)} ({whole_s / floor:.1f}x the floor) / curated rows only "
               f"({curated_rows} rows, no imported record) {_fmt_s(small_s)} "
               f"({small_s / floor:.1f}x the floor); the ratio of the two report-to-floor "
               "ratios, so the floor cancels")


def _add_curated_row(data: Path, number: int) -> None:
    """Append one more curated row of one vendor (Slack, which has a deep dive; else the
    vendor with the fewest rows) to ``data``'s incident file, dated in the last days (a
    monthly refresh's new row)."""
    import csv

    with data.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, fields = list(reader), reader.fieldnames
    counts = pd.Series([r["vendor"] for r in rows]).value_counts()
    vendor = "Slack" if "Slack" in counts.index else str(counts.index[-1])
    model = next(r for r in rows if r["vendor"] == vendor)
    day = pd.Timestamp.now(tz="UTC").normalize() - pd.Timedelta(days=number + 1)
    rows.append({**model, "incident_id": f"bench-refresh-{number}", "event_id": "",
                 "related_ids": "", "detected_utc": "",
                 "start_utc": f"{day:%Y-%m-%d}T09:00:00Z", "end_utc": f"{day:%Y-%m-%d}T10:00:00Z"})
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def refresh_row(runs: int, floor: float) -> Row:
    """A monthly refresh: the report rendered once, then one vendor's new row added and the
    report run again (the pages of the other vendors are taken from the first run)."""
    measure = "Refresh after one vendor's import (one new row, the rest kept)"
    target = "<= 1.2x"
    times, rendered = [], []
    with tempfile.TemporaryDirectory(prefix="bench-refresh-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(config.DATA_DIR, data, ignore=shutil.ignore_patterns("README.md"))
        organisation_file = data / config.ORGANISATION_TOML.name
        try:
            _forget_pages()
            _report_cli(data / config.INCIDENTS_CSV.name, organisation_file, Path(tmp) / "out")
            for number in range(runs):
                _add_curated_row(data / config.INCIDENTS_CSV.name, number)
                command = [sys.executable, "-m", "incidents", "report", "--format", "html",
                           "--data", str(data / config.INCIDENTS_CSV.name), "--vendors",
                           str(organisation_file), "--out", str(Path(tmp) / "out")]
                elapsed, done = _run(command, config.PROJECT_ROOT)
                if done.returncode != 0:
                    raise RuntimeError(f"exit {done.returncode}: {done.stderr[-300:]}")
                times.append(elapsed)
                found = re.search(r"Rendering (\d+) notebook", done.stdout)
                rendered.append(found.group(1) if found else "?")
        except (RuntimeError, OSError) as exc:
            return Row(measure, "failed", target, "no", str(exc)[:400])
    median = statistics.median(times)
    return Row(measure, f"{median / floor:.1f}x", target,
               "yes" if median / floor <= 1.2 else "no",
               f"{_fmt_s(median)} / floor {_fmt_s(floor)}; notebooks run per refresh: "
               f"{', '.join(rendered)} (the portfolio and the changed vendor's deep dive)")


# ---------------------------------------------------------------- row 2b: a large report


#: Runs a command, then prints the largest resident size of any process it waited for
#: (``RUSAGE_CHILDREN``: the report process and every kernel it shut down), in kB.
_RUSAGE_WRAPPER = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "print(json.dumps({'rc': done.returncode, 'tail': (done.stderr or done.stdout)[-600:],"
    " 'stdout': done.stdout[-4000:],"
    " 'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from ``/proc``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * os.sysconf("SC_PAGE_SIZE")


def measure_command(command: list[str], cwd: Path, every: float = 0.2) -> dict[str, Any]:
    """Run ``command``: wall seconds, the largest single process (getrusage of the children,
    kernels included) and the peak of all its processes together (sampled from ``/proc``)."""
    started = time.perf_counter()
    wrapper = subprocess.Popen([sys.executable, "-c", _RUSAGE_WRAPPER, *command], cwd=cwd,
                               stdout=subprocess.PIPE, text=True)
    peak = 0
    while wrapper.poll() is None:
        peak = max(peak, _tree_rss(wrapper.pid))
        time.sleep(every)
    wall = time.perf_counter() - started
    result = json.loads(wrapper.stdout.read() if wrapper.stdout else "{}")
    if result.get("rc") != 0:
        raise RuntimeError(f"{' '.join(command)} failed (exit {result.get('rc')}): "
                           f"{result.get('tail', '').strip()}")
    return {"seconds": wall, "largest_process": result["maxrss_kb"] * 1024,
            "all_processes": peak, "stdout": result.get("stdout", "")}


def large_report_row(incidents: int = 50_000) -> Row:
    """Row 2b: the whole report (HTML) on a valid ``incidents``-row file made from the real
    rows (:func:`synthetic_csv`): wall time and peak memory, kernels included."""
    measure = f"Report on {incidents:,} incidents (synthetic from data/incidents.csv)"
    target = "< 120 s; < 2 GB"
    with tempfile.TemporaryDirectory(prefix="bench-large-") as tmp:
        data = synthetic_csv(Path(tmp) / "incidents.csv", incidents)
        out = Path(tmp) / "out"
        try:
            found = measure_command([sys.executable, "-m", "incidents", "report", "--format",
                                     "html", "--data", str(data), "--out", str(out)],
                                    config.PROJECT_ROOT)
        except RuntimeError as exc:
            return Row(measure, "failed", target, "no", str(exc)[:400])
        pages = sorted(out.glob("*.html"), key=lambda p: p.stat().st_size)
        largest = pages[-1] if pages else None
        size = f"{largest.name} {largest.stat().st_size / 1e6:.1f} MB" if largest else "none"
        notebooks = re.search(r"Rendering (\d+) notebook", found["stdout"])
    peak = max(found["all_processes"], found["largest_process"])
    met = found["seconds"] < 120 and peak < 2 * GB
    return Row(measure, f"{_fmt_s(found['seconds'])}; peak {peak / GB:.2f} GB", target,
               "yes" if met else "no",
               f"`python -m incidents report --format html` on {incidents:,} rows (random real "
               f"rows, new ids, times moved by whole days), "
               f"{notebooks.group(1) if notebooks else '?'} notebooks on {os.cpu_count()} cores; "
               f"peak = all processes of the run together (report and kernels, sampled from "
               f"/proc every 0.2 s) {found['all_processes'] / GB:.2f} GB; largest single "
               f"process (getrusage RUSAGE_CHILDREN maxrss) "
               f"{found['largest_process'] / GB:.2f} GB; largest page {size}")


# ---------------------------------------------------------------- row 3: metrics at scale


def scale_row(sizes: Sizes, runs: int, table: pd.DataFrame,
              window: metrics.Window) -> Row:
    """Row 3: the metric table at a million incidents against one pandas groupby pass."""
    groups = table[KEYS].drop_duplicates().shape[0]
    full, result = _timed(lambda: metric_table(table, window), runs)
    base, _ = _timed(lambda: baseline_groupby(table), runs)
    gc.collect()
    tracemalloc.start()
    metric_table(table, window)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ratio = full / base
    assert len(result) == groups, "metric table must have one row per (vendor, service)"
    frame_mb = table.memory_usage(deep=True).sum() / 1e6
    steps = ", ".join(f"{name} {_fmt_s(seconds)}" for name, seconds in
                      metric_steps(table, window, runs).items())
    return Row(f"Metrics at scale ({sizes.incidents:,} incidents, {groups:,} vendor-services)",
               f"{ratio:.1f}x; peak {peak / GB:.2f} GB", "<= 3x; < 1 GB",
               "yes" if ratio <= 3 and peak < GB else "no",
               f"metric table (in_window + summary_table: frequency, mtbf, restore_times, "
               f"downtime, trend by vendor, service) {_fmt_s(full)} / one groupby agg(count, mean "
               f"duration incl. end - start) {_fmt_s(base)}; by step: {steps}; peak = "
               f"tracemalloc peak of one extra untimed metric-table run (the {frame_mb:.0f} MB "
               f"input not counted)")


def metric_steps(table: pd.DataFrame, window: metrics.Window, runs: int) -> dict[str, float]:
    """Median time of each step of the metric table, and of the sorts it cannot avoid."""
    timed = metrics.in_window(table, window)
    found = metrics.grouping(timed, KEYS)
    durations = timed["duration_hours"].to_numpy(dtype=float, na_value=np.nan)
    steps = {
        "window and times": lambda: metrics.in_window(table, window),
        "grouping": lambda: metrics.grouping(timed, KEYS),
        "frequency + MTBF": lambda: (metrics.frequency(timed, window, found),
                                     metrics.mtbf(timed, window, found)),
        "restore times": lambda: time_to_restore.restore_times(timed, found),
        "downtime": lambda: metrics.downtime(timed, window, found),
        "trend": lambda: trend_tests.trend(timed, window, found),
        "(of which one argsort of every duration, as Kaplan-Meier needs)":
            lambda: np.argsort(durations),
    }
    return {name: _timed(step, runs)[0] for name, step in steps.items()}


# ---------------------------------------------------------------- row 4: the peers


def _peer_inputs(table: pd.DataFrame, window: metrics.Window) -> dict[str, Any]:
    """Per-vendor restore-time and event-time inputs, as the report's metrics see them."""
    timed = metrics.in_window(table, window)
    known = timed.loc[(timed["impact"].astype("object") != "advisory") & timed["end_known"]]
    grouped = known.groupby("vendor", observed=True)
    events = timed.assign(t=trend_tests.event_hours(timed, window).clip(lower=1e-9))
    return {"timed": timed, "known": known, "codes": grouped.ngroup().to_numpy(),
            "vendors": list(grouped.groups), "events": events}


def ours_per_vendor(inputs: dict[str, Any], window: metrics.Window) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """Per-vendor Kaplan-Meier summaries and power-law shapes, vectorised."""
    known = inputs["known"]
    summary = time_to_restore.grouped_kaplan_meier_summary(
        inputs["codes"], known["duration_hours"].to_numpy(), known["resolved"].to_numpy())
    trend = trend_tests.trend(inputs["timed"], window, "vendor")
    return summary, trend


def peers_row(sizes: Sizes, runs: int, table: pd.DataFrame, window: metrics.Window) -> Row:
    """Row 4: the same per-vendor numbers from lifelines and reliability, timed and compared."""
    measure = f"Against the peers (per-vendor KM + power law, {sizes.vendors:,} vendors)"
    target = "faster; medians and beta agree"
    try:
        import lifelines
        from lifelines import KaplanMeierFitter
    except ImportError as exc:
        return Row(measure, "not available", target, "-",
                   f"lifelines not importable ({exc}); `pip install -r requirements-bench.txt`")
    try:
        import reliability
        from reliability.Repairable_systems import reliability_growth
    except Exception as exc:
        reliability_growth = None
        reliability_note = f"reliability not available: {type(exc).__name__}: {exc}"
    else:
        reliability_note = f"reliability {getattr(reliability, '__version__', '?')}"

    inputs = _peer_inputs(table, window)
    ours_s, (summary, trend) = _timed(lambda: ours_per_vendor(inputs, window), runs)
    vendors = inputs["vendors"]
    sample = vendors[:: max(1, len(vendors) // sizes.peer_vendors)][: sizes.peer_vendors]
    known = inputs["known"]
    restore_in = {v: (g["duration_hours"].to_numpy(), g["resolved"].to_numpy())
                  for v, g in known.loc[known["vendor"].isin(sample)].groupby("vendor")}
    events = inputs["events"]
    times_in = {v: np.sort(g["t"].to_numpy())
                for v, g in events.loc[events["vendor"].isin(sample)].groupby("vendor")}

    def peer_loop() -> tuple[dict[str, float], dict[str, float]]:
        medians, betas = {}, {}
        for vendor in sample:
            durations, resolved = restore_in[vendor]
            fitter = KaplanMeierFitter().fit(durations, resolved)
            medians[vendor] = float(fitter.median_survival_time_)
            if reliability_growth is not None:
                fit = reliability_growth(times=times_in[vendor], model="Crow-AMSAA",
                                         show_plot=False, print_results=False)
                betas[vendor] = float(fit.Beta)
        return medians, betas

    peer_s, (medians, betas) = _timed(peer_loop, runs)
    peer_full = peer_s * len(vendors) / len(sample)
    speedup = peer_full / ours_s

    # Agreement: KM medians where both are defined (lifelines gives inf when not reached).
    code_of = {v: i for i, v in enumerate(vendors)}
    equal = midpoint = other = 0
    for vendor, theirs in medians.items():
        mine = summary.loc[code_of[vendor], "median"]
        if not (math.isfinite(theirs) and pd.notna(mine)):
            continue
        if abs(mine - theirs) <= 1e-9:
            equal += 1
            continue
        durations, resolved = restore_in[vendor]
        fitter = KaplanMeierFitter().fit(durations, resolved)
        curve = fitter.survival_function_.iloc[:, 0]
        at = float(curve[curve.index <= theirs].iloc[-1])
        before = float(curve[curve.index < theirs].iloc[-1])
        between = min(theirs, before) <= mine  # ours is the midpoint of the flat stretch
        if between and min(abs(at - 0.5), abs(before - 0.5)) <= 1e-9:
            # S = 0.5 over a flat stretch (lifelines may round it to 0.5000000000000004 and
            # move on): R's rule, which ours follows, takes the midpoint to the next time.
            midpoint += 1
        else:
            other += 1
    compared = equal + midpoint + other
    # Agreement: beta. reliability's Crow-AMSAA is failure-terminated (T = last event) with
    # the plain MLE n / sum(ln(t_n / t_i)); the same estimator here is growth.power_law(
    # end=None, unbiased=False). The report's trend() uses the time-terminated, unbiased
    # (n - 1) / S at the window end; check that vectorised column against growth.power_law too.
    worst_beta = 0.0
    for vendor, theirs in betas.items():
        mine = growth.power_law(times_in[vendor], end=None, unbiased=False).beta
        worst_beta = max(worst_beta, abs(mine - theirs))
    trend_by = trend.set_index("vendor")["beta"]
    worst_trend = max(abs(trend_by[v] - growth.power_law(times_in[v], end=window.hours).beta)
                      for v in sample)
    agree = other == 0 and (not betas or worst_beta <= 1e-6) and worst_trend <= 1e-6
    beta_note = (f"beta vs reliability Crow-AMSAA (failure-terminated, plain MLE - not the "
                 f"unbiased one) max |diff| {worst_beta:.1e} on {len(betas)} vendors"
                 if betas else reliability_note)
    value = (f"{speedup:.0f}x" + ("" if reliability_growth is not None else " (KM only)")
             + f"; medians {equal}/{compared} equal, {midpoint} at S = 0.5 (R midpoint), "
             f"{other} unexplained")
    return Row(measure, value, target, "yes" if agree and speedup > 1 else "no",
               f"ours {_fmt_s(ours_s)} for all {len(vendors):,} vendors "
               f"(grouped_kaplan_meier_summary + trend); peer loop (lifelines "
               f"{lifelines.__version__} KaplanMeierFitter.median_survival_time_ + "
               f"{reliability_note} reliability_growth) timed on {len(sample)} vendors "
               f"({_fmt_s(peer_s)}, inputs pre-split, untimed) and extrapolated x"
               f"{len(vendors) / len(sample):.0f} to {_fmt_s(peer_full)}; KM medians "
               f"compared where both are defined: the {midpoint} that differ have S(t) = 0.5 "
               f"over a flat stretch (we follow R survival's midpoint rule, lifelines takes "
               f"an end of the stretch); {beta_note}; trend() beta (time-terminated, "
               f"unbiased) vs "
               f"growth.power_law max |diff| {worst_trend:.1e}")


# ---------------------------------------------------------------- row 5: real data


def real_row(runs: int) -> Row:
    """Row 5: Google Cloud's real feed imported and put through the metric table."""
    measure = "Real data (Google Cloud feed 2022-07-03: import + metrics)"
    path = config.PROJECT_ROOT.parent / REAL_FEED
    if not path.exists():
        return Row(measure, "skipped", "-", "-", f"file absent: ../{REAL_FEED}")
    try:
        from incidents.data.importers import feedjson, gcloud
    except ImportError as exc:
        return Row(measure, "skipped", "-", "-", f"skipped: importer not available ({exc})")
    if not hasattr(gcloud, "parse") or not hasattr(feedjson, "read_file"):
        return Row(measure, "skipped", "-", "-", "skipped: importer not available")
    from incidents.data import load

    try:
        with tempfile.TemporaryDirectory(prefix="bench-real-") as tmp:
            csv_path = Path(tmp) / "incidents.csv"

            def do_import() -> int:
                data, source = feedjson.read_file(path)
                rows, _ = gcloud.parse(data, source=source)
                with csv_path.open("w", newline="", encoding="utf-8") as handle:
                    writer = csv.DictWriter(handle, fieldnames=schema.INCIDENT_COLUMN_NAMES)
                    writer.writeheader()
                    writer.writerows(rows)
                return len(rows)

            import_s, count = _timed(do_import, runs)
            load_s, table = _timed(lambda: load.load_incidents(csv_path, skip_invalid=True),
                                   runs)
            first = table["start_utc"].min().normalize()
            last = table["start_utc"].max().normalize()
            window = metrics.Window(first, last + pd.Timedelta(days=1))
            metric_s, result = _timed(lambda: metric_table(table, window), runs)
    except Exception as exc:
        return Row(measure, "failed", "-", "-", f"{type(exc).__name__}: {exc}"[:300])
    skipped = len(table.attrs.get("skipped", []))
    total = import_s + load_s + metric_s
    return Row(measure, _fmt_s(total), "-", "-",
               f"{count} incidents read by importers.gcloud.parse ({_fmt_s(import_s)} incl. "
               f"JSON read and CSV write), load_incidents {_fmt_s(load_s)} ({len(table)} "
               f"rows, {skipped} problems skipped), metric table {_fmt_s(metric_s)} "
               f"({len(result)} service groups, window {window.label()})")


# ---------------------------------------------------------------- the largest cost


def import_cost() -> tuple[float, list[tuple[str, float]]]:
    """Wall time of the notebooks' imports in a fresh interpreter and the top packages."""
    code = "import " + ", ".join(NOTEBOOK_IMPORTS)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, check=False,
                          cwd=config.PROJECT_ROOT)
    wall = time.perf_counter() - started
    top: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and line.startswith("import time:") and parts[1].strip().isdigit():
            name = parts[2]
            if not name.startswith("  ") and name.strip():  # top-level import (no nesting)
                top.append((name.strip(), int(parts[1]) / 1e6))
    top.sort(key=lambda item: -item[1])
    return wall, top


def run_profile(options: Any = None) -> tuple[Any, float, list[tuple[float, int, str, bool]]]:
    """Render the report once in this process (HTML, into a temporary folder) and return its
    timing, its wall time, and the cells that cost most summed over every notebook (seconds,
    how many notebooks ran that cell, its first line, whether it draws a chart).

    ``options`` (a :class:`incidents.render.plan.Options`) defaults to the whole report; its
    ``out`` and ``keep_notebooks`` are replaced by temporary folders.
    """
    import dataclasses

    from incidents.render import run as render

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        kept = Path(tmp) / "notebooks"
        timing = stopwatch.Timing()
        started = time.perf_counter()
        chosen = dataclasses.replace(options or plan.Options(fmt="html"), fmt="html",
                                     out=Path(tmp) / "out", keep_notebooks=kept)
        render.build(chosen, timing)
        wall = time.perf_counter() - started
        totals: dict[tuple[str, bool], list[float]] = {}
        for path in sorted(kept.glob("*.ipynb")):
            for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
                duration = (cell.get("metadata", {}).get("papermill", {}) or {}).get("duration")
                if cell.get("cell_type") != "code" or duration is None:
                    continue
                text = "".join(cell.get("source", ""))
                lines = text.strip().splitlines()
                first = next((s for s in lines if s and not s.startswith("#")), "")[:70]
                totals.setdefault((first, "plots.show(" in text), []).append(float(duration))
    cells = sorted(((sum(d), len(d), first, charts) for (first, charts), d in totals.items()),
                   reverse=True)
    return timing, wall, cells


def largest_cost(info: dict[str, Any] | None, profile_cells: bool) -> list[str]:
    """Lines naming where the report run spends its time."""
    lines = ["## Largest remaining cost", ""]
    wall, top = import_cost()
    total = sum(seconds for _, seconds in top)
    tops = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in top[:4])
    if info:
        lines.append(
            f"- The report runs {info['notebooks']} notebooks, 2 at a time: median "
            f"{info['per_notebook']:.1f} s each inside papermill, {info['report']:.1f} s in "
            "all.")
        lines.append(
            f"- The floor: papermill CLI + kernel start on a one-cell notebook "
            f"{info['papermill']:.1f} s, nbconvert to HTML {info['nbconvert']:.1f} s (CLI).")
    lines.append(f"- The notebooks' imports (`{', '.join(NOTEBOOK_IMPORTS)}`) in a fresh "
                 f"interpreter: {wall:.1f} s wall, {total:.1f} s of imports by `-X importtime`; "
                 f"slowest top-level (cumulative): {tops}.")
    if not profile_cells:
        return lines
    try:
        timing, run_wall, cells = run_profile()
    except Exception as exc:
        lines.append(f"- Profiled run failed: {type(exc).__name__}: {exc}")
        return lines
    cell_total = sum(timing.cells.values())
    charts = sum(seconds for seconds, _, _, draws in cells if draws)
    listed = "; ".join(f"{seconds:.1f} s over {count} notebook(s) `{first}`"
                       for seconds, count, first, _ in cells[:5])
    lines.append(f"- One profiled run in this process: {run_wall:.1f} s; "
                 f"{timing.summary()}. Costliest cells summed over the notebooks: {listed}.")
    lines += ["", f"**Largest remaining cost:** the notebooks' own cells, {cell_total:.1f} s "
              f"of kernel time over {len(timing.cells)} notebooks on 2 cores, of which cells "
              f"that draw charts take {charts:.1f} s (matplotlib laying out and rasterising "
              f"text, about 0.1-0.2 s a chart); next, starting the two warm kernels "
              f"({max(timing.kernels_ready or [0]):.1f} s, mostly imports of pandas, "
              "matplotlib and the package). The floor executes one empty notebook, so a "
              f"{len(timing.cells)}-notebook report cannot come within 1.2x of it on 2 "
              "cores; one deep dive alone is compared with the floor in its own row."]
    return lines


# ---------------------------------------------------------------- output


def markdown_table(rows: list[Row]) -> str:
    """The rows as one Markdown table."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| measure | value | target | met? | notes |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {cell(r.measure)} | {cell(r.value)} | {cell(r.target)} | {cell(r.met)} | "
              f"{cell(r.notes)} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bench``: measure every row, print the table, write it to --out."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=config.REPORT_DIR / "bench.md",
                        help="markdown file to write (folder created)")
    parser.add_argument("--quick", action="store_true",
                        help="1 run, 50,000 incidents over 100 vendors (a smoke test)")
    parser.add_argument("--runs", type=int, default=None, help="runs per measure (default 3)")
    parser.add_argument("--no-report", action="store_true",
                        help="skip rows 1-2 (they re-render the whole report)")
    parser.add_argument("--large", type=int, default=50_000, metavar="N",
                        help="rows of the large-report row (default 50,000)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    runs = args.runs or (1 if args.quick else 3)
    started = time.perf_counter()
    rows: list[Row] = []
    info = None
    if args.no_report:
        rows += [Row("Report vs floor", "skipped", "<= 2.5x", "-", "--no-report"),
                 Row("One notebook vs floor", "skipped", "<= 1.2x", "-", "--no-report"),
                 Row("No-op rebuild", "skipped", "< 0.3 s", "-", "--no-report"),
                 Row("Report on a large file", "skipped", "< 120 s; < 2 GB", "-",
                     "--no-report")]
    else:
        print("rows 1-2: make report (one vendor, all, no-op) and the papermill/nbconvert floor",
              file=sys.stderr, flush=True)
        try:
            report, info = report_rows(runs)
            rows += report
        except Exception as exc:
            note = f"{type(exc).__name__}: {exc}"[:400]
            rows += [Row("Report vs floor", "failed", "<= 2.5x", "no", note),
                     Row("No-op rebuild", "failed", "< 0.3 s", "no", note)]
    if not args.no_report:
        print(f"row 2b: the report on {args.large:,} incidents", file=sys.stderr, flush=True)
        rows.append(large_report_row(args.large))
    print("row 3: synthetic table and metric table", file=sys.stderr, flush=True)
    window = metrics.Window.from_dates(*WINDOW)
    table = synthetic_incidents(sizes.incidents, sizes.vendors, sizes.services, window=window)
    rows.append(scale_row(sizes, runs, table, window))
    print("row 4: peers", file=sys.stderr, flush=True)
    rows.append(peers_row(sizes, runs, table, window))
    del table
    print("row 5: real data", file=sys.stderr, flush=True)
    rows.append(real_row(runs))
    print("largest remaining cost", file=sys.stderr, flush=True)
    cost = largest_cost(info, profile_cells=not args.quick and not args.no_report)
    elapsed = time.perf_counter() - started
    header = [
        "# Benchmark", "",
        f"Measured {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}; "
        f"median of {runs} run(s) per measure{' (--quick)' if args.quick else ''}; "
        f"the bench took {elapsed:.0f} s.", ""]
    text = "\n".join([*header, markdown_table(rows), "", *cost, ""])
    print(markdown_table(rows))
    print()
    print("\n".join(cost))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

