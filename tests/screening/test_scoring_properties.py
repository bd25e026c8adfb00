"""Properties of the scoring engine over valid documents generated from the instrument definition.

The strategies read the definition (types, scales, ranges, choices, `enable_when`, all-or-none
groups, food-list constraints), so they follow the instrument rather than a hand-kept list.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.documents import canonical_json, result_json
from screening.instruments import get_instrument
from screening.instruments.definition import COMPLETED_YEAR, Item, ItemType, band_of
from screening.scoring import score_intake
from screening.validation import validate_intake

INSTRUMENT = get_instrument("barrier-intake", 1)
GROUPED = {item_id for group in INSTRUMENT.all_or_none for item_id in group.items}
SCORED = [item for item in INSTRUMENT.iter_items() if item.scored]
BAND_RANGES = {"minimal": (0, 24), "mild": (25, 49), "moderate": (50, 74), "marked": (75, 100)}
PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Printable text without surrounding blanks: names stay distinct after validation's trimming.
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -&<>'", min_size=1, max_size=30).filter(
    lambda name: name.strip() != ""
)


def bound(value: int | str | None, year: int) -> int | None:
    if value == COMPLETED_YEAR:
        return year
    return value if isinstance(value, int) else None


def highest(item: Item, year: int) -> int:
    if item.type is ItemType.SCALE:
        assert item.scale is not None
        return item.scale.maximum
    maximum = bound(item.maximum, year)
    assert maximum is not None
    return maximum


@st.composite
def food_lists(draw: st.DrawFn, item: Item, year: int) -> list[dict[str, Any]]:
    food_list = INSTRUMENT.food_list
    assert food_list is not None and item.max_entries is not None
    codes = [choice.code for choice in item.choices if choice.code != food_list.other_code]
    named = draw(st.lists(st.sampled_from(codes), unique=True, max_size=len(codes)))
    others = draw(st.lists(NAMES, unique_by=lambda name: name.strip().casefold(), max_size=3))
    # Recent onsets are the interesting ones: half the draws fall in the last 5 years.
    onset = st.one_of(st.integers(year - 5, year), st.integers(food_list.onset_minimum, year))
    entries = [{"food": code} for code in named]
    entries += [{"food": food_list.other_code, "name": name} for name in others]
    entries = draw(st.permutations(entries))[: item.max_entries]
    return [
        {**entry, "onset_year": draw(onset), "previously_tolerated": draw(st.booleans())}
        for entry in entries
    ]


def answers_for(item: Item, year: int) -> st.SearchStrategy[Any]:
    codes = [choice.code for choice in item.choices]
    if item.type is ItemType.SCALE or item.type is ItemType.INTEGER:
        minimum = bound(item.minimum, year) if item.type is ItemType.INTEGER else 0
        return st.integers(minimum or 0, highest(item, year))
    if item.type is ItemType.BOOLEAN:
        return st.booleans()
    if item.type is ItemType.CHOICE:
        return st.sampled_from(codes)
    if item.type is ItemType.MULTI_CHOICE:
        return st.lists(st.sampled_from(codes), unique=True)
    if item.type is ItemType.TEXT:
        return st.text(max_size=min(item.max_length or 50, 50))
    return food_lists(item, year)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    completed_on = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
    year = completed_on.year
    answers: dict[str, Any] = {}
    for item in INSTRUMENT.iter_items():
        if item.enable_when is not None or item.id in GROUPED:
            continue
        if item.required or draw(st.booleans()):
            answers[item.id] = draw(answers_for(item, year))
    for group in INSTRUMENT.all_or_none:
        if draw(st.booleans()):
            for item_id in group.items:
                answers[item_id] = draw(answers_for(INSTRUMENT.item(item_id), year))
    for item in INSTRUMENT.iter_items():
        condition = item.enable_when
        if condition is not None and answers.get(condition.item) is condition.equals:
            answers[item.id] = draw(answers_for(item, year))
    document: dict[str, Any] = {
        "instrument": INSTRUMENT.id,
        "version": INSTRUMENT.version,
        "completed_on": completed_on.isoformat(),
    }
    if draw(st.booleans()):
        birth_date = draw(st.dates(min_value=date(1900, 1, 1), max_value=completed_on))
        document["patient"] = {"birth_date": birth_date.isoformat()}
    document["answers"] = answers
    return document


@PROPERTIES
@given(documents())
def test_generated_documents_are_valid(document: dict[str, Any]) -> None:
    today = date.fromisoformat(document["completed_on"])
    assert validate_intake(document, today=today) == []


@PROPERTIES
@given(documents())
def test_every_score_is_0_to_100_in_its_band(document: dict[str, Any]) -> None:
    result = score_intake(document, INSTRUMENT)
    assert list(result["domains"]) == [section.id for section in INSTRUMENT.domains]
    for domain in result["domains"].values():
        low, high = BAND_RANGES[domain["band"]]
        assert low <= domain["score"] <= high
        assert domain["band"] == band_of(INSTRUMENT.bands, domain["score"])


@PROPERTIES
@given(documents(), st.sampled_from(SCORED), st.data())
def test_raising_a_scored_answer_never_lowers_its_domain_score(
    document: dict[str, Any], item: Item, data: st.DataObject
) -> None:
    answers = document["answers"]
    year = date.fromisoformat(document["completed_on"]).year
    raised = data.draw(st.integers(answers[item.id], highest(item, year)))
    before = score_intake(document, INSTRUMENT)["domains"][item.section]["score"]
    document["answers"] = {**answers, item.id: raised}
    after = score_intake(document, INSTRUMENT)["domains"][item.section]["score"]
    assert after >= before


@PROPERTIES
@given(documents())
def test_the_same_document_gives_byte_identical_json(document: dict[str, Any]) -> None:
    untouched = canonical_json(document)
    first = result_json(score_intake(document, INSTRUMENT))
    second = result_json(score_intake(document, INSTRUMENT))
    from_copy = result_json(score_intake(copy.deepcopy(document), INSTRUMENT))
    assert first == second == from_copy
    assert canonical_json(document) == untouched  # scoring never changes its input


@PROPERTIES
@given(documents())
def test_pattern_evidence_names_only_items_of_its_domain(document: dict[str, Any]) -> None:
    result = score_intake(document, INSTRUMENT)
    for found in result["patterns"]:
        assert found["evidence"], found["code"]
        for entry in found["evidence"]:
            assert entry["item"].startswith(f"{found['domain']}."), (found["code"], entry)
            assert entry["item"] in INSTRUMENT.items


@PROPERTIES
@given(documents())
def test_overall_and_referral_agree_with_their_parts(document: dict[str, Any]) -> None:
    result = score_intake(document, INSTRUMENT)
    count = len(result["elevated_domains"])
    expected = "none" if count == 0 else "isolated" if count < 3 else "multi_domain"
    assert result["overall"] == expected
    assert result["refer_first"] is bool(result["red_flags"])
    assert (result["referral"] is not None) is result["refer_first"]
    explanations = result["explanations"]
    for key in ("red_flags", "factors", "discussion_points"):
        assert [entry["code"] for entry in explanations[key]] == result[key]
