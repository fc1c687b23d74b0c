"""Sentences and tables written from numbers: units, uncertainty, escaping."""

from __future__ import annotations

import math

import pytest

from incidents import narrative


@pytest.mark.parametrize(("value", "expected"), [
    (0.4, "24 min"), (9.46, "9.5 h"), (12.0, "12 h"), (50.0, "2.1 days"),
    (math.nan, "n/a"), (math.inf, "unbounded")])
def test_hours_are_written_with_units(value, expected):
    assert narrative.hours(value) == expected


def test_interval_says_not_reached_for_a_missing_upper_bound():
    assert narrative.interval(4.0, math.nan) == "4.0 h to not reached"


def test_budget_is_a_percentage_however_far_over():
    # One unit per column: 2.04 and 21 times the budget read as 204% and 2,100%.
    assert narrative.budget(0.45) == "45%"
    assert narrative.budget(2.04) == "204%"
    assert narrative.budget(21.0) == "2,100%"


def test_data_text_is_escaped_for_markdown_and_html():
    text = narrative.text("<img src=x onerror=alert(1)> *bold* [link](x)")
    assert "<img" not in text and "&lt;img" in text
    assert "\\*bold\\*" in text and "\\[link\\]" in text


def test_table_escapes_every_cell():
    import pandas as pd

    frame = pd.DataFrame({"title": ["</script><script>alert(1)</script>"]})
    html = narrative.table(frame, {"title": ("Title", narrative.plain)})
    assert "<script>" not in html and "&lt;/script&gt;" in html


def test_mtbf_sentence_gives_only_a_bound_below_the_minimum():
    sentence = narrative.mtbf_sentence({"incidents": 2, "mtbf_lower_hours": 100.0,
                                        "mtbf_upper_hours": 5000.0}, 3)
    assert "at least 4.2 days" in sentence and "below the minimum of 3" in sentence


def test_restore_sentence_reports_open_and_unknown_incidents():
    sentence = narrative.restore_sentence({"n": 5, "median": 9.5, "median_lower": 4.0,
                                           "median_upper": 21.0, "ongoing": 2,
                                           "end_unknown": 1})
    assert sentence.startswith("Median time to restore 9.5 h (95% CI 4.0 h to 21 h")
    assert "2 still open" in sentence and "1 with no published end" in sentence


def test_trend_sentence_states_test_and_p_value():
    sentence = narrative.trend_sentence({"verdict": "worsening", "laplace_u": 2.3,
                                         "p_value": 0.021, "beta": 1.67})
    assert "more frequent" in sentence and "p = 0.02" in sentence and "1.67" in sentence
