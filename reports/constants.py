"""Fixed wording and limits of the screening summary PDF."""

from __future__ import annotations

# Bumped whenever the template, CSS or context changes what a report shows: a screening
# gets one report per template version, and the same version always renders the same PDF.
# 2: the clinic's record (notes with the review's sign-off, the acknowledgement of alarm
# features or that there is none yet, an entered-in-error mark). A version-1 PDF lacks these
# lines, so its missing acknowledgement line must not read as "not acknowledged yet".
TEMPLATE_VERSION = "2"

# Chart colours: a light zone per band behind the bars, a darker bar in its band's colour.
# The bands themselves (limits, labels) are declared by the instrument version.
BAND_ZONE_COLOURS = {
    "minimal": "#f1f4f1",
    "mild": "#eef0e2",
    "moderate": "#f8ead4",
    "marked": "#f7dcdc",
}
BAND_BAR_COLOURS = {
    "minimal": "#5f8062",
    "mild": "#8a8a2a",
    "moderate": "#b86e0a",
    "marked": "#a82222",
}
