"""The screening summary's context: plain data in, every label resolved and number formatted.

`report_context` needs no database: the worker builds its inputs from models, the command line
from an intake file. The template only lays the result out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reports import constants
from reports.chart import chart_context
from screening.documents import result_json
from screening.instruments import instrument_of
from screening.instruments.definition import Instrument, ItemType
from screening.wording import (
    CONTROL_CHARACTERS,
    answer_in_words,
    band_label,
    disclaimer_of,
    evidence_in_words,
    food_name,
    one_line,
    overall_in_words,
    pattern_title,
    red_flag_title,
    referral_in_words,
)

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")


@dataclass(frozen=True)
class ReportPatient:
    name: str = ""
    birth_date: str | None = None  # ISO date
    external_id: str = ""


@dataclass(frozen=True)
class EarlierScreening:
    completed_on: str  # ISO date
    result: Mapping[str, Any]


@dataclass(frozen=True)
class ReviewSignOff:
    """The practitioner who marked the screening reviewed, and when."""

    reviewed_at: str  # ISO date and time, in the clinic's time zone
    reviewer: str


@dataclass(frozen=True)
class AlarmAcknowledgement:
    """What was done about the alarm features, by whom and when, as recorded."""

    action: str  # the label of the recorded AlarmAction, resolved by the caller
    note: str
    acknowledged_by: str
    acknowledged_at: str  # ISO date and time, in the clinic's time zone


@dataclass(frozen=True)
class EnteredInError:
    """The mark of an intake entered in error (wrong patient, a test submission)."""

    marked_at: str | None  # ISO date and time, in the clinic's time zone
    marked_by: str = ""
    reason: str = ""


def report_context(
    *,
    document: Mapping[str, Any],
    result: Mapping[str, Any],
    patient: ReportPatient | None = None,
    clinic_name: str = "",
    earlier: EarlierScreening | None = None,
    practitioner_notes: str = "",
    review: ReviewSignOff | None = None,
    alarm_acknowledgement: AlarmAcknowledgement | None = None,
    entered_in_error: EnteredInError | None = None,
) -> dict[str, Any]:
    """Everything the summary shows, from an intake document, its result and optional extras.

    The practitioner's notes, review, acknowledgement of alarm features and an entered-in-error
    mark are the clinic's record about the screening: the file-based command has none.
    """
    instrument = instrument_of(document)
    answers: Mapping[str, Any] = document.get("answers", {})
    patient = patient or ReportPatient(birth_date=(document.get("patient") or {}).get("birth_date"))
    patient_name = one_line(patient.name) or "Patient not named"
    clinic_name = one_line(clinic_name)
    completed_on = date_in_words(document["completed_on"])
    title = f"Screening summary: {patient_name}, {completed_on}"
    alarm = alarm_context(instrument, result, answers, document)
    if alarm is not None:
        alarm["acknowledgement"] = acknowledgement_context(alarm_acknowledgement)
    return {
        "lang": "en",
        "title": f"Entered in error: {title}" if entered_in_error else title,
        "author": clinic_name or "Barrier intake",
        "clinic_name": clinic_name,
        "patient": {
            "name": patient_name,
            "birth_date": date_in_words(patient.birth_date) if patient.birth_date else "not given",
            "external_id": one_line(patient.external_id) or "none",
        },
        "completed_on": completed_on,
        "completed_on_iso": document["completed_on"],
        "instrument": f"{instrument.title}, version {instrument.version}",
        "engine": result.get("engine", ""),
        "template_version": constants.TEMPLATE_VERSION,
        "disclaimer": disclaimer_of(instrument),
        "entered_in_error": entered_in_error_context(entered_in_error),
        "alarm": alarm,
        "summary": overall_in_words(result),
        "chart": chart_context(instrument, result),
        "domains": domains_context(instrument, result, answers),
        "factors": factors_context(instrument, result, answers),
        "discussion_points": [
            {"title": instrument.finding_title(code), "text": instrument.findings[code].text}
            for code in result.get("discussion_points", [])
            if code in instrument.findings
        ],
        "comparison": comparison_context(instrument, result, earlier),
        "history": history_context(instrument, answers),
        "practitioner_notes": display_text(practitioner_notes),
        "review": review_context(review),
        "timeline": timeline_context(instrument, answers),
        # Embedded in the PDF as a file, so the summary carries its machine-readable result.
        "result_json": result_json(dict(result)),
    }


def display_text(text: str) -> str:
    """Free text as written, minus what only breaks a layout: tabs, control characters and
    more than one blank line in a row. The template escapes it; nothing here is markup."""
    text = CONTROL_CHARACTERS.sub(
        "", text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    )
    return BLANK_LINES.sub("\n\n", text).strip()


def date_in_words(iso_date: str) -> str:
    """ "2026-11-24" -> "24 November 2026", whatever the process's locale."""
    day = date.fromisoformat(iso_date)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def datetime_in_words(iso_datetime: str) -> str:
    """ "2026-11-24T09:05:00" -> "24 November 2026, 09:05": the time as given, no conversion."""
    moment = datetime.fromisoformat(iso_datetime)
    return f"{date_in_words(moment.date().isoformat())}, {moment:%H:%M}"


