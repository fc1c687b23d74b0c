"""The glossary: every method the report names, explained, and rendered as a Markdown table."""

from __future__ import annotations

import pytest

from incidents.present import glossary

NAMED_IN_THE_REPORT = ["Laplace", "Kaplan-Meier", "Crow-AMSAA", "Rank interval", "Error budget",
                       "MTBF", "Exact Poisson interval", "Holm", "Like-for-like",
                       "Lower-bound record"]


@pytest.mark.parametrize("method", NAMED_IN_THE_REPORT)
def test_every_method_the_report_names_has_an_entry(method):
    assert any(method.lower() in term.lower() for term in glossary.GLOSSARY)


def test_kaplan_meier_entry_says_what_happens_to_unfinished_incidents():
    entry = next(text for term, text in glossary.GLOSSARY.items() if "Kaplan" in term)
    assert "unfinished" in entry and "not reached" in entry


def test_markdown_is_a_table_with_one_row_per_term_under_a_heading():
    text = glossary.markdown()
    lines = text.strip().splitlines()
    assert lines[0] == "## Glossary"
    assert lines[2:4] == ["| Term | In plain words |", "| --- | --- |"]
    assert len(lines) == 4 + len(glossary.GLOSSARY)


def test_a_pipe_in_an_entry_does_not_end_its_cell(monkeypatch):
    monkeypatch.setattr(glossary, "GLOSSARY", {"A|B": "x | y"})
    assert glossary.markdown(heading="").strip().splitlines()[-1] == "| A\\|B | x \\| y |"


def test_an_unknown_term_is_refused():
    with pytest.raises(KeyError):
        glossary.markdown(["Not a method"])


def test_the_portfolio_explains_only_terms_it_names_and_every_one_exists():
    assert set(glossary.PORTFOLIO_TERMS) <= set(glossary.GLOSSARY)
    text = glossary.markdown(glossary.PORTFOLIO_TERMS)
    assert "Quasi-Poisson" in text and "Crow-AMSAA" not in text
