"""A plain-text summary of a result document, for a person to read in a terminal or an email."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Mapping
from typing import Any

from screening.instruments.definition import Instrument
from screening.wording import (
    disclaimer_of,
    evidence_in_words,
    finding_in_words,
    overall_in_words,
    pattern_title,
    red_flag_title,
    referral_in_words,
)

WIDTH = 72


def result_summary_text(result: Mapping[str, Any], instrument: Instrument) -> str:
    """The result in words: alarm features first, then domains, patterns and what to discuss."""
    blocks = [
        alarm_box(result, instrument) if result.get("refer_first") else "",
        f"{instrument.title} (version {instrument.version}), engine {result.get('engine', '?')}",
        f"Overall: {overall_in_words(result)}.",
        domains_block(result, instrument),
        patterns_block(result, instrument),
        phq4_block(result.get("phq4")),
        factors_block(result, instrument),
        listed_block(
            "Points to discuss",
            [instrument.finding_title(code) for code in result.get("discussion_points", [])],
        ),
        disclaimer_of(instrument),
    ]
    return "\n\n".join(block for block in blocks if block) + "\n"


def alarm_box(result: Mapping[str, Any], instrument: Instrument) -> str:
    lines = ["ALARM FEATURES REPORTED", ""]
    lines += textwrap.wrap(referral_in_words(instrument, result) + ".", WIDTH - 4)
    lines.append("")
    for code in result.get("red_flags", []):
        lines += textwrap.wrap(
            red_flag_title(instrument, code),
            WIDTH - 4,
            initial_indent="- ",
            subsequent_indent="  ",
        )
    border = "+" + "-" * (WIDTH - 2) + "+"
    return "\n".join([border, *(f"| {line:<{WIDTH - 4}} |" for line in lines), border])


def domains_block(result: Mapping[str, Any], instrument: Instrument) -> str:
    domains = result.get("domains", {})
    elevated = set(result.get("elevated_domains", []))
    width = max((len(section.title) for section in instrument.domains), default=0)
    lines = ["Domains (score 0-100, band):"]
    for section in instrument.domains:
        domain = domains.get(section.id)
        if domain is None:
            continue
        mark = "<- elevated" if section.id in elevated else ""
        line = f"  {section.title:<{width}}  {domain['score']:>3}  {domain['band']:<8}  {mark}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def patterns_block(result: Mapping[str, Any], instrument: Instrument) -> str:
    patterns = result.get("patterns", [])
    if not patterns:
        return "Possible patterns: none."
    lines = ["Possible patterns:"]
    for pattern in patterns:
        lines.append(f"  * {pattern_title(instrument, pattern['code'])}")
        for evidence in pattern.get("evidence", []):
            lines.append(f"      - {evidence_words(evidence, instrument)}")
    return "\n".join(lines)


def evidence_words(evidence: Mapping[str, Any], instrument: Instrument) -> str:
    """`Bloating after drinking only water: sometimes`."""
    return plain(evidence_in_words(instrument, evidence))


def phq4_block(phq4: Mapping[str, Any] | None) -> str:
    if not phq4:
        return "PHQ-4: not answered."
    positives = [
        name
        for name, key in (
            ("depression", "depression_screen_positive"),
            ("anxiety", "anxiety_screen_positive"),
        )
        if phq4.get(key)
    ]
    screens = (
        "; " + " and ".join(positives) + " screen positive" if positives else "; screens negative"
    )
    return (
        f"PHQ-4: {phq4['total']} of 12 ({phq4['band']}); PHQ-2 {phq4['phq2']}, "
        f"GAD-2 {phq4['gad2']}{screens}."
    )


def factors_block(result: Mapping[str, Any], instrument: Instrument) -> str:
    """Each factor in words, with the answers that made it count."""
    explanations = result.get("explanations", {}).get("factors", [])
    return listed_block(
        "Contributing factors",
        [plain(finding_in_words(instrument, explanation)) for explanation in explanations],
    )


def listed_block(heading: str, lines: list[str]) -> str:
    if not lines:
        return f"{heading}: none."
    return "\n".join([f"{heading}:", *(f"  - {line}" for line in lines)])


def plain(text: str) -> str:
    """Patient text shown as-is, except control characters that could drive a terminal."""
    return "".join(
        f"\\x{ord(char):02x}" if unicodedata.category(char) == "Cc" else char for char in text
    )