def review_context(review: ReviewSignOff | None) -> dict[str, str] | None:
    if review is None:
        return None
    return {
        "reviewed_on": datetime_in_words(review.reviewed_at),
        "reviewer": one_line(review.reviewer) or "a practitioner",
    }


def acknowledgement_context(acknowledgement: AlarmAcknowledgement | None) -> dict[str, str] | None:
    """None when the alarm features are not acknowledged yet: the template says so."""
    if acknowledgement is None:
        return None
    return {
        "action": one_line(acknowledgement.action),
        "note": display_text(acknowledgement.note),
        "acknowledged_by": one_line(acknowledgement.acknowledged_by) or "a practitioner",
        "acknowledged_on": datetime_in_words(acknowledgement.acknowledged_at),
    }


def entered_in_error_context(mark: EnteredInError | None) -> dict[str, str] | None:
    if mark is None:
        return None
    return {
        "marked_on": datetime_in_words(mark.marked_at) if mark.marked_at else "",
        "marked_by": one_line(mark.marked_by),
        "reason": display_text(mark.reason),
    }


def alarm_context(
    instrument: Instrument,
    result: Mapping[str, Any],
    answers: Mapping[str, Any],
    document: Mapping[str, Any],
) -> dict[str, Any] | None:
    if not result.get("refer_first"):
        return None
    features = [
        late_onset_in_words(instrument, answers, document)
        if code == instrument.roles.onset_flag
        else red_flag_title(instrument, code)
        for code in result.get("red_flags", [])
    ]
    return {"text": referral_in_words(instrument, result), "features": features}


def late_onset_in_words(
    instrument: Instrument, answers: Mapping[str, Any], document: Mapping[str, Any]
) -> str:
    """The red flag of a late onset, with the year of onset and the birth year when known."""
    title = instrument.finding_title(instrument.roles.onset_flag)
    onset = answers.get(instrument.roles.onset_year)
    birth_date = (document.get("patient") or {}).get("birth_date")
    if onset is None or not birth_date:
        return title
    return f"{title} (in {onset}, born {birth_date[:4]})"


