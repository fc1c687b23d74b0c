"""Importers of the record formats, on small hand-written feeds, and imports into a record."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from incidents import import_command as command
from incidents.data import companions, load, schema
from incidents.data.importers import feedjson, records
from incidents.errors import InputError

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
VENDORS = ("GitHub", "Atlassian", "Slack", "AWS", "Microsoft Azure", "Microsoft 365")


@pytest.fixture
def folder(tmp_path) -> Path:
    lines = [",".join(schema.VENDOR_COLUMN_NAMES)]
    for name in VENDORS:
        cells = dict.fromkeys(schema.VENDOR_COLUMN_NAMES, "")
        cells.update(vendor=name, dependence_weight="0.5")
        lines.append(",".join(cells[c] for c in schema.VENDOR_COLUMN_NAMES))
    (tmp_path / "vendors.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = [
        ("atlassian-polls", "Atlassian", "status-history", "lower-bound", "2024-01-01",
         "2024-12-31", "0.97"),
        ("github-history", "GitHub", "status-history", "complete", "2022-03-24", "2026-08-20",
         ""),
        ("github-2023", "GitHub", "status-history", "complete", "2023-01-01", "2023-12-31", ""),
    ]
    with (tmp_path / "records.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(schema.RECORD_COLUMN_NAMES)
        for record, vendor, kind, capture, first, last, rate in rows:
            writer.writerow([record, vendor, kind, capture, first, last, rate,
                             records.record_file(record), "", "", "test record"])
    return tmp_path


def parse(fmt: str, name: str, vendor: str | None = None):
    reader = feedjson.read_jsonl if fmt in command.JSONL_FORMATS else feedjson.read_file
    data, source = reader(FEEDS / name)
    rows, findings = command.parse_feed(fmt, data, source, vendor)
    return {row["incident_id"]: row for row in rows}, findings


def run(fmt: str, name: str, folder: Path, record: str | None = None, **kwargs):
    reader = feedjson.read_jsonl if fmt in command.JSONL_FORMATS else feedjson.read_file
    data, source = reader(FEEDS / name)
    return command.run_import(fmt, data, source, into=folder / "incidents.csv",
                              vendors=folder / "vendors.csv", record=record, **kwargs)


# ---------------------------------------------------------------- GitHub history


def test_github_history_skips_maintenance_and_keeps_impact_none_as_advisory():
    rows, findings = parse("github-history", "github_history.jsonl")
    assert set(rows) == {"aaaa1111bbbb", "cccc3333dddd", "eeee4444ffff"}
    assert [f.incident_id for f in findings if f.level == "dropped"] == ["mmmm2222nnnn"]
    assert (rows["cccc3333dddd"]["impact"], rows["cccc3333dddd"]["severity"]) == ("advisory",
                                                                                  "1")


@pytest.mark.parametrize(("ident", "pair"), [("aaaa1111bbbb", ("partial-outage", "4")),
                                             ("eeee4444ffff", ("outage", "5"))])
def test_statuspage_major_is_a_partial_outage_and_critical_an_outage(ident, pair):
    rows, _ = parse("github-history", "github_history.jsonl")
    assert (rows[ident]["impact"], rows[ident]["severity"]) == pair


def test_github_history_product_is_the_first_component_and_service_all_of_them():
    rows, _ = parse("github-history", "github_history.jsonl")
    row = rows["aaaa1111bbbb"]
    assert (row["product"], row["service"]) == ("Actions", "Actions; Pages")
    assert rows["cccc3333dddd"]["product"] == "GitHub"  # no component listed


def test_github_history_times_are_the_sources_and_a_stated_window_is_only_noted():
    rows, _ = parse("github-history", "github_history.jsonl")
    row = rows["cccc3333dddd"]
    assert (row["start_utc"], row["end_utc"]) == ("2024-02-10T20:15:00Z", "2024-02-10T20:40:00Z")
    assert "2024-02-10T20:05:00Z" in row["notes"]
    assert rows["aaaa1111bbbb"]["source_urls"] == (
        "https://www.githubstatus.com/incidents/aaaa1111bbbb")


# ---------------------------------------------------------------- poll-derived records


def test_a_polled_end_lies_between_last_seen_and_gone_by_rounded_outwards():
    rows, _ = parse("statuspage-polls", "statuspage_polls.jsonl")
    row = rows["jira0001"]
    assert (row["end_utc"], row["end_latest_utc"]) == ("2024-03-01T15:10:00Z",
                                                       "2024-03-01T15:36:00Z")
    assert row["end_precision"] == "minute" and row["last_impact_utc"] == ""


def test_a_polled_incident_never_seen_gone_has_a_last_impact_and_no_end():
    rows, _ = parse("statuspage-polls", "statuspage_polls.jsonl")
    row = rows["conf0002"]
    assert (row["end_utc"], row["end_latest_utc"], row["last_impact_utc"]) == (
        "", "", "2024-03-05T10:20:00Z")


def test_polls_name_the_page_skip_maintenance_and_cite_the_vendors_page_first():
    rows, findings = parse("statuspage-polls", "statuspage_polls.jsonl")
    assert "jira0002" not in rows
    assert [f.incident_id for f in findings if f.level == "dropped"] == ["jira0002"]
    assert rows["conf0002"]["vendor"] == "Atlassian"
    assert rows["conf0002"]["product"] == "Confluence"
    assert rows["conf0002"]["source_urls"].split(";")[0] == (
        "https://confluence.status.atlassian.com/incidents/conf0002")


def test_cross_posts_on_two_pages_share_an_event_id(folder):
    run("statuspage-polls", "statuspage_polls.jsonl", folder, record="atlassian-polls")
    table = load.load_incidents(folder / "records" / "atlassian-polls.csv")
    events = dict(zip(table["incident_id"], table["event_id"], strict=True))
    assert events["jira0001"] == events["conf0001"] != ""
    assert events["conf0002"] == ""


def test_slack_type_maps_impact_and_the_page_address_gives_the_id():
    rows, _ = parse("slack-polls", "slack_polls.jsonl")
    outage, notice = rows["0a1b2c3d4e5f6a7b"], rows["ffee00112233aabb"]
    assert (outage["impact"], outage["severity"], outage["classification"]) == (
        "outage", "4", "outage")
    assert (notice["impact"], notice["severity"]) == ("advisory", "1")
    assert outage["start_utc"] == "2023-06-01T15:00:00Z"  # 08:00 PDT
    assert "Slack status API id 1300" in outage["notes"]


# ---------------------------------------------------------------- AWS and Azure


def test_aws_dashboard_window_stated_in_pacific_time_becomes_utc():
    rows, _ = parse("aws-shd", "aws_shd.json")
    row = rows["ec2-us-east-1-1650382800"]
    # "Between 6:35 AM and 11:00 AM PDT" on 19 April 2022 (PDT = UTC-7)
    assert (row["start_utc"], row["end_utc"]) == ("2022-04-19T13:35:00Z", "2022-04-19T18:00:00Z")
    assert (row["regions"], row["scope"], row["product"]) == (
        "us-east-1", "region", "Amazon Elastic Compute Cloud")


def test_aws_dashboard_without_a_window_runs_from_first_to_last_post():
    rows, _ = parse("aws-shd", "aws_shd.json")
    row = rows["lambda-us-east-1-1650384000"]
    assert (row["start_utc"], row["end_utc"]) == ("2022-04-19T16:00:00Z", "2022-04-19T17:15:00Z")
    assert (row["impact"], row["severity"]) == ("degradation", "3")  # status 2 as a number


def test_aws_dashboard_status_3_is_an_outage_and_a_global_key_has_no_region():
    rows, _ = parse("aws-shd", "aws_shd.json")
    row = rows["cloudfront-1650470400"]
    assert (row["impact"], row["severity"], row["regions"], row["scope"]) == (
        "outage", "4", "unknown", "unknown")


def test_aws_entries_with_one_summary_within_hours_are_one_event():
    rows, _ = parse("aws-shd", "aws_shd.json")
    from incidents.data.importers import aws

    aws.group_events(list(rows.values()))
    assert rows["ec2-us-east-1-1650382800"]["event_id"] == rows[
        "lambda-us-east-1-1650384000"]["event_id"] == "aws-ec2-us-east-1-1650382800"
    assert rows["cloudfront-1650470400"]["event_id"] == ""


def test_aws_health_event_reads_the_window_from_its_description():
    rows, _ = parse("aws-health", "aws_health.json")
    row = rows["AWS_EC2_OPERATIONAL_ISSUE_TEST_1"]
    assert (row["start_utc"], row["end_utc"]) == ("2026-04-27T10:58:00Z", "2026-04-27T11:40:00Z")
    assert (row["product"], row["service"], row["regions"]) == (
        "Amazon EC2", "Amazon EC2; Amazon EBS", "eu-west-3")
    ongoing = rows["AWS_MULTIPLE_SERVICES_TEST_2"]
    assert (ongoing["impact"], ongoing["severity"], ongoing["end_utc"]) == ("outage", "5", "")


def test_azure_review_window_parsed_from_the_summary_in_both_phrasings():
    rows, _ = parse("azure-pir", "azure_pir.json")
    assert (rows["AB12-C34"]["start_utc"], rows["AB12-C34"]["end_utc"]) == (
        "2023-01-25T07:05:00Z", "2023-01-25T12:43:00Z")
    assert (rows["DE56-F78"]["start_utc"], rows["DE56-F78"]["end_utc"]) == (
        "2026-03-09T23:20:00Z", "2026-03-10T19:32:00Z")
    assert rows["AB12-C34"]["source_urls"] == (
        "https://azure.status.microsoft/en-us/status/history/?trackingid=AB12-C34")
    assert rows["AB12-C34"]["title"] == "Azure Front Door – Connectivity issues"
    assert rows["AB12-C34"]["impact"] == "outage"  # "unable to access"


def test_azure_review_without_a_window_is_known_to_the_day_with_no_end():
    rows, _ = parse("azure-pir", "azure_pir.json")
    row = rows["GH90-J12"]
    assert (row["start_utc"], row["start_precision"], row["end_utc"]) == (
        "2021-03-18T00:00:00Z", "day", "")


# ---------------------------------------------------------------- importing into a record


def test_reimporting_into_a_record_leaves_its_file_byte_identical(folder):
    run("statuspage-polls", "statuspage_polls.jsonl", folder, record="atlassian-polls")
    path = folder / "records" / "atlassian-polls.csv"
    before = path.read_bytes()
    report = run("statuspage-polls", "statuspage_polls.jsonl", folder, record="atlassian-polls")
    assert path.read_bytes() == before
    assert (len(report.merge.added), len(report.merge.changed)) == (0, 0)


def test_record_rows_carry_the_record_and_the_curated_file_is_untouched(folder):
    run("github-history", "github_history.jsonl", folder, record="github-history")
    table = load.load_incidents(folder / "records" / "github-history.csv")
    assert set(table["record_id"]) == {"github-history"}
    assert list(table["start_utc"]) == sorted(table["start_utc"])
    assert not (folder / "incidents.csv").exists()


def test_rows_outside_the_records_period_are_left_out_and_reported(folder):
    report = run("github-history", "github_history.jsonl", folder, record="github-2023")
    table = load.load_incidents(folder / "records" / "github-2023.csv")
    assert list(table["incident_id"]) == ["aaaa1111bbbb"]
    outside = {f.incident_id for f in report.findings if f.topic == "outside the record's period"}
    assert outside == {"cccc3333dddd", "eeee4444ffff"}


def test_an_unlisted_record_is_refused_for_a_status_feed(folder):
    with pytest.raises(command.ImportUsageError, match="not in"):
        run("github-history", "github_history.jsonl", folder, record="nowhere")


def test_a_tenant_export_creates_its_tenant_record_from_the_first_issue(folder):
    run("msgraph", "msgraph_issues.json", folder, record="contoso-tenant")
    table = companions.load_records(folder / "records.csv")
    row = table.loc[table["record_id"].eq("contoso-tenant")].iloc[0]
    assert (row["kind"], row["capture"], row["vendor"]) == ("tenant", "complete",
                                                            "Microsoft 365")
    assert f"{row['complete_from']:%Y-%m-%d}" == "2026-03-19"
    assert load.load_incidents(folder / "records" / "contoso-tenant.csv",
                               records=table)["record_id"].eq("contoso-tenant").all()


def test_a_later_export_with_an_earlier_start_extends_the_tenant_record(folder):
    run("msgraph", "msgraph_issues.json", folder, record="contoso-tenant")
    run("msgraph", "msgraph_issues_reimport.json", folder, record="contoso-tenant")
    table = companions.load_records(folder / "records.csv")
    row = table.loc[table["record_id"].eq("contoso-tenant")].iloc[0]
    assert f"{row['complete_from']:%Y-%m-%d}" == "2026-03-19"
    assert f"{row['complete_to']:%Y-%m-%d}" >= "2026-04-08"


def test_the_loader_rejects_a_row_that_starts_outside_its_records_period(folder):
    run("github-history", "github_history.jsonl", folder, record="github-history")
    path = folder / "records" / "github-history.csv"
    text = path.read_text(encoding="utf-8").replace("2023-05-01T10:00:00Z",
                                                    "2021-05-01T10:00:00Z")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="outside the period"):
        load.load_incidents(path, records=companions.load_records(folder / "records.csv"))
