"""The organisation file: who the report is for, which vendors are in it, which functions are
critical, and each vendor's figures resting on its own evidence."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from incidents import config
from incidents.data import organisation
from incidents.errors import InputError
from incidents.evidence import records as evidence
from incidents.present import report, services

VENDOR_HEADER = ("vendor,services_used,business_functions,dependence_weight,provider_group,"
                 "runs_on,notes\n")


def write_org(folder: Path, toml: str, vendors: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vendors.csv").write_text(VENDOR_HEADER + vendors, encoding="utf-8")
    (folder / "org.toml").write_text(toml, encoding="utf-8")
    return folder / "org.toml"


def copy_data(tmp_path: Path) -> Path:
    """A copy of the shipped data folder (evidence and the example organisation)."""
    data = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, data)
    return data


def rewrite_vendors(path: Path, keep) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(keep(rows))


def test_the_shipped_files_are_the_example_the_digest_names():
    from incidents.data import inputs

    paths = inputs.organisation_files(str(config.ORGANISATION_TOML))
    assert organisation.content_digest(*paths) == organisation.EXAMPLE_DIGEST, (
        "the shipped example changed: set organisation.EXAMPLE_DIGEST to its new digest")
    assert organisation.load_organisation(config.ORGANISATION_TOML).is_example


def test_an_edited_vendor_table_is_no_longer_the_example(tmp_path):
    data = copy_data(tmp_path)
    rewrite_vendors(data / "vendors.csv", lambda rows: rows[:-1])
    org = organisation.load_organisation(data / "organisation.toml")
    assert not org.is_example
    assert org.name == "Example organisation"


def test_name_note_and_functions_are_read(tmp_path):
    path = write_org(tmp_path, 'name = "Acme"\nnote = "Our stack."\nvendors = "vendors.csv"\n'
                     '[functions."email"]\ncritical = true\nrto_hours = 4\n'
                     'services = ["Mail Co: Mailbox"]\n',
                     "Mail Co,Mailbox;Calendar,email;calendar,1.0,,,\n")
    org = organisation.load_organisation(path)
    assert (org.name, org.note, org.is_example) == ("Acme", "Our stack.", False)
    email = org.functions.set_index("function").loc["email"]
    assert bool(email["critical"]) and email["rto_hours"] == 4
    served = organisation.service_functions(org)
    assert served.loc[served["function"].eq("email"), "service"].tolist() == ["Mailbox"]
    # a function that names no services is served by every service its vendors use
    assert served.loc[served["function"].eq("calendar"), "service"].tolist() == [
        "Mailbox", "Calendar"]


@pytest.mark.parametrize(("toml", "key", "words"), [
    ('colour = "blue"\n', "colour", "is not a setting"),
    ('[functions."email"]\nrto_hours = -1\n', "functions.email.rto_hours", "is not allowed"),
    ('[functions."email"]\ncritical = "yes"\n', "functions.email.critical",
     "is not true or false"),
    ('[functions."email"]\nservices = ["Mail Co: Nothing"]\n', "functions.email.services",
     "is not a service the vendor table lists"),
    ('vendors = "../elsewhere.csv"\n', "vendors", "is not a file name"),
])
def test_a_wrong_setting_names_its_key_and_the_fix(tmp_path, toml, key, words):
    path = write_org(tmp_path, toml, "Mail Co,Mailbox,email,1.0,,,\n")
    with pytest.raises(InputError) as caught:
        organisation.load_organisation(path)
    problem = next(p for p in caught.value.problems if p.column == key)
    assert words in problem.message and problem.fix


def test_broken_toml_names_the_line(tmp_path):
    path = write_org(tmp_path, 'name = "Acme"\nnote = unquoted words\n',
                     "Mail Co,Mailbox,email,1.0,,,\n")
    with pytest.raises(InputError) as caught:
        organisation.load_organisation(path)
    (problem,) = caught.value.problems
    assert problem.line == 2 and "is not valid TOML" in problem.message


def test_a_function_naming_services_must_name_one_of_each_vendor_serving_it(tmp_path):
    path = write_org(tmp_path, '[functions."email"]\nservices = ["Mail Co: Mailbox"]\n',
                     "Mail Co,Mailbox,email,1.0,,,\nOther Mail,Inbox,email,0.5,,,\n")
    with pytest.raises(InputError) as caught:
        organisation.load_organisation(path)
    (problem,) = caught.value.problems
    assert problem.line == 3 and problem.column == "business_functions"
    assert "Other Mail" in problem.message


def test_removing_vendors_leaves_them_out_without_an_error(tmp_path):
    data = copy_data(tmp_path)
    gone = {"Zoom", "Okta", "Slack"}
    rewrite_vendors(data / "vendors.csv", lambda rows: [r for r in rows
                                                        if r["vendor"] not in gone])
    found = evidence.load_evidence(data / "incidents.csv", data / "organisation.toml")
    assert gone.isdisjoint(found.incidents["vendor"])
    assert gone.isdisjoint(found.records["vendor"]) and gone.isdisjoint(found.slas["vendor"])
    (note,) = [n for n in found.notes if "not in vendors.csv" in n]
    assert all(name in note for name in gone)


def test_a_zero_weight_keeps_the_vendor_out_of_the_report(tmp_path):
    data = copy_data(tmp_path)

    def zero_zoom(rows):
        for row in rows:
            if row["vendor"] == "Zoom":
                row["dependence_weight"] = "0"
        return rows

    rewrite_vendors(data / "vendors.csv", zero_zoom)
    found = evidence.load_evidence(data / "incidents.csv", data / "organisation.toml")
    assert "Zoom" not in set(found.vendors["vendor"]) | set(found.incidents["vendor"])
    assert any(n.startswith("Not in this report (dependence weight 0") and "Zoom" in n
               for n in found.notes)


def add_slack_row(data: Path, day: str) -> None:
    with (data / "incidents.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, fields = list(reader), reader.fieldnames
    slack = next(r for r in rows if r["vendor"] == "Slack")
    rows.append({**slack, "incident_id": "slack-new-1", "start_utc": f"{day}T09:00:00Z",
                 "end_utc": f"{day}T11:00:00Z", "detected_utc": "", "related_ids": "",
                 "event_id": ""})
    with (data / "incidents.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_new_curated_row_after_its_record_moves_only_its_own_vendor(tmp_path):
    """A Slack row dated after every record's end is accepted without editing records.csv
    and changes no other vendor's availability or cut-off."""
    data = copy_data(tmp_path)
    before = report.prepare(str(data / "incidents.csv"), "", "2023-01-01", "2026-12-06")
    add_slack_row(data, "2026-12-06")
    after = report.prepare(str(data / "incidents.csv"), "", "2023-01-01", "2026-12-06")
    assert after.vendor_ends["Slack"] == pd.Timestamp("2026-12-07", tz="UTC")
    others = before.vendor_ends.index.drop("Slack")
    pd.testing.assert_series_equal(before.vendor_ends[others], after.vendor_ends[others])
    old, new = (services.availability_table(d) for d in (before, after))
    mine = old["vendor"].eq("Slack")
    pd.testing.assert_frame_equal(old.loc[~mine].reset_index(drop=True),
                                  new.loc[~new["vendor"].eq("Slack")].reset_index(drop=True))


def test_the_input_listing_names_every_file_the_report_reads(tmp_path):
    from incidents.data import inputs

    listed = {p.name for p in inputs.input_files()}
    assert {"incidents.csv", "records.csv", "events.csv", "slas.csv", "published_uptime.csv",
            "service_map.csv", "organisation.toml", "vendors.csv",
            "github-status-history.csv"} <= listed
    client = write_org(tmp_path / "client", 'vendors = "vendors.csv"\n',
                       "Mail Co,Mailbox,email,1.0,,,\n")
    assert inputs.organisation_files(str(client)) == [client, client.parent / "vendors.csv"]