def domains_context(
    instrument: Instrument, result: Mapping[str, Any], answers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    patterns = {pattern.get("domain"): pattern for pattern in result.get("patterns", [])}
    definitions = {definition.code: definition for definition in instrument.patterns}
    phq4_domain = instrument.roles.phq4_domain
    domains = result.get("domains", {})
    sections = []
    for section in instrument.domains:
        scored = domains.get(section.id, {})
        pattern = patterns.get(section.id)
        definition = definitions.get(pattern.get("code", "")) if pattern else None
        sections.append(
            {
                "code": section.id,
                "title": section.title,
                "score": scored.get("score", 0),
                "band": scored.get("band", ""),
                "band_label": band_label(instrument, scored.get("band", "")),
                "elevated": section.id in result.get("elevated_domains", []),
                "pattern": None
                if pattern is None
                else {
                    "title": pattern_title(instrument, pattern.get("code", "")),
                    "rule": pattern.get("rule") or (definition.rule_text if definition else ""),
                    "evidence": [
                        evidence_in_words(instrument, evidence)
                        for evidence in pattern.get("evidence", [])
                    ],
                },
                "answers": domain_answers(instrument, section.id, answers),
                "phq4": phq4_context(result.get("phq4")) if section.id == phq4_domain else None,
            }
        )
    return sections


def domain_answers(
    instrument: Instrument, section_id: str, answers: Mapping[str, Any]
) -> list[dict[str, str]]:
    """The section's answers in words; the food list and PHQ-4 have places of their own."""
    rows = []
    phq4_items = instrument.phq4_items
    for item in instrument.section(section_id).items:
        if item.type is ItemType.FOOD_LIST:
            foods = answers.get(item.id) or []
            rows.append({"label": item.short_label, "answer": f"{len(foods)} listed"})
            continue
        if item.id in phq4_items or item.id not in answers:
            continue
        rows.append({"label": item.short_label, "answer": answer_in_words(item, answers[item.id])})
    return rows


def phq4_context(phq4: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not phq4:
        return None
    return {
        "rows": [
            {
                "label": "PHQ-2 (low mood)",
                "value": f"{phq4['phq2']} of 6",
                "note": "screen positive" if phq4.get("depression_screen_positive") else "",
            },
            {
                "label": "GAD-2 (anxiety)",
                "value": f"{phq4['gad2']} of 6",
                "note": "screen positive" if phq4.get("anxiety_screen_positive") else "",
            },
            {"label": "PHQ-4 total", "value": f"{phq4['total']} of 12", "note": phq4["band"]},
        ]
    }


def factors_context(
    instrument: Instrument, result: Mapping[str, Any], answers: Mapping[str, Any]
) -> list[dict[str, str]]:
    """Each factor with the answers that made it count, as the result explains them."""
    return [
        {
            "title": instrument.finding_title(explanation["code"]),
            "detail": "; ".join(
                evidence_in_words(instrument, part) for part in explanation.get("evidence", [])
            ),
        }
        for explanation in result.get("explanations", {}).get("factors", [])
    ]


def comparison_context(
    instrument: Instrument, result: Mapping[str, Any], earlier: EarlierScreening | None
) -> dict[str, Any] | None:
    if earlier is None:
        return None
    before_domains = earlier.result.get("domains", {})
    now_domains = result.get("domains", {})
    rows = []
    for section in instrument.domains:
        before = before_domains.get(section.id)
        now = now_domains.get(section.id, {})
        if before is None:
            continue
        change = int(now.get("score", 0)) - int(before.get("score", 0))
        rows.append(
            {
                "title": section.title,
                "before": before.get("score", 0),
                "before_band": band_label(instrument, before.get("band", "")),
                "now": now.get("score", 0),
                "now_band": band_label(instrument, now.get("band", "")),
                "change": f"{change:+d}" if change else "0",
                "direction": "higher" if change > 0 else "lower" if change < 0 else "unchanged",
            }
        )
    return {
        "completed_on": date_in_words(earlier.completed_on),
        "rows": rows,
        "overall_before": overall_in_words(earlier.result),
    }


def history_context(instrument: Instrument, answers: Mapping[str, Any]) -> list[dict[str, str]]:
    """The patient's own words (free text, escaped by the template) and the year of onset."""
    rows = []
    for item in instrument.section(instrument.roles.history).items:
        if item.id in answers:
            text = display_text(answer_in_words(item, answers[item.id]))
            rows.append({"label": item.short_label, "text": text})
    return rows


def timeline_context(instrument: Instrument, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Food sensitivities grouped by year of onset, oldest first."""
    item = instrument.items.get(instrument.roles.food_list)
    if item is None:
        return []
    by_year: dict[int, list[dict[str, Any]]] = {}
    for food in answers.get(item.id) or []:
        by_year.setdefault(int(food["onset_year"]), []).append(
            {
                "name": food_name(item, food),
                "tolerated_before": bool(food.get("previously_tolerated")),
            }
        )
    return [{"year": year, "foods": by_year[year]} for year in sorted(by_year)]
