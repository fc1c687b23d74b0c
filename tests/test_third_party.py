"""Third-party tests: candidate major incidents, recurrence groups, concentration, register
evidence and the annex, each on a few hand-made event rows."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from jsonschema import Draft202012Validator

from incidents import config
from incidents.analysis import third_party
from incidents.data import schema
from incidents.present.annex import annex_document, annex_records

START = pd.Timestamp("2026-01-12T10:00:00Z")
NAN = math.nan


def event(incident_id: str, hours: float | None = 2.5, *, start: str | None = None,
          **overrides: object) -> dict:
    """One event row of ``hours`` known to the minute (None: no end known)."""
    begin = pd.Timestamp(start, tz="UTC") if start else START
    ended = hours is not None
    row = {"vendor": "Acme Mail", "product": "Mail", "incident_id": incident_id,
           "event": incident_id, "ids_in_event": incident_id, "title": "Mail down",
           "impact": "outage", "severity": 4, "scope": "all-users", "start_utc": begin,
           "end_utc": begin + pd.Timedelta(hours=hours) if ended else pd.NaT,
           "start_precision": "minute", "end_precision": "minute" if ended else "",
           "duration_min_hours": hours if ended else NAN,
           "duration_max_hours": hours if ended else NAN, "end_known": ended,
           "ongoing": False, "root_cause_category": "change-deployment",
           "change_induced": "yes", "related_ids": "",
           "source_urls": f"https://status.example.org/{incident_id};https://news.example.org/x",
           "record_kind": "curated"}
    row.update(overrides)
    return row


def rows(*events: dict) -> pd.DataFrame:
    return pd.DataFrame(list(events))


def functions(*extra: tuple[str, bool, float]) -> pd.DataFrame:
    listed = [("email", True, NAN), ("chat", False, NAN), *extra]
    return pd.DataFrame(listed, columns=["function", "critical", "rto_hours"])


SERVICE_FUNCTIONS = pd.DataFrame(
    [("Acme Mail", "Mail", "email"), ("Beta Chat", "Chat", "chat"),
     ("Microsoft 365", "Exchange Online", "email")],
    columns=["vendor", "service", "function"])

VENDORS = pd.DataFrame(
    [("Acme Mail", "", ""), ("Beta Chat", "", ""),
     ("Microsoft Azure", "Microsoft", ""),
     ("Microsoft 365", "Microsoft", "Microsoft Azure: Azure Front Door"),
     ("Contoso CRM", "", "Microsoft Azure: Azure Front Door")],
    columns=["vendor", "provider_group", "runs_on"])


def candidates(*events: dict, table: pd.DataFrame | None = None) -> pd.DataFrame:
    return third_party.candidate_major_incidents(rows(*events), table if table is not None
                                                 else functions(), SERVICE_FUNCTIONS, VENDORS)


# --- candidate major incidents ----------------------------------------------------------

def test_an_outage_of_two_and_a_half_hours_on_a_critical_service_is_a_candidate():
    found = candidates(event("AM1", 2.5))
    assert found[["incident_id", "test_met", "threshold_hours", "functions_hit"]].values.tolist(
    ) == [["AM1", "exceeds", 2.0, "email"]]


def test_an_outage_of_an_hour_and_a_half_is_not_a_candidate():
    assert candidates(event("AM1", 1.5)).empty


def test_an_outage_of_a_service_serving_no_critical_function_is_not_a_candidate():
    assert candidates(event("BC1", 5.0, vendor="Beta Chat", product="Chat")).empty


def test_an_rto_of_one_hour_makes_an_hour_and_a_half_outage_a_candidate():
    strict = pd.DataFrame([("email", True, 1.0)], columns=["function", "critical", "rto_hours"])
    found = candidates(event("AM1", 1.5), table=strict)
    assert found[["test_met", "threshold_hours"]].values.tolist() == [["exceeds", 1.0]]


def test_a_day_precision_outage_that_straddles_the_threshold_may_exceed():
    found = candidates(event("AM1", 12.0, start_precision="day", end_precision="day",
                             duration_min_hours=0.5, duration_max_hours=30.0))
    assert found["test_met"].tolist() == ["may exceed"]


def test_no_end_for_all_users_is_a_candidate_of_unknown_length():
    found = candidates(event("AM1", None, scope="all-users"))
    assert found["test_met"].tolist() == ["unknown length, broad scope"]
    assert found["recovered_utc"].isna().all()


def test_no_end_for_a_subset_of_users_is_not_a_candidate():
    assert candidates(event("AM1", None, scope="subset")).empty


def test_a_degradation_is_never_a_candidate():
    assert candidates(event("AM1", 10.0, impact="degradation")).empty
    assert candidates(event("AM2", None, impact="degradation")).empty


def test_a_front_door_outage_reaches_microsoft_365_email_through_runs_on():
    found = candidates(event("AFD1", 3.0, vendor="Microsoft Azure",
                             product="Azure Front Door"))
    assert len(found) == 1
    hit = found.iloc[0]
    assert hit["via"] == "Microsoft Azure: Azure Front Door -> Microsoft 365"
    assert hit["functions_hit"] == "email"
    assert hit["services_hit"] == "Microsoft 365: Exchange Online"
    assert set(hit["vendors_hit"].split("; ")) == {"Microsoft Azure", "Microsoft 365"}


def test_a_direct_hit_has_no_chain():
    assert candidates(event("AM1", 2.5))["via"].tolist() == [""]


def test_an_event_on_two_services_is_one_candidate():
    found = candidates(event("AM1", 2.5),
                       event("EX1", 2.5, event="AM1", vendor="Microsoft 365",
                             product="Exchange Online"))
    assert len(found) == 1
    assert set(found.iloc[0]["incident_ids"].split(";")) == {"AM1", "EX1"}


def test_candidates_are_sorted_by_occurrence():
    found = candidates(event("LATE", 3.0, start="2026-03-01T00:00Z"),
                       event("EARLY", 3.0, start="2026-02-01T00:00Z"))
    assert found["incident_id"].tolist() == ["EARLY", "LATE"]


def test_a_tenant_row_marks_the_tenant_affected():
    found = candidates(event("AM1", 2.5),
                       event("AM1", 2.5, record_kind="tenant", product="Calendar"))
    assert found["tenant_affected"].tolist() == ["yes: in the tenant's record"]


def test_without_a_tenant_row_the_tenant_is_to_be_confirmed():
    assert candidates(event("AM1", 2.5))["tenant_affected"].tolist() == ["to be confirmed"]


def test_a_candidate_names_its_recurrence_group():
    found = candidates(event("AM1", 2.5), event("AM2", 0.5, start="2026-02-01T00:00Z"))
    assert found["recurrence_group"].tolist() == ["Acme Mail/Mail/AM1"]


def test_the_rules_speak_the_schema_vocabularies():
    assert set(third_party.OUTAGE_IMPACTS) <= set(schema.IMPACTS)
    assert set(third_party.BROAD_SCOPES) <= set(schema.SCOPES)


# --- recurrence groups ------------------------------------------------------------------

def groups(*events: dict) -> pd.DataFrame:
    return third_party.recurrence_groups(rows(*events))


def test_events_182_days_apart_with_the_same_cause_form_one_group():
    found = groups(event("A", start="2026-01-01"), event("B", start="2026-07-02"))
    assert found[["group", "events", "ids"]].values.tolist() == [["Acme Mail/Mail/A", 2, "A;B"]]


def test_events_184_days_apart_do_not_group():
    assert groups(event("A", start="2026-01-01"), event("B", start="2026-07-04")).empty


def test_events_with_different_root_causes_do_not_group():
    assert groups(event("A", start="2026-01-01", change_induced="no"),
                  event("B", start="2026-01-10", root_cause_category="capacity-traffic",
                        change_induced="no")).empty


def test_two_own_changes_of_different_kinds_on_one_service_group():
    # A faulty deployment, then a faulty configuration push: both the vendor's own change.
    found = groups(event("A", start="2026-01-01"),
                   event("B", start="2026-01-22", root_cause_category="configuration"))
    assert found["ids"].tolist() == ["A;B"]


def test_groups_chain_each_event_to_the_previous_one():
    # 150 days then 150 days: 300 days end to end, still one group.
    found = groups(event("A", start="2026-01-01"), event("B", start="2026-05-31"),
                   event("C", start="2026-10-28"))
    assert found["ids"].tolist() == ["A;B;C"]


def test_a_relog_named_in_related_ids_groups_even_with_an_unknown_cause():
    found = groups(event("A", start="2026-01-01", root_cause_category="unknown",
                         change_induced="unknown"),
                   event("B", start="2026-01-03", root_cause_category="unknown",
                         change_induced="unknown", related_ids="A"))
    assert found[["ids", "root_cause_category"]].values.tolist() == [["A;B", "unknown"]]


def test_a_relog_with_differing_causes_reads_as_relogs_not_a_shared_cause():
    found = groups(event("A", start="2026-01-01", root_cause_category="network",
                         change_induced="no"),
                   event("B", start="2026-01-01", root_cause_category="capacity-traffic",
                         change_induced="no", related_ids="A"))
    assert found["sentence"].tolist() == [
        "Mail incident logged twice on one day as re-logs, causes given: network; "
        "capacity-traffic (A on 01 Jan 2026, B on 01 Jan 2026)."]


def test_a_relog_on_another_vendor_does_not_group():
    assert groups(event("A", start="2026-01-01", root_cause_category="unknown"),
                  event("B", start="2026-01-03", root_cause_category="unknown",
                        vendor="Beta Chat", related_ids="A")).empty


def test_the_group_sentence_reads_as_one_plain_sentence():
    found = groups(event("EX1", start="2026-01-12", product="Exchange Online"),
                   event("EX2", start="2026-03-16", product="Exchange Online"))
    assert found["sentence"].tolist() == [
        "Exchange Online broken twice in 63 days by the vendor's own changes "
        "(EX1 on 12 Jan 2026, EX2 on 16 Mar 2026)."]
    assert found["change_induced_all"].tolist() == [True]


# --- concentration ----------------------------------------------------------------------

def test_concentration_sums_a_provider_group_across_two_vendors():
    events = rows(event("AFD1", 3.0, vendor="Microsoft Azure", product="Azure Front Door"))
    found = third_party.candidate_major_incidents(events, functions(), SERVICE_FUNCTIONS,
                                                  VENDORS)
    exposure = pd.Series({"Microsoft Azure": 10.0, "Microsoft 365": 5.0, "Acme Mail": NAN})
    providers, _ = third_party.concentration(events, found, exposure, VENDORS, functions(),
                                             SERVICE_FUNCTIONS)
    microsoft = providers.set_index("provider_group").loc["Microsoft"]
    assert microsoft["vendors"] == "Microsoft Azure; Microsoft 365"
    assert microsoft["expected_disruption_hours_a_year"] == 15.0
    assert microsoft["vendors_without_figure"] == 0
    assert microsoft["candidates"] == 1
    assert microsoft["critical_functions"] == "email"


def test_concentration_counts_vendors_without_a_disruption_figure():
    exposure = pd.Series({"Microsoft Azure": 10.0})
    providers, _ = third_party.concentration(rows(event("AM1")), pd.DataFrame(), exposure,
                                             VENDORS, functions(), SERVICE_FUNCTIONS)
    by_group = providers.set_index("provider_group")
    assert by_group.loc["Microsoft", "vendors_without_figure"] == 1
    assert math.isnan(by_group.loc["Acme Mail", "expected_disruption_hours_a_year"])


def test_concentration_lists_a_shared_component_with_two_dependants():
    events = rows(event("AFD1", 3.0, vendor="Microsoft Azure", product="Azure Front Door"),
                  event("AFD2", 0.5, vendor="Microsoft Azure", product="Azure Front Door",
                        start="2026-02-01"))
    found = third_party.candidate_major_incidents(events, functions(), SERVICE_FUNCTIONS,
                                                  VENDORS)
    _, components = third_party.concentration(events, found, pd.Series(dtype=float), VENDORS,
                                              functions(), SERVICE_FUNCTIONS)
    assert components.to_dict("records") == [{
        "component": "Microsoft Azure: Azure Front Door", "component_vendor": "Microsoft Azure",
        "dependants": "Microsoft 365; Contoso CRM", "dependant_count": 2, "events": 2,
        "candidates": 1}]


# --- register evidence ------------------------------------------------------------------

def register(events: pd.DataFrame, table: pd.DataFrame, **extra: pd.DataFrame) -> pd.Series:
    found = third_party.register_evidence(events, table, SERVICE_FUNCTIONS, VENDORS, **extra)
    return found.set_index("vendor").loc["Acme Mail"]


def test_register_counts_outages_over_the_strictest_rto():
    served = pd.concat([SERVICE_FUNCTIONS, pd.DataFrame(
        [("Acme Mail", "Mail", "payments")], columns=["vendor", "service", "function"])])
    table = functions(("payments", True, 1.0))
    table.loc[table["function"] == "email", "rto_hours"] = 4.0
    events = rows(event("A", 0.5), event("B", 1.5, start="2026-02-01"),
                  event("C", 3.0, start="2026-03-01"),
                  event("D", 9.0, start="2026-04-01", impact="degradation"),
                  event("E", None, start="2026-05-01"))
    found = third_party.register_evidence(events, table, served, VENDORS)
    acme = found.set_index("vendor").loc["Acme Mail"]
    assert acme["strictest_rto_hours"] == 1.0
    assert acme["over_rto"] == "2 of 3 (67%)"
    assert (acme["events"], acme["events_restore_known"]) == (5, 4)
    assert (acme["longest_outage_id"], acme["longest_outage_hours"]) == ("C", "3.0 h")
    assert acme["critical_functions"] == "email; payments"


def test_register_says_n_a_without_an_rto():
    acme = register(rows(event("A", 3.0)), functions())
    assert acme["over_rto"] == "n/a"
    assert math.isnan(acme["over_rto_share"])


def test_register_merges_availability_and_sla_as_given():
    acme = register(rows(event("A", 3.0)), functions(),
                    availability=pd.DataFrame({"vendor": ["Acme Mail"], "text": ["99.9%"]}),
                    sla=pd.DataFrame({"vendor": ["Acme Mail"], "text": ["99.95% monthly"]}))
    assert (acme["availability"], acme["sla"]) == ("99.9%", "99.95% monthly")


def test_register_counts_recurrence_groups():
    acme = register(rows(event("A"), event("B", start="2026-02-01")), functions())
    assert acme["recurrence_groups"] == 1


# --- annex ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    path = config.PROJECT_ROOT / "schemas" / "third-party-annex.schema.json"
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def annex(*events: dict) -> dict:
    table = rows(*events)
    found = third_party.candidate_major_incidents(table, functions(), SERVICE_FUNCTIONS,
                                                  VENDORS)
    providers, _ = third_party.concentration(table, found, pd.Series(dtype=float), VENDORS,
                                             functions(), SERVICE_FUNCTIONS)
    document = annex_document(
        pd.Timestamp("2026-01-01T00:00Z"), pd.Timestamp("2026-11-01T00:00Z"), found,
        third_party.recurrence_groups(table), providers, pd.Timestamp("2026-11-02T08:00Z"))
    return json.loads(json.dumps(document))  # what a reader of the file gets back


def test_the_annex_validates_against_its_schema(validator):
    document = annex(event("AM1", 2.5), event("AM2", None, start="2026-02-01"))
    assert len(document["candidates"]) == 2
    validator.validate(document)


def test_a_candidate_without_a_url_fails_validation(validator):
    document = annex(event("AM1", 2.5, source_urls=""))
    assert document["candidates"][0]["source_url"] is None
    assert not validator.is_valid(document)


def test_a_candidate_with_a_plain_http_url_fails_validation(validator):
    assert not validator.is_valid(annex(event("AM1", 2.5, source_urls="http://example.org/1")))


def test_annex_records_write_utc_with_z_and_none_for_missing():
    record = annex_records(candidates(event("AM1", None)))[0]
    assert record["occurred_utc"] == "2026-01-12T10:00:00Z"
    assert record["recovered_utc"] is None
    assert record["duration_min_hours"] is None


def test_the_annex_note_says_it_lists_candidates_not_a_classification():
    note = annex(event("AM1", 2.5))["note"]
    assert "not a classification" in note
    assert "owns" in note


@pytest.mark.parametrize(("scope", "regions", "expected"), [
    ("all-users", "", third_party.CLIENTS_BROAD),
    ("region", "europe;north-america", third_party.SPREAD_BROAD),
    ("subset", "global", third_party.SPREAD_BROAD),
    ("region", "bangkok", ""),
    ("unknown", "unknown", ""),
])
def test_the_second_criterion_is_the_breadth_the_sources_show(scope, regions, expected):
    assert third_party.second_criterion(scope, regions) == expected
