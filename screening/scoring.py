"""The scoring engine: a pure function from a valid intake document to its result document.

Generic: everything version-specific is read from the instrument version's folder: its
formulas (domain scores, PHQ-4 and the facts they derive), its bands, and its findings
(patterns, red flags, factors and discussion points) as rules of `screening.rules`. The engine
evaluates them in the spec's order and shapes the result.

Pure: no database, no clock (the year comes from `completed_on`), no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from screening.instruments.definition import (
    FindingRule,
    Formulas,
    Instrument,
    IntakeFacts,
    band_of,
)
from screening.rules import BIRTH_DATE, FACTORS, OVERALL, PATTERNS, Evidence
from screening.wording import summary_of

MULTI_DOMAIN_MINIMUM = 3


def score_intake(document: Mapping[str, Any], instrument: Instrument) -> dict[str, Any]:
    """The result document of a valid intake document, keys in the order of SCREENING.md."""
    formulas = formulas_of(instrument)
    facts = facts_of(document)
    context: dict[str, Any] = {**formulas.derived(facts), BIRTH_DATE: facts.birth_date}
    domains = {}
    for section in instrument.domains:
        score = formulas.domain_scores[section.id](facts, context)
        domains[section.id] = {"score": score, "band": band_of(instrument.bands, score)}
    patterns = pattern_results(instrument, facts.answers, context)
    elevated = elevated_domains(instrument, domains, patterns)
    red_flags = findings_of(instrument.red_flags, facts.answers, context)
    factors = findings_of(instrument.factors, facts.answers, context)
    context[PATTERNS] = {pattern["code"]: pattern["evidence"] for pattern in patterns}
    context[OVERALL] = overall = overall_of(len(elevated))
    context[FACTORS] = {factor["code"]: factor["evidence"] for factor in factors}
    points = findings_of(instrument.discussion_points, facts.answers, context)
    refer_first = bool(red_flags)
    return {
        "instrument": instrument.id,
        "version": instrument.version,
        "engine": instrument.engine,
        "domains": domains,
        "patterns": patterns,
        "overall": overall,
        "elevated_domains": elevated,
        "red_flags": codes(red_flags),
        "refer_first": refer_first,
        "phq4": formulas.phq4(facts.answers),
        "factors": codes(factors),
        "discussion_points": codes(points),
        "referral": instrument.texts["referral"] if refer_first else None,
        "summary": summary_of(overall, len(elevated)),
        "explanations": {
            "red_flags": copied_findings(red_flags),
            "factors": copied_findings(factors),
            "discussion_points": copied_findings(points),
        },
    }


def formulas_of(instrument: Instrument) -> Formulas:
    if instrument.formulas is None:
        raise LookupError(f"no scoring engine for {instrument.id} version {instrument.version}")
    return instrument.formulas


def facts_of(document: Mapping[str, Any]) -> IntakeFacts:
    birth_date = (document.get("patient") or {}).get("birth_date")
    return IntakeFacts(
        answers=document["answers"],
        completed_on=date.fromisoformat(document["completed_on"]),
        birth_date=date.fromisoformat(birth_date) if birth_date is not None else None,
    )


def pattern_results(
    instrument: Instrument, answers: Mapping[str, Any], context: Mapping[str, Any]
) -> list[dict[str, Any]]:
    results = []
    for pattern in instrument.patterns:
        evidence = pattern.rule.evidence(answers, context)
        if evidence is not None:
            results.append(
                {
                    "code": pattern.code,
                    "domain": pattern.domain,
                    "rule": pattern.rule_text,
                    "evidence": copied(evidence),
                }
            )
    return results


def findings_of(
    rules: Sequence[FindingRule], answers: Mapping[str, Any], context: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Each finding that holds, in declared order, explained: code, rule and evidence."""
    found = []
    for finding in rules:
        evidence = finding.rule.evidence(answers, context)
        if evidence is not None:
            found.append({"code": finding.code, "rule": finding.rule_text, "evidence": evidence})
    return found


def elevated_domains(
    instrument: Instrument, domains: Mapping[str, Mapping[str, Any]], patterns: list[dict[str, Any]]
) -> list[str]:
    elevated_bands = {band.code for band in instrument.bands if band.elevated}
    with_pattern = {pattern["domain"] for pattern in patterns}
    return [
        section.id
        for section in instrument.domains
        if domains[section.id]["band"] in elevated_bands or section.id in with_pattern
    ]


def overall_of(elevated_count: int) -> str:
    if elevated_count == 0:
        return "none"
    return "multi_domain" if elevated_count >= MULTI_DOMAIN_MINIMUM else "isolated"


def codes(findings: Sequence[Mapping[str, Any]]) -> list[str]:
    return [finding["code"] for finding in findings]


def copied_findings(findings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**finding, "evidence": copied(finding["evidence"])} for finding in findings]


def copied(evidence: Sequence[Evidence]) -> list[Evidence]:
    """Fresh evidence, so a result never shares a list or a food entry with its input."""
    return [{"item": entry["item"], "answer": fresh(entry["answer"])} for entry in evidence]


def fresh(answer: Any) -> Any:
    # Scalars are immutable; only containers (food entries, code lists) need copying.
    return copy.deepcopy(answer) if isinstance(answer, dict | list) else answer
