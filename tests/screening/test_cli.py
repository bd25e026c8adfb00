"""`manage.py screen`: JSON and text output, stdin, and exit status 2 for bad input.

None of these tests has the database mark: pytest-django fails any of them that touches it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from screening.documents import result_json
from screening.instruments import get_instrument
from screening.samples import sample_document
from screening.scoring import score_intake
from screening.summary import result_summary_text
from screening.validation import validate_intake

REPO = Path(__file__).resolve().parents[2]
INSTRUMENT = get_instrument("barrier-intake", 1)

BLOATING_PATTERN = {
    "bloating.after_water": 2,
    "bloating.persistent": 2,
}
PROGRESSIVE_FOODS = {
    "sensitivities.foods": [
        {"food": "dairy", "onset_year": 2025, "previously_tolerated": True},
        {
            "food": "other",
            "name": "<b>Buck & wheat</b>",
            "onset_year": 2024,
            "previously_tolerated": True,
        },
        {"food": "egg", "onset_year": 2001, "previously_tolerated": False},
    ],
}
RED_FLAGS = {"red_flags.weight_loss": True, "red_flags.blood_in_stool": True}


def write_document(tmp_path: Path, document: Any, name: str = "intake.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def screen(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("screen", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def screen_failure(*args: str) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("screen", *args, stdout=io.StringIO(), stderr=err)
    return raised.value, err.getvalue()


def run_manage(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The real command line, with a database that cannot be opened: it must not be needed."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": "sqlite:////nonexistent-directory/never.sqlite3",
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_json_output_is_the_scored_result(tmp_path: Path) -> None:
    document = sample_document(answers=BLOATING_PATTERN)
    path = write_document(tmp_path, document)

    out, err = screen(str(path))

    result = score_intake(document, INSTRUMENT)
    assert out == result_json(result, indent=2) + "\n"
    assert json.loads(out) == result
    assert err == ""


def test_json_is_the_default_and_byte_identical_across_runs(tmp_path: Path) -> None:
    path = write_document(tmp_path, sample_document(answers={**RED_FLAGS, **PROGRESSIVE_FOODS}))

    first, _ = screen(str(path))
    second, _ = screen(str(path), "--format", "json")

    assert first.encode() == second.encode()


def test_the_command_line_prints_the_same_bytes_without_a_database(tmp_path: Path) -> None:
    path = write_document(tmp_path, sample_document(answers={**RED_FLAGS, **BLOATING_PATTERN}))

    runs = [run_manage("screen", str(path)) for _ in range(2)]

    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    assert (
        runs[0].stdout
        == result_json(score_intake(json.loads(path.read_text()), INSTRUMENT), indent=2) + "\n"
    )


def test_dash_reads_the_document_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    document = sample_document(answers=BLOATING_PATTERN)
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(document)))

    out, _ = screen("-")

    assert json.loads(out) == score_intake(document, INSTRUMENT)


def test_an_invalid_document_names_every_problem_one_a_line(tmp_path: Path) -> None:
    document = sample_document(answers={"bloating.after_water": 7, "fatigue.sleep_hours": "8"})
    del document["answers"]["bloating.frequency"]
    document["answers"]["no.such_item"] = 1
    problems = validate_intake(document, today=timezone.localdate())
    assert len(problems) >= 4

    error, err = screen_failure(str(write_document(tmp_path, document)))

    assert error.returncode == 2
    lines = err.splitlines()
    assert lines == [f"{problem.item}: {problem.message}" for problem in problems]
    for item_id in ("bloating.after_water", "fatigue.sleep_hours", "bloating.frequency"):
        assert any(line.startswith(f"{item_id}: ") for line in lines)
    assert any("no.such_item" in line for line in lines)


def test_an_invalid_document_exits_with_status_2_on_the_command_line(tmp_path: Path) -> None:
    document = sample_document(answers={"bloating.after_water": True})

    run = run_manage("screen", str(write_document(tmp_path, document)))

    assert run.returncode == 2
    assert run.stdout == ""
    assert "bloating.after_water: " in run.stderr


def test_validation_accepts_dates_up_to_the_date_in_the_earliest_time_zone(
    tmp_path: Path,
) -> None:
    # At 10:00 UTC on 1 December it is already 2 December in UTC+14, and no later anywhere.
    with time_machine.travel("2026-12-01T10:00:00Z", tick=False):
        out, _ = screen(str(write_document(tmp_path, sample_document(completed_on="2026-12-02"))))
        later = write_document(tmp_path, sample_document(completed_on="2026-12-03"), "later.json")
        error, err = screen_failure(str(later))

    assert json.loads(out)["overall"]  # scored
    assert error.returncode == 2
    assert err.startswith("completed_on: 2026-12-03 is in the future")
    assert "2026-12-02" in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"instrument": "barrier-intake",', "not valid JSON"),
        ('{"version": NaN}', "NaN is not a JSON value"),
        ("[" * 10_000 + "]" * 10_000, "nested too deeply"),
    ],
)
def test_malformed_json_exits_with_status_2(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")

    error, _ = screen_failure(str(path))

    assert error.returncode == 2
    assert expected in str(error)
    assert str(path) in str(error)


def test_a_missing_file_exits_with_status_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"

    error, _ = screen_failure(str(missing))

    assert error.returncode == 2
    assert str(error) == f"{missing}: no such file"


def test_a_missing_file_on_the_command_line(tmp_path: Path) -> None:
    run = run_manage("screen", str(tmp_path / "missing.json"))

    assert run.returncode == 2
    assert "missing.json: no such file" in run.stderr


def test_text_leads_with_the_alarm_box_when_referral_comes_first(tmp_path: Path) -> None:
    path = write_document(tmp_path, sample_document(answers={**RED_FLAGS, **BLOATING_PATTERN}))

    out, _ = screen(str(path), "--format", "text")

    lines = out.splitlines()
    assert lines[0].startswith("+---")
    assert "ALARM FEATURES REPORTED" in lines[1]
    box = "\n".join(lines[: lines.index(lines[0], 1) + 1])
    assert "Unintentional weight loss" in box
    assert "Blood in the stool or black stools" in box
    assert "medical evaluation is recommended" in " ".join(box.split())
    assert out.endswith("A screening, not a diagnosis.\n")


def test_text_has_no_alarm_box_without_red_flags(tmp_path: Path) -> None:
    path = write_document(tmp_path, sample_document(answers=BLOATING_PATTERN))

    out, _ = screen(str(path), "--format", "text")

    assert "ALARM" not in out
    assert "+---" not in out
    assert "A screening, not a diagnosis." in out


def test_text_explains_patterns_in_words(tmp_path: Path) -> None:
    document = sample_document(
        answers={**BLOATING_PATTERN, **PROGRESSIVE_FOODS, "sensitivities.list_growing": 2}
    )

    out, _ = screen(str(write_document(tmp_path, document)), "--format", "text")

    assert "Bloating out of proportion to what is eaten" in out
    assert "Bloating after drinking only water: sometimes" in out
    assert "Stomach feels always slightly on: moderately" in out
    assert "A growing list of food sensitivities" in out
    assert "Foods that give symptoms: Dairy, since 2025, eaten without trouble before" in out
    for section in INSTRUMENT.domains:
        assert section.title in out
    assert "PHQ-4: not answered." in out


def test_text_shows_patient_text_as_plain_text(tmp_path: Path) -> None:
    document = sample_document(answers=PROGRESSIVE_FOODS)

    out, _ = screen(str(write_document(tmp_path, document)), "--format", "text")

    # Plain text is not markup: nothing to escape, and nothing escaped.
    assert "<b>Buck & wheat</b>, since 2024, eaten without trouble before" in out
    assert "&lt;" not in out
    assert "&amp;" not in out


def test_text_neutralises_terminal_control_characters() -> None:
    result = {
        **score_intake(sample_document(), INSTRUMENT),
        "patterns": [
            {
                "code": "progressive_sensitivities",
                "domain": "sensitivities",
                "rule": "",
                "evidence": [
                    {
                        "item": "sensitivities.foods",
                        "answer": {
                            "food": "other",
                            "name": "rye\x1b[2J",
                            "onset_year": 2025,
                            "previously_tolerated": True,
                        },
                    }
                ],
            }
        ],
    }

    text = result_summary_text(result, INSTRUMENT)

    assert "\x1b" not in text
    assert "rye[2J" in text


def test_text_reports_phq4_factors_and_discussion_points(tmp_path: Path) -> None:
    document = sample_document(
        answers={
            **BLOATING_PATTERN,
            "mood.phq_interest": 1,
            "mood.phq_down": 1,
            "mood.gad_nervous": 2,
            "mood.gad_worry": 2,
            "factors.antibiotic_courses_12m": 2,
            "factors.stress": 3,
            "support.fibre_servings_day": 1,
        }
    )

    out, _ = screen(str(write_document(tmp_path, document)), "--format", "text")

    assert "PHQ-4: 6 of 12 (moderate); PHQ-2 2, GAD-2 4; anxiety screen positive." in out
    assert "Antibiotics (Antibiotic courses in the last 12 months: 2 courses)" in out
    assert "Stress (Stress: quite a bit)" in out
    assert "Fibre and prebiotic foods" in out
    assert "Soothing the lining" in out
