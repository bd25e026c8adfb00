"""A plain-text summary of a result document, for a person to read in a terminal or an email."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Mapping
from typing import Any

from screening.instruments.definition import Instrument, Item, ItemType

WIDTH = 72

# Codes of the result document that are not items of the instrument, in words.
RED_FLAG_WORDS = {"onset_after_50": "Gut symptoms that began at age 50 or later"}
FACTOR_WORDS = {
    "antibiotics": "Antibiotics in the last 12 months",
    "nsaids": "Regular anti-inflammatory painkillers",
    "alcohol": "More than 14 units of alcohol a week",
    "high_fat_diet": "Frequent high-fat or processed food",
    "stress": "Considerable stress",
    "gi_infection": "Gut infection in the last 12 months",
    "acid_suppressants": "Acid-reducing medicines",
    "smoking": "Smoking",
    "short_sleep": "Less than 7 hours of sleep a night",
}
DISCUSSION_POINT_WORDS = {
    "fibre": "Fibre: fewer than 3 servings a day",
    "polyphenols": "Polyphenol-rich foods: rarely or never",
    "probiotics": "Fermented foods or probiotics, after antibiotics or a gut infection",
    "glutamine_zinc": "Glutamine or zinc, with symptoms across several domains",
    "demulcents": "Soothing (demulcent) foods, for disproportionate bloating",
}
OVERALL_WORDS = {
    "none": "no possible barrier-related pattern",
    "isolated": "a possible barrier-related pattern in {count} {domains}",
    "multi_domain": "a possible barrier-related pattern across {count} domains",
}


def result_summary_text(result: Mapping[str, Any], instrument: Instrument) -> str:
    """The result in words: alarm features first, then domains, patterns and what to discuss."""
    blocks = [
        alarm_box(result, instrument) if result.get("refer_first") else "",
        f"{instrument.title} (version {instrument.version}), engine {result.get('engine', '?')}",
        f"Overall: {overall_words(result)}.",
        domains_block(result, instrument),
        patterns_block(result, instrument),
        phq4_block(result.get("phq4")),
        factors_block(result, instrument),
        listed_block(
            "Points to discuss", result.get("discussion_points", []), DISCUSSION_POINT_WORDS
        ),
        instrument.texts.get("disclaimer", "A screening, not a diagnosis."),
    ]
    return "\n\n".join(block for block in blocks if block) + "\n"


def alarm_box(result: Mapping[str, Any], instrument: Instrument) -> str:
    referral = result.get("referral") or instrument.texts.get("referral", "")
    lines = ["ALARM FEATURES REPORTED", ""]
    lines += textwrap.wrap(referral[:1].upper() + referral[1:] + ".", WIDTH - 4)
    lines.append("")
    for code in result.get("red_flags", []):
        lines += textwrap.wrap(
            red_flag_words(code, instrument), WIDTH - 4, initial_indent="- ", subsequent_indent="  "
        )
    border = "+" + "-" * (WIDTH - 2) + "+"
    return "\n".join([border, *(f"| {line:<{WIDTH - 4}} |" for line in lines), border])


def red_flag_words(code: str, instrument: Instrument) -> str:
    item = instrument.items.get(f"red_flags.{code}")
    if item is not None:
        return item.short_label
    return RED_FLAG_WORDS.get(code, humanised(code))


def overall_words(result: Mapping[str, Any]) -> str:
    if result.get("summary"):
        return str(result["summary"])
    count = len(result.get("elevated_domains", []))
    template = OVERALL_WORDS.get(result.get("overall", ""), "{overall}")
    return template.format(
        count=count, domains="domain" if count == 1 else "domains", overall=result.get("overall")
    )


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
    titles = {pattern.code: pattern.title for pattern in instrument.patterns}
    lines = ["Possible patterns:"]
    for pattern in patterns:
        lines.append(f"  * {titles.get(pattern['code'], humanised(pattern['code']))}")
        for evidence in pattern.get("evidence", []):
            lines.append(f"      - {evidence_words(evidence, instrument)}")
    return "\n".join(lines)


def evidence_words(evidence: Mapping[str, Any], instrument: Instrument) -> str:
    """`Bloating after drinking only water: sometimes (monthly to weekly)`."""
    item = instrument.items.get(evidence["item"])
    if item is None:
        return f"{evidence['item']}: {plain(str(evidence['answer']))}"
    return f"{item.short_label}: {answer_words(item, evidence['answer'])}"


def answer_words(item: Item, answer: Any) -> str:
    if item.type is ItemType.SCALE and item.scale is not None and isinstance(answer, int):
        return item.scale.label_for(answer)
    if item.type is ItemType.BOOLEAN:
        return "yes" if answer else "no"
    if item.type is ItemType.INTEGER:
        return f"{answer} {unit_words(item.unit, answer)}".strip()
    if item.type is ItemType.CHOICE:
        return choice_words(item, answer)
    if item.type is ItemType.MULTI_CHOICE and isinstance(answer, list):
        return ", ".join(choice_words(item, code) for code in answer)
    if item.type is ItemType.FOOD_LIST and isinstance(answer, Mapping):
        return food_words(item, answer)
    return plain(str(answer))


def unit_words(unit: str, answer: Any) -> str:
    """`1 course`, `1 unit a week`: units are written in the plural, like `courses`."""
    first, _, rest = unit.partition(" ")
    if answer == 1 and first.endswith("s"):
        return f"{first[:-1]} {rest}".strip()
    return unit


def choice_words(item: Item, code: Any) -> str:
    try:
        return item.choice_label(code)
    except KeyError:
        return plain(str(code))


def food_words(item: Item, entry: Mapping[str, Any]) -> str:
    """`Dairy (since 2024, tolerated before)`; an `other` food by the name the patient gave."""
    name = entry.get("name") or choice_words(item, entry.get("food"))
    tolerated = "tolerated before" if entry.get("previously_tolerated") else "never tolerated"
    return f"{plain(str(name))} (since {entry.get('onset_year')}, {tolerated})"


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
    evidence = {
        explanation["code"]: "; ".join(
            evidence_words(part, instrument) for part in explanation.get("evidence", [])
        )
        for explanation in result.get("explanations", {}).get("factors", [])
    }
    codes = result.get("factors", [])
    words = {
        code: FACTOR_WORDS.get(code, humanised(code))
        + (f" ({evidence[code]})" if evidence.get(code) else "")
        for code in codes
    }
    return listed_block("Contributing factors", codes, words)


def listed_block(heading: str, codes: list[str], words: Mapping[str, str]) -> str:
    if not codes:
        return f"{heading}: none."
    return "\n".join(
        [f"{heading}:", *(f"  - {words.get(code, humanised(code))}" for code in codes)]
    )


def humanised(code: str) -> str:
    return code.replace("_", " ").capitalize()


def plain(text: str) -> str:
    """Patient text shown as-is, except control characters that could drive a terminal."""
    return "".join(
        f"\\x{ord(char):02x}" if unicodedata.category(char) == "Cc" else char for char in text
    )
