"""The overview chart of the screening summary: one bar per domain score over the four band
zones, as coordinates the template draws (inline SVG)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports import constants
from screening.instruments.definition import Instrument
from screening.wording import band_label

# Geometry of the overview chart, in CSS pixels.
CHART_LABEL_WIDTH = 170
CHART_BAR_WIDTH = 420
CHART_ROW_HEIGHT = 26
CHART_TOP = 22


def chart_context(instrument: Instrument, result: Mapping[str, Any]) -> dict[str, Any]:
    """Coordinates of the overview chart: one bar per domain over the four band zones."""
    domains = result.get("domains", {})
    scale = CHART_BAR_WIDTH / 100
    rows = []
    for index, section in enumerate(instrument.domains):
        scored = domains.get(section.id, {})
        score = int(scored.get("score", 0))
        top = CHART_TOP + index * CHART_ROW_HEIGHT
        rows.append(
            {
                "title": section.title,
                "score": score,
                "band": scored.get("band", ""),
                "band_label": band_label(instrument, scored.get("band", "")),
                "label_y": top + 17,
                "bar_x": CHART_LABEL_WIDTH,
                "colour": constants.BAND_BAR_COLOURS.get(scored.get("band", ""), "#555555"),
                "bar_y": top + 6,
                "bar_width": max(round(score * scale, 1), 1.5),
                "score_x": CHART_LABEL_WIDTH + round(score * scale, 1) + 6,
            }
        )
    height = CHART_TOP + len(rows) * CHART_ROW_HEIGHT + 4
    bands = instrument.bands
    highs = [band.minimum for band in bands[1:]] + [100]
    zones = [
        {
            "band": band.code,
            "label": band.label,
            "colour": constants.BAND_ZONE_COLOURS[band.code],
            "x": CHART_LABEL_WIDTH + band.minimum * scale,
            "width": (high - band.minimum) * scale,
            "label_x": CHART_LABEL_WIDTH + band.minimum * scale + 3,
        }
        for band, high in zip(bands, highs, strict=True)
    ]
    summary = "; ".join(f"{row['title']} {row['score']} ({row['band_label']})" for row in rows)
    return {
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 40,
        "height": height,
        "zones": zones,
        "zone_height": height - CHART_TOP + 4,
        "zone_top": CHART_TOP - 4,
        "rows": rows,
        "description": f"Domain scores out of 100: {summary}.",
    }
