"""Proposing links between rows of different records, and the reviewed links in events.csv."""

from __future__ import annotations

import pandas as pd

from incidents.evidence import event_model
from incidents.evidence import records as evidence

UTC = "UTC"


def rows(*items) -> pd.DataFrame:
    table = pd.DataFrame(items, columns=["vendor", "record_id", "incident_id", "title",
                                         "start_utc", "end_utc"])
    for col in ("start_utc", "end_utc"):
        table[col] = pd.to_datetime(table[col], utc=True)
    return table


def pairs(proposals: pd.DataFrame) -> set[frozenset[str]]:
    keys = proposals["record_id"] + "/" + proposals["incident_id"]
    return {frozenset(group) for _, group in keys.groupby(proposals["event_id"])}


def test_the_same_id_in_two_records_close_in_time_is_proposed():
    table = rows(("GitHub", "github-curated", "abc", "Codespaces failures", "2024-01-21 02:01",
                  "2024-01-21 05:00"),
                 ("GitHub", "github-status-history", "abc", "Incident with Codespaces",
                  "2024-01-21 03:38", "2024-01-21 05:10"))
    assert pairs(event_model.propose_links(table)) == {
        frozenset({"github-curated/abc", "github-status-history/abc"})}


def test_similar_titles_starting_within_the_window_are_proposed():
    table = rows(("Slack", "slack-curated", "x1", "Users may be experiencing issues connecting",
                  "2023-08-02 16:01", None),
                 ("Slack", "slack-polls", "y9", "Users may be experiencing issues connecting",
                  "2023-08-02 16:21", "2023-08-02 18:00"))
    proposal = event_model.propose_links(table)
    assert len(pairs(proposal)) == 1
    assert proposal["reason"].iloc[0] == "titles 100% alike, starts 20 min apart"


def test_rows_of_one_record_other_vendors_or_far_apart_are_not_proposed():
    table = rows(("GitHub", "a", "id1", "Incident with Actions", "2024-01-01 10:00", None),
                 ("GitHub", "a", "id1b", "Incident with Actions", "2024-01-01 10:05", None),
                 ("Okta", "b", "id1", "Incident with Actions", "2024-01-01 10:05", None),
                 ("GitHub", "c", "id1", "Incident with Actions", "2024-01-02 10:00", None))
    assert event_model.propose_links(table).empty


def test_an_overlap_longer_than_the_window_is_still_proposed():
    table = rows(("AWS", "a", "e1", "Increased error rates in us-east-1", "2025-10-20 06:48",
                  "2025-10-21 00:00"),
                 ("AWS", "b", "e1", "DynamoDB disruption", "2025-10-20 20:00", None))
    assert len(pairs(event_model.propose_links(table))) == 1


def test_a_proposal_is_settled_only_when_both_rows_share_an_event_in_events_csv():
    proposals = pd.DataFrame({"event_id": ["e", "e"], "record_id": ["a", "b"],
                              "incident_id": ["1", "1"], "status": "proposed", "reason": ""})
    half = pd.DataFrame({"event_id": ["e"], "record_id": ["a"], "incident_id": ["1"],
                         "status": ["confirmed"], "reason": [""]})
    both = pd.concat([half, half.assign(record_id="b", status="rejected")])
    assert len(event_model.unreviewed_proposals(proposals, half)) == 2
    assert event_model.unreviewed_proposals(proposals, both).empty


def test_every_link_proposed_on_the_evidence_base_is_reviewed_in_events_csv():
    base = evidence.load_evidence()
    open_pairs = event_model.unreviewed_proposals(event_model.propose_links(base.incidents),
                                                  base.links)
    assert open_pairs.empty, (
        "review these proposals and add them to data/events.csv as confirmed or rejected:\n"
        + open_pairs.to_string())
    assert evidence.link_problems(base) == []


def test_the_hand_linked_events_join_their_rows():
    events = evidence.load_evidence().incidents.set_index(["record_id", "incident_id"])["event"]
    same = [
        (("microsoft-365-curated", "EX1256020"), ("microsoft-365-curated", "EX1268771")),
        (("microsoft-azure-post-incident-reviews", "YKYN-BWZ"),
         ("microsoft-365-curated", "MO1181369")),
        (("aws-health-dashboard-events",
          "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_BA540_514A652BE1A"),
         ("salesforce-curated", "salesforce-2025-10-20-heroku-aws-us-east")),
        (("crowdstrike-curated", "crowdstrike-2024-07-19-channel-file-291"),
         ("okta-curated", "okta-2024-07-19-crowdstrike-agent-delegated-auth")),
        (("google-cloud-status-multi-product", "ow5i3PPK96RduMcb1SsW"),
         ("cloudflare-status-polls", "25r9t0vz99rp")),
    ]
    for first, second in same:
        assert events[first] == events[second], (first, second)
