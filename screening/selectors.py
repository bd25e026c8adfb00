"""Reads across screenings: a patient's domain scores over time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from screening.instruments import instrument_of
from screening.models import Screening

# Geometry of the trend chart, in CSS pixels.
TREND_WIDTH = 560
TREND_HEIGHT = 160
TREND_MARGIN = 24


def patient_trend(*, screenings: Sequence[Screening]) -> dict[str, Any]:
    """One polyline per domain across the screenings (oldest first), drawn as inline SVG.

    The domains are those of the newest screening's instrument version. Screenings entered in
    error are left out: they are not the patient's course.
    """
    instrument = instrument_of(screenings[-1].result) if screenings else None
    domains = instrument.domains if instrument else ()
    screenings = [screening for screening in screenings if not screening.entered_in_error]
    count = len(screenings)
    # The table of every screening (those entered in error too) has a column per domain.
    titles = [section.title for section in domains]
    if count == 0:
        return {
            "lines": [],
            "dates": [],
            "titles": titles,
            "width": TREND_WIDTH,
            "height": TREND_HEIGHT,
        }
    step = (TREND_WIDTH - 2 * TREND_MARGIN) / max(count - 1, 1)
    plot_height = TREND_HEIGHT - 2 * TREND_MARGIN

    def x(index: int) -> float:
        return round(TREND_MARGIN + index * step, 1)

    def y(score: int) -> float:
        return round(TREND_MARGIN + plot_height * (100 - score) / 100, 1)

    lines = []
    for number, section in enumerate(domains, start=1):
        scores = [s.result["domains"][section.id]["score"] for s in screenings]
        lines.append(
            {
                "domain": section.id,
                "title": section.title,
                "series": number,
                "points": " ".join(f"{x(i)},{y(score)}" for i, score in enumerate(scores)),
                "dots": [
                    {"x": x(i), "y": y(score), "score": score} for i, score in enumerate(scores)
                ],
                "latest": scores[-1],
            }
        )
    return {
        "lines": lines,
        "dates": [
            {"x": x(i), "label": s.completed_on.isoformat()} for i, s in enumerate(screenings)
        ],
        "titles": titles,
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "grid": [{"y": y(score), "label": score} for score in (0, 25, 50, 75, 100)],
    }
