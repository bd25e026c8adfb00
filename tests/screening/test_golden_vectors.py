"""Every instrument version gives, byte for byte, the results its golden vectors record.

Each version folder keeps `golden/*.json`: an input document and the result document the
version's engine must produce for it. A change to the generic engine, the rules or the
formulas that alters any result fails here.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import screening.instruments
from screening.documents import result_json
from screening.instruments import instrument_of
from screening.scoring import score_intake
from screening.validation import validate_intake

INSTRUMENTS_FOLDER = Path(screening.instruments.__file__).parent
GOLDEN_FILES = sorted(INSTRUMENTS_FOLDER.glob("*/v*/golden/*.json"))


def golden(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return case


def test_there_are_golden_vectors_for_every_version() -> None:
    versions = {path.parent.parent for path in GOLDEN_FILES}
    assert versions == set(INSTRUMENTS_FOLDER.glob("*/v*/"))
    assert len(GOLDEN_FILES) >= 40


def test_the_golden_vectors_cover_alarms_phq4_and_every_overall() -> None:
    results = [golden(path)["result"] for path in GOLDEN_FILES]
    assert any(result["refer_first"] for result in results)
    assert any("onset_after_50" in result["red_flags"] for result in results)
    assert any(result["phq4"] is not None for result in results)
    assert any(result["phq4"] is None for result in results)
    assert {result["overall"] for result in results} == {"none", "isolated", "multi_domain"}
    assert {band for r in results for band in (d["band"] for d in r["domains"].values())} == {
        "minimal",
        "mild",
        "moderate",
        "marked",
    }


@pytest.mark.parametrize(
    "path", GOLDEN_FILES, ids=lambda path: f"{path.parent.parent.name}/{path.stem}"
)
def test_the_engine_gives_the_recorded_result_byte_for_byte(path: Path) -> None:
    # given a recorded document, valid under its version
    case = golden(path)
    document = case["document"]
    assert validate_intake(document, today=date(2026, 12, 31)) == []
    # when it is scored
    result = score_intake(document, instrument_of(document))
    # then the result is the recorded one, key order included
    assert result_json(result) == result_json(case["result"])
