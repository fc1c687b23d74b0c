"""The third-party-risk annex on the shipped data, its attachments and their names.

Expectations are read from the shipped files by eye: data/incidents.csv for the events,
data/vendors.csv and data/organisation.toml for the functions each vendor's services serve
(and that Microsoft 365 runs on Azure Front Door), never from the code's own output.
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from jsonschema import Draft202012Validator

from incidents import config
from incidents.present import annex, report
from incidents.render import plan, publish

SLUG = "2023-01-01-to-2026-08-31"


@pytest.fixture(scope="module")
def data():
    return report.prepare("", "", "2023-01-01", "")


@pytest.fixture(scope="module")
def found(data) -> pd.DataFrame:
    return annex.candidates(data)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    path = config.PROJECT_ROOT / "schemas" / "third-party-annex.schema.json"
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def on_day(found: pd.DataFrame, vendor: str, day: str) -> pd.DataFrame:
    """The candidates of ``vendor`` that started on ``day`` (UTC)."""
    starts = pd.to_datetime(found["occurred_utc"], utc=True).dt.strftime("%Y-%m-%d")
    return found.loc[(found["vendor"] == vendor) & (starts == day)]


def functions(cell: str) -> set[str]:
    return set(cell.split("; "))


# --- candidates on the shipped data -----------------------------------------------------

def test_the_aws_outage_of_20_october_2025_is_a_candidate_for_the_web_applications(found):
    aws = on_day(found, "AWS", "2025-10-20")
    assert len(aws) == 1
    assert functions(aws.iloc[0]["functions_hit"]) == {"customer-facing web applications"}


def test_the_front_door_outage_of_29_october_2025_reaches_microsoft_365_functions(found):
    front_door = found.loc[found["incident_id"] == "YKYN-BWZ"]
    assert len(front_door) == 1
    hit = front_door.iloc[0]
    assert hit["vendor"] == "Microsoft Azure"
    # Azure's own function, and Microsoft 365's critical ones through runs_on (video is not
    # critical in data/organisation.toml).
    assert functions(hit["functions_hit"]) == {"line-of-business hosting", "email",
                                               "identity", "chat", "documents"}
    assert hit["via"] == "Microsoft Azure: Azure Front Door -> Microsoft 365"


def test_the_crowdstrike_update_of_19_july_2024_is_a_candidate_for_endpoint_security(found):
    crowdstrike = on_day(found, "CrowdStrike", "2024-07-19")
    assert len(crowdstrike) == 1
    assert functions(crowdstrike.iloc[0]["functions_hit"]) == {"endpoint security"}


def test_every_candidate_cites_an_https_page(found):
    assert found["source_url"].str.startswith("https://").all()


def test_the_two_october_2025_front_door_events_form_one_recurrence_group(data):
    groups = annex.recurrences(data)
    ids = [set(cell.split(";")) for cell in groups["ids"]]
    assert any(({"QNBQ-5W8", "MO1169016"} & one) and ({"YKYN-BWZ", "MO1181369"} & one)
               for one in ids)


# --- concentration and register ---------------------------------------------------------

def test_microsoft_is_one_provider_group_across_microsoft_365_and_azure(data):
    providers, _ = annex.concentration_tables(data)
    groups = providers.set_index("provider_group")
    assert {"Microsoft 365", "Microsoft Azure"} <= set(groups.loc["Microsoft", "vendors"]
                                                       .split("; "))
    assert not {"Microsoft 365", "Microsoft Azure"} & set(groups.index)


def test_front_door_is_a_shared_component_microsoft_365_runs_on(data):
    _, components = annex.concentration_tables(data)
    front_door = components.set_index("component").loc["Microsoft Azure: Azure Front Door"]
    assert "Microsoft 365" in front_door["dependants"].split("; ")


def test_register_says_when_a_vendor_has_no_sla_target(data):
    register = annex.register_table(data).set_index("vendor")
    # data/slas.csv holds no SLA with a target for CrowdStrike.
    assert register.loc["CrowdStrike", "sla"] == annex.NO_SLA_TEXT


# --- words ------------------------------------------------------------------------------

def test_the_rule_names_its_legal_sources_and_says_candidates():
    line = annex.rule_line()
    for source in ("2024/1772", "Art. 9", "Art. 8(2)", "2025/302", "2 hours",
                   "recovery time objective", "never a classification"):
        assert source in line


def test_the_table_shows_at_most_25_and_says_how_many_there_are(data, found):
    shown, total = annex.candidates_shown(data)
    assert total == len(found) and len(shown) == min(total, annex.SHOWN_CANDIDATES)
    if total > len(shown):
        assert f"{len(shown)} of {total}" in annex.candidates_caption(len(shown), total)


def test_occurred_text_keeps_the_precision():
    stamp = pd.Timestamp("2025-09-11T00:00Z")
    assert annex.occurred_text(stamp, "day") == "11 Sep 2025 (day only)"
    assert annex.occurred_text(pd.Timestamp("2025-10-29T15:41Z"), "minute") == (
        "29 Oct 2025 15:41 UTC")


def test_without_an_organisation_file_nothing_is_a_candidate_and_the_annex_says_why(data):
    bare = dataclasses.replace(data, evidence=dataclasses.replace(data.evidence,
                                                                  organisation=None))
    _, functions_table, served, _ = annex.annex_inputs(bare)
    assert functions_table.empty and served.empty
    assert annex.candidates(bare).empty
    assert "No organisation file describes critical or important functions" in (
        annex.coverage_line(bare))


# --- attachments ------------------------------------------------------------------------

def test_the_written_json_validates_against_its_schema(data, tmp_path, validator):
    _, json_path = annex.write_annex(data, tmp_path, SLUG)
    document = json.loads(json_path.read_text(encoding="utf-8"))
    validator.validate(document)
    assert document["candidates"]
    assert all(c["source_url"].startswith("https://") for c in document["candidates"])


def test_the_csv_has_one_row_per_candidate(data, found, tmp_path):
    csv_path, _ = annex.write_annex(data, tmp_path, SLUG)
    assert csv_path.name == f"third-party-annex-{SLUG}.csv"
    written = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert written["event"].tolist() == found["event"].tolist()


# --- publishing -------------------------------------------------------------------------

@pytest.mark.parametrize("name", [f"third-party-annex-{SLUG}.csv",
                                  f"third-party-annex-{SLUG}.json"])
def test_the_annex_files_are_report_names(name):
    assert publish._report_names(name)
    assert name.endswith(publish.PUBLISHED)


@pytest.mark.parametrize("name", ["third-party-annex-x.xlsx", "notes.json",
                                  "third-party-annex-../x.json", publish.MANIFEST])
def test_other_json_files_are_not_report_names(name):
    assert not publish._report_names(name)


def test_a_manifest_never_names_itself_as_a_published_file(tmp_path):
    (tmp_path / publish.MANIFEST).write_text(json.dumps({"files": [publish.MANIFEST]}),
                                             encoding="utf-8")
    assert publish.prunable_outputs(tmp_path) == set()


def test_the_index_links_the_annex_on_the_portfolio_line_only(tmp_path):
    run = plan.Run("All vendors", SLUG.replace("-to-", " to "), SLUG, "2026-09-01 10:00 UTC")
    jobs = [plan.Job("portfolio", "portfolio", "Portfolio"),
            plan.Job("vendor", "vendor-aws", "AWS", {"vendor": "AWS"})]
    page = publish.write_index(jobs, tmp_path, ("html",), run).read_text(encoding="utf-8")
    lines = {line.split("</strong>")[0]: line for line in page.split("<li>")[1:]}
    portfolio, aws = lines["<strong>Portfolio"], lines["<strong>AWS"]
    assert (f'third-party annex (<a href="third-party-annex-{SLUG}.csv">CSV</a>, '
            f'<a href="third-party-annex-{SLUG}.json">JSON</a>)') in portfolio
    assert "third-party annex" not in aws


def test_attachments_add_the_annex_for_the_portfolio_only(data, tmp_path):
    options = plan.Options(start="2023-01-01")
    run = plan.describe_run(options, data.window)
    jobs = [plan.Job("portfolio", "portfolio", "Portfolio"),
            plan.Job("vendor", "vendor-aws", "AWS", {"vendor": "AWS"})]
    from incidents.render import run as render

    jobs[0].parameters["window_slug"] = run.window_slug  # as the run hands it to the notebook
    names = {p.name for p in publish.write_attachments(jobs, options, tmp_path, run)}
    names |= {n for job in jobs for n in render._page_files(job, ()) if "annex" in n}
    assert names == {f"portfolio-incidents-{run.window_slug}.csv",
                     f"vendor-aws-incidents-{run.window_slug}.csv",
                     f"third-party-annex-{run.window_slug}.csv",
                     f"third-party-annex-{run.window_slug}.json"}
    alone = tmp_path / "one-vendor"
    alone.mkdir()
    written = publish.write_attachments(jobs[1:], options, alone, run)
    assert [p.name for p in written] == [f"vendor-aws-incidents-{run.window_slug}.csv"]
