"""The feed parsers: Statuspage, Microsoft Graph service health and Google Cloud.

Each parser is pure (parsed JSON in, rows and findings out); the fixtures in
``tests/fixtures/feeds/`` are small feeds written in each vendor's real format.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from incidents.data import schema
from incidents.data.importers import feedjson, gcloud, mapping, msgraph, statuspage
from incidents.errors import InputError

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def load(name: str):
    return feedjson.read_file(FEEDS / name)


def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["incident_id"]: row for row in rows}


def topics(findings, incident_id: str | None = None, level: str | None = None) -> set[str]:
    return {f.topic for f in findings
            if (incident_id is None or f.incident_id == incident_id)
            and (level is None or f.level == level)}


@pytest.fixture(scope="module")
def github():
    data, source = load("statuspage_incidents.json")
    rows, findings = statuspage.parse(data, vendor="GitHub", source=source)
    return by_id(rows), findings


@pytest.fixture(scope="module")
def graph():
    data, source = load("msgraph_issues.json")
    rows, findings = msgraph.parse(data, source=source)
    return by_id(rows), findings


@pytest.fixture(scope="module")
def google():
    data, source = load("gcloud_incidents.json")
    rows, findings = gcloud.parse(data, source=source)
    return by_id(rows), findings


# ---------------------------------------------------------------- every parser


@pytest.mark.parametrize("fixture", ["github", "graph", "google"])
def test_rows_have_every_schema_column_in_order_as_strings(fixture, request):
    rows, _ = request.getfixturevalue(fixture)
    for row in rows.values():
        assert tuple(row) == schema.INCIDENT_COLUMN_NAMES
        assert all(isinstance(value, str) for value in row.values())


@pytest.mark.parametrize("fixture", ["github", "graph", "google"])
def test_rows_use_only_schema_vocabulary_terms(fixture, request):
    rows, _ = request.getfixturevalue(fixture)
    for row in rows.values():
        for col in schema.INCIDENT_COLUMNS:
            if col.vocabulary and row[col.name]:
                terms = row[col.name].split(";") if col.kind == "multi" else [row[col.name]]
                assert set(terms) <= col.terms, (row["incident_id"], col.name, row[col.name])


# ---------------------------------------------------------------- Statuspage


def test_statuspage_converts_minus_0800_offset_to_utc_at_minute_precision(github):
    rows, _ = github
    row = rows["p1fy2ntmjj3j"]
    # created_at 2024-05-01T10:02:31.123-08:00, resolved_at 12:15:42-08:00
    assert row["detected_utc"] == "2024-05-01T18:02:00Z"
    assert row["end_utc"] == "2024-05-01T20:15:00Z"
    assert (row["start_precision"], row["end_precision"]) == ("minute", "minute")


def test_statuspage_converts_plus_0530_offset_to_utc():
    data, source = load("statuspage_ist.json")
    rows, _ = statuspage.parse(data, vendor="Acme", source=source)
    row = rows[0]
    assert row["start_utc"] == "2024-05-02T03:20:00Z"  # started_at 08:50+05:30
    assert row["detected_utc"] == "2024-05-02T03:45:00Z"  # created_at 09:15+05:30


def test_statuspage_backdated_display_at_gives_the_earlier_start_and_is_noted(github):
    rows, findings = github
    row = rows["p1fy2ntmjj3j"]
    # no started_at; the first update was posted 10:02:31-08:00 but shown at 09:47-08:00
    assert row["start_utc"] == "2024-05-01T17:47:00Z"
    assert "backdated" in row["notes"]
    assert "backdated update" in topics(findings, "p1fy2ntmjj3j", "warning")


def test_statuspage_started_at_wins_over_an_earlier_backdated_update_and_is_noted(github):
    rows, findings = github
    row = rows["r4d8pq2mz0ks"]
    assert row["start_utc"] == "2024-05-02T15:10:00Z"  # started_at 07:10-08:00
    assert "keeps started_at" in row["notes"]
    assert "update before start" in topics(findings, "r4d8pq2mz0ks", "warning")


def test_statuspage_update_shown_implausibly_early_is_ignored_and_reported():
    data, source = load("statuspage_incidents.json")
    data = copy.deepcopy(data)
    data["incidents"][0]["incident_updates"][1]["display_at"] = "2023-01-01T00:00:00Z"
    rows, findings = statuspage.parse(data, vendor="GitHub", source=source)
    assert by_id(rows)["p1fy2ntmjj3j"]["start_utc"] == "2024-05-01T18:02:00Z"
    assert "implausible update time" in topics(findings, "p1fy2ntmjj3j")


def test_statuspage_missing_components_and_shortlink_fall_back_to_page():
    data, source = load("statuspage_ist.json")
    rows, findings = statuspage.parse(data, vendor="Acme", source=source)
    row = rows[0]
    assert row["service"] == "Acme Payments"
    assert row["affected_clients"] == "unknown"
    # page url has a trailing slash: no double slash in the built address
    assert row["source_urls"] == "https://status.acme-payments.example/incidents/yq5tc0hl7v3m"
    assert {f.detail for f in findings if f.topic == "source url"} == {
        "no shortlink: page url + /incidents/ + id only"}


def test_statuspage_incident_page_is_the_first_source_then_the_shortlink(github):
    rows, _ = github
    row = rows["p1fy2ntmjj3j"]
    assert row["source_urls"] == ("https://www.githubstatus.com/incidents/p1fy2ntmjj3j;"
                                  "https://stspg.io/xkq3w8bz")
    assert row["service"] == "Git Operations; API Requests"
    assert row["affected_clients"] == "api;git"


@pytest.mark.parametrize(("impact", "expected"), [
    ("none", ("advisory", "1")), ("minor", ("degradation", "2")),
    ("major", ("partial-outage", "4")), ("critical", ("outage", "5")),
    ("MAJOR", ("partial-outage", "4")),
])
def test_statuspage_impact_maps_to_schema_impact_and_severity(impact, expected):
    data, source = load("statuspage_incidents.json")
    data = copy.deepcopy(data)
    data["incidents"][0]["impact"] = impact
    rows, _ = statuspage.parse(data, vendor="GitHub", source=source)
    row = by_id(rows)["p1fy2ntmjj3j"]
    assert (row["impact"], row["severity"]) == expected


def test_statuspage_resolved_and_postmortem_have_an_end_other_statuses_are_ongoing(github):
    rows, _ = github
    assert rows["r4d8pq2mz0ks"]["end_utc"] == "2024-05-02T16:05:00Z"  # postmortem
    assert rows["c7w1zt9hx4fa"]["end_utc"] == "2024-05-03T19:40:00Z"  # "Resolved" mixed case
    assert rows["k2b9nf6ty8ue"]["end_utc"] == ""  # investigating
    assert rows["k2b9nf6ty8ue"]["end_precision"] == ""


def test_statuspage_unknown_impact_is_kept_with_a_fallback_and_reported(github):
    rows, findings = github
    row = rows["c7w1zt9hx4fa"]
    assert (row["impact"], row["severity"]) == (mapping.FALLBACK_IMPACT,
                                                str(mapping.FALLBACK_SEVERITY))
    assert "'severe'" in row["notes"]
    assert any(f.topic == "unknown value" and "severe" in f.detail for f in findings)


def test_statuspage_scheduled_maintenance_is_not_an_incident():
    data, source = load("statuspage_incidents.json")
    data = copy.deepcopy(data)
    data["incidents"][0]["impact"] = "maintenance"
    rows, findings = statuspage.parse(data, vendor="GitHub", source=source)
    assert "p1fy2ntmjj3j" not in by_id(rows)
    assert [f.incident_id for f in findings if f.level == "dropped"] == ["p1fy2ntmjj3j"]


def test_statuspage_unknown_status_is_treated_as_ongoing_and_reported():
    data, source = load("statuspage_incidents.json")
    data = copy.deepcopy(data)
    data["incidents"][0]["status"] = "paused"
    rows, findings = statuspage.parse(data, vendor="GitHub", source=source)
    assert by_id(rows)["p1fy2ntmjj3j"]["end_utc"] == ""
    assert any("paused" in f.detail for f in findings if f.topic == "unknown value")


def test_statuspage_time_without_offset_is_read_in_the_page_time_zone():
    data, source = load("statuspage_ist.json")
    data = copy.deepcopy(data)
    data["incidents"][0]["started_at"] = "2024-05-02T08:50:00"
    rows, findings = statuspage.parse(data, vendor="Acme", source=source)
    assert rows[0]["start_utc"] == "2024-05-02T03:20:00Z"
    assert "time without offset" in topics(findings)


def test_statuspage_time_without_offset_and_without_page_zone_is_an_input_error():
    data, source = load("statuspage_ist.json")
    data = copy.deepcopy(data)
    del data["page"]["time_zone"]
    data["incidents"][0]["created_at"] = "2024-05-02 09:15"
    with pytest.raises(InputError) as caught:
        statuspage.parse(data, vendor="Acme", source=source)
    problem = caught.value.problems[0]
    assert problem.column == "$.incidents[0].created_at"
    assert "no UTC offset" in problem.message


# ---------------------------------------------------------------- Microsoft Graph


def test_msgraph_maps_vendor_product_service_and_tenant_only_source(graph):
    rows, _ = graph
    row = rows["EX1256020"]
    assert (row["vendor"], row["product"], row["service"]) == (
        "Microsoft 365", "Exchange Online", "Outlook mobile")
    assert row["source_urls"] == ("https://admin.microsoft.com/adminportal/home#/servicehealth/"
                                  ":/alerts/EX1256020")
    assert "only this tenant's admins" in row["notes"]


def test_msgraph_mixed_case_enum_values_are_matched(graph):
    rows, findings = graph
    row = rows["EX1268771"]  # classification "Advisory", status "ServiceRestored"
    assert (row["classification"], row["severity"]) == ("advisory", "2")
    assert row["end_utc"] == "2026-04-03T09:30:00Z"
    assert not topics(findings, "EX1268771", "warning")
    assert rows["TM1270001"]["classification"] == "incident"  # "Incident"


def test_msgraph_false_positive_is_dropped_and_reported(graph):
    rows, findings = graph
    assert "EX1270000" not in rows
    assert [f.incident_id for f in findings if f.level == "dropped"] == ["EX1270000"]


def test_msgraph_unknown_status_is_kept_and_reported_not_fatal(graph):
    rows, findings = graph
    row = rows["TM1270001"]  # status "pendingReview", isResolved false
    assert row["end_utc"] == ""
    assert "'pendingReview'" in row["notes"]
    assert any("pendingReview" in f.detail for f in findings if f.topic == "unknown value")


def test_msgraph_unknown_future_value_classification_is_written_as_unknown(graph):
    rows, findings = graph
    row = rows["MO1270002"]
    assert (row["classification"], row["severity"]) == ("unknown",
                                                        str(mapping.MSGRAPH_UNKNOWN_SEVERITY))
    assert "unknown value" in topics(findings, "MO1270002", "warning")


def test_msgraph_impact_is_read_from_the_issue_words_before_its_status(graph):
    rows, findings = graph
    assert rows["EX1256020"]["impact"] == "outage"  # "Users may be unable to access"
    assert rows["EX1256020"]["severity"] == "4" and rows["TM1270001"]["severity"] == "3"
    assert rows["TM1270001"]["impact"] == "partial-outage"  # "Some users can't join"
    assert rows["MO1270002"]["impact"] == "degradation"  # "Users may see delays"
    assert rows["EX1270003"]["impact"] == "advisory"  # an advisory, whatever its words
    assert any(f.topic == "impact" and "'Some users'" in f.detail for f in findings
               if f.incident_id == "TM1270001")


@pytest.mark.parametrize(("status", "impact"), [
    ("serviceInterruption", "outage"), ("serviceDegradation", "degradation"),
    ("serviceRestored", "degradation")])
def test_msgraph_words_that_say_nothing_leave_the_impact_to_the_status(status, impact):
    data, source = load("msgraph_issues.json")
    data = copy.deepcopy(data)
    issue = data["value"][0]
    issue.update(title="Issue with mailboxes", impactDescription="Investigating.",
                 status=status)
    rows, _ = msgraph.parse(data, source=source)
    assert by_id(rows)["EX1256020"]["impact"] == impact


@pytest.mark.parametrize(("post", "category", "own", "mitigation"), [
    ("Root cause: A recent change to authentication infrastructure caused requests to fail. "
     "We reverted the change.", "change-deployment", "yes", "rollback"),
    ("Final status: The issue was caused by a third-party internet service provider's "
     "configuration. Traffic was redirected.", "third-party-dependency", "no",
     "traffic-rerouting"),
    ("Root cause: A section of infrastructure had insufficient capacity to handle high "
     "traffic. We restarted the affected components.", "capacity-traffic", "no", "restart"),
    ("Root cause: A configuration change to the networking infrastructure caused failures. "
     "We deployed a configuration fix.", "configuration", "yes", "config-fix"),
])
def test_msgraph_root_cause_own_change_and_fix_are_read_from_the_final_post(
        post, category, own, mitigation):
    from incidents.data.importers import msgraph_reading

    reading = msgraph_reading.read_issue("Users can't access mail", "", "incident",
                                         ["We're investigating.", post])
    assert (reading.category, reading.change_induced) == (category, own)
    assert mitigation in reading.mitigation and reading.root_cause


@pytest.mark.parametrize(("name", "client"), [
    ("Outlook mobile", "outlook-mobile"), ("IMAP", "imap4"),
    ("Exchange ActiveSync", "exchange-activesync"), ("Outlook on the web", "outlook-web"),
    ("OWA", "outlook-web"), ("POP", "pop3"), ("SMTP", "smtp"), ("Sign In", "sign-in"),
    ("Teams Components", None), ("E-Mail and calendar access", None),
    ("Outlook for Mac", None),  # new or legacy? not guessed
])
def test_feature_names_map_to_the_client_vocabulary_or_nothing(name, client):
    assert mapping.client_for(name) == client


def test_msgraph_generic_feature_group_falls_back_to_unknown_clients(graph):
    rows, findings = graph
    assert rows["TM1270001"]["affected_clients"] == "unknown"
    assert any(f.topic == "clients" and f.detail.startswith("fallback to unknown")
               for f in findings if f.incident_id == "TM1270001")


def test_msgraph_start_contradicted_by_post_text_is_flagged_and_start_kept(graph):
    rows, findings = graph
    row = rows["EX1256020"]
    assert row["start_utc"] == "2026-03-19T18:30:00Z"
    assert "says impact began 2026-03-19T15:00:00Z" in row["notes"]
    flagged = [f for f in findings if f.topic == "start contradicted by post text"]
    assert [f.incident_id for f in flagged] == ["EX1256020"]
    assert flagged[0].level == "warning"


def test_msgraph_post_text_agreeing_with_start_is_not_flagged(graph):
    rows, findings = graph
    assert "start contradicted by post text" not in topics(findings, "EX1268771")
    assert "impact began" not in rows["EX1268771"]["notes"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Start time: Thursday, March 19, 2026, at 3:00 PM UTC<br>End time: Friday, March 20, "
     "2026, at 2:00 AM UTC", "2026-03-19T15:00"),
    ("Impact is beginning at 3:00 PM UTC on Thursday, March 19, 2026.", "2026-03-19T15:00"),
    ("On March 19, 2026, beginning at 11:30 AM UTC, users were affected.", "2026-03-19T11:30"),
    ("Start time: Monday, March 2, 2026, at 12:05 AM UTC", "2026-03-02T00:05"),
    ("Start time: Monday, March 2, 2026, at 14:20 UTC", "2026-03-02T14:20"),
    ("We're reviewing telemetry. End time: Friday, March 20, 2026, at 2:00 AM UTC", None),
    ("Start time: Thursday, March 19, 2026, at 3:00 PM PT", None),  # not UTC: not read
])
def test_stated_start_reads_the_start_phrases_microsoft_uses(text, expected):
    found = msgraph.stated_start(msgraph.post_text(text, "html"))
    assert (found.strftime("%Y-%m-%dT%H:%M") if found else None) == expected


def test_msgraph_relogged_issue_ids_are_related_in_both_directions(graph):
    rows, _ = graph
    assert rows["EX1268771"]["related_ids"] == "EX1256020"  # its post names the first id
    assert rows["EX1256020"]["related_ids"] == "EX1268771"


def test_msgraph_post_text_stays_out_of_the_csv_cells_but_the_stated_cause(graph):
    rows, _ = graph
    cells = " ".join(value for row in rows.values() for value in row.values())
    for phrase in ("reviewing service telemetry", "Final status"):
        assert phrase not in cells
    cause = rows["EX1256020"]["root_cause"]
    assert "authentication component" in cause and cause in rows["EX1256020"]["notes"]
    assert rows["EX1256020"]["change_induced"] == "yes"


def test_msgraph_resolved_issue_without_end_date_has_empty_end_and_a_warning():
    data, source = load("msgraph_issues.json")
    data = copy.deepcopy(data)
    data["value"][0]["endDateTime"] = None
    rows, findings = msgraph.parse(data, source=source)
    assert by_id(rows)["EX1256020"]["end_utc"] == ""
    assert "end without endDateTime" in topics(findings, "EX1256020", "warning")


def test_msgraph_end_before_start_is_left_empty_and_reported():
    data, source = load("msgraph_issues.json")
    data = copy.deepcopy(data)
    data["value"][0]["endDateTime"] = "2026-03-18T00:00:00Z"
    rows, findings = msgraph.parse(data, source=source)
    assert by_id(rows)["EX1256020"]["end_utc"] == ""
    assert "end before start" in topics(findings, "EX1256020", "warning")


# ---------------------------------------------------------------- Google Cloud


def test_gcloud_first_product_is_the_product_and_all_products_the_service(google):
    rows, findings = google
    row = rows["kHsnqq3TuHz8iMhYYQ8T"]
    assert row["product"] == "Google Compute Engine"
    assert row["service"] == "Google Compute Engine; Persistent Disk"
    assert row["affected_clients"] == "storage;compute"
    assert "product" in topics(findings, "kHsnqq3TuHz8iMhYYQ8T", "mapping")


def test_gcloud_maps_severity_and_status_impact_and_times(google):
    rows, _ = google
    row = rows["kHsnqq3TuHz8iMhYYQ8T"]
    assert (row["impact"], row["severity"], row["classification"]) == ("outage", "4", "incident")
    assert (row["start_utc"], row["end_utc"], row["detected_utc"]) == (
        "2024-06-10T14:05:00Z", "2024-06-10T16:47:00Z", "2024-06-10T14:20:00Z")
    assert row["source_urls"] == "https://status.cloud.google.com/incidents/kHsnqq3TuHz8iMhYYQ8T"


def test_gcloud_regions_are_the_lowercase_location_ids(google):
    rows, _ = google
    assert rows["kHsnqq3TuHz8iMhYYQ8T"]["regions"] == "europe-west1;us-central1"
    assert rows["Qp7vTb4WcHy6Ls8Nm2Jd"]["regions"] == "global"  # currently affected


def test_gcloud_no_listed_location_gives_unknown_region_not_global(google):
    rows, findings = google
    assert rows["zY3mXq9PdNf1Rk2bA0Lw"]["regions"] == "unknown"
    assert any(f.detail == "no locations listed -> unknown" for f in findings
               if f.incident_id == "zY3mXq9PdNf1Rk2bA0Lw")


def test_gcloud_long_location_list_collapses_to_geographies_within_the_limit():
    data, source = load("gcloud_incidents.json")
    data = copy.deepcopy(data)
    data[0]["previously_affected_locations"] = [
        {"title": f"Region {n}", "id": f"{area}-{side}{n}"}
        for area in ("asia", "europe", "us", "northamerica") for side in ("east", "west")
        for n in range(1, 6)]
    rows, _ = gcloud.parse(data, source=source)
    row = by_id(rows)["kHsnqq3TuHz8iMhYYQ8T"]
    assert row["regions"] == "asia;europe;northamerica;us"
    assert "collapsed" in row["notes"]


def test_gcloud_ongoing_incident_has_empty_end(google):
    rows, _ = google
    assert (rows["Qp7vTb4WcHy6Ls8Nm2Jd"]["end_utc"],
            rows["Qp7vTb4WcHy6Ls8Nm2Jd"]["end_precision"]) == ("", "")


def test_gcloud_unknown_severity_is_derived_from_impact_and_reported(google):
    rows, findings = google
    row = rows["Qp7vTb4WcHy6Ls8Nm2Jd"]  # severity "critical", status_impact "service_outage"
    assert (row["impact"], row["severity"]) == ("outage", "4")
    assert any("critical" in f.detail for f in findings if f.topic == "unknown value")


def test_gcloud_long_title_and_many_products_are_shortened_to_the_schema_limits():
    data, source = load("gcloud_incidents.json")
    data = copy.deepcopy(data)
    data[0]["external_desc"] = "word " * 100
    data[0]["affected_products"] = [{"title": f"Google Product Number {n}", "id": str(n)}
                                    for n in range(20)]
    rows, findings = gcloud.parse(data, source=source)
    row = by_id(rows)["kHsnqq3TuHz8iMhYYQ8T"]
    assert len(row["title"]) <= schema.column("title").max_length
    assert row["title"].endswith("…")
    assert len(row["service"]) <= schema.column("service").max_length
    assert row["service"].endswith("more")
    assert any(f.topic == "shortened to the schema's limit" and f.detail.startswith("service")
               for f in findings)


def test_gcloud_control_characters_are_removed_from_cells():
    data, source = load("gcloud_incidents.json")
    data = copy.deepcopy(data)
    data[0]["external_desc"] = "Line one\nline two\x00\x1b[31m\u202e"
    rows, _ = gcloud.parse(data, source=source)
    assert by_id(rows)["kHsnqq3TuHz8iMhYYQ8T"]["title"] == "Line one line two[31m"


# ---------------------------------------------------------------- malformed feeds


def test_json_syntax_error_names_file_line_and_fix(tmp_path):
    feed = tmp_path / "broken.json"
    feed.write_text('{\n  "page": {"name": "X"},\n  "incidents": [\n    {"id": "a",}\n  ]\n}\n')
    with pytest.raises(InputError) as caught:
        feedjson.read_file(feed)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (str(feed), 4)
    assert "malformed" in problem.message
    assert problem.fix


def test_html_page_instead_of_json_is_explained():
    with pytest.raises(InputError) as caught:
        feedjson.parse_bytes(b"<!DOCTYPE html><html><body>Status</body></html>", "page")
    assert "HTML" in caught.value.problems[0].message


def test_missing_required_keys_are_all_listed_with_json_path_and_line():
    text = json.dumps({"page": {"name": "GitHub", "url": "https://www.githubstatus.com"},
                       "incidents": [{"id": "a", "name": "ok", "status": "resolved",
                                      "created_at": "2024-05-01T10:00:00Z"},
                                     {"id": "b", "status": "resolved"}]}, indent=2)
    data, source = feedjson.parse_text(text, "feed.json")
    with pytest.raises(InputError) as caught:
        statuspage.parse(data, vendor="GitHub", source=source)
    problems = {p.column: p for p in caught.value.problems}
    assert set(problems) == {"$.incidents[1].name", "$.incidents[1].created_at"}
    object_lines = [n for n, line in enumerate(text.splitlines(), 1) if line == "    {"]
    second_object_line = object_lines[1]
    assert {p.line for p in problems.values()} == {second_object_line}
    assert all(p.file == "feed.json" and p.fix for p in problems.values())


@pytest.mark.parametrize(("parser", "feed", "hint"), [
    (lambda d, s: statuspage.parse(d, vendor="X", source=s), "gcloud_incidents.json", "gcloud"),
    (lambda d, s: gcloud.parse(d, source=s), "msgraph_issues.json", "msgraph"),
    (lambda d, s: msgraph.parse(d, source=s), "gcloud_incidents.json", "gcloud"),
])
def test_wrong_top_level_shape_is_an_input_error_suggesting_the_right_format(parser, feed, hint):
    data, source = load(feed)
    with pytest.raises(InputError) as caught:
        parser(data, source)
    problem = caught.value.problems[0]
    assert problem.column == "$"
    assert f"looks like a {hint} feed" in problem.message
    assert problem.fix == f"import it with FORMAT {hint}"


def test_wrong_value_type_names_the_key_path():
    data, source = load("msgraph_issues.json")
    data = copy.deepcopy(data)
    data["value"][1]["isResolved"] = "yes"
    data["value"][2]["startDateTime"] = "yesterday"
    with pytest.raises(InputError) as caught:
        msgraph.parse(data, source=source)
    columns = {p.column for p in caught.value.problems}
    assert columns == {"$.value[1].isResolved", "$.value[2].startDateTime"}


def test_a_post_full_of_angle_brackets_is_stripped_in_linear_time():
    import time

    started = time.perf_counter()
    text = msgraph.post_text("<" * 100_000 + " restored", "html")  # no ">" anywhere
    assert time.perf_counter() - started < 2.0
    assert text == "<" * 100_000 + " restored"
    assert msgraph.post_text("<p>Service <b>restored</b>.</p>", "html") == "Service restored ."


def test_a_feed_that_is_a_pipe_or_a_device_is_refused_without_reading_it(tmp_path):
    import os

    fifo = tmp_path / "feed.json"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    for path in (fifo, Path("/dev/zero")):
        for read in (feedjson.read_file, feedjson.read_jsonl):
            with pytest.raises(InputError, match="this is not a regular file"):
                read(path)
