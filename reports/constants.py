"""Fixed wording and limits of the screening summary PDF."""

from __future__ import annotations

# Bumped whenever the template, CSS or context changes what a report shows: a screening
# gets one report per template version, and the same version always renders the same PDF.
TEMPLATE_VERSION = "1"

BAND_LABELS = {
    "minimal": "Minimal",
    "mild": "Mild",
    "moderate": "Moderate",
    "marked": "Marked",
}

# Band limits of SCREENING.md, for the overview chart's background zones.
BAND_ZONES = (("minimal", 0, 25), ("mild", 25, 50), ("moderate", 50, 75), ("marked", 75, 100))

# Chart colours: a light zone per band behind the bars, a darker bar in its band's colour.
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

OVERALL_LABELS = {
    "none": "no possible barrier-related pattern",
    "isolated": "a possible barrier-related pattern in 1 or 2 domains",
    "multi_domain": "a possible barrier-related pattern across several domains",
}

# The answer each factor code rests on, so the report can show it in the instrument's words.
FACTOR_ITEMS = {
    "antibiotics": "factors.antibiotic_courses_12m",
    "nsaids": "factors.nsaid_use",
    "alcohol": "factors.alcohol_units_week",
    "high_fat_diet": "factors.high_fat_processed_diet",
    "stress": "factors.stress",
    "gi_infection": "factors.gi_infection_12m",
    "acid_suppressants": "factors.acid_suppressants",
    "smoking": "factors.smoking",
    "short_sleep": "fatigue.sleep_hours",
}

FACTOR_TITLES = {
    "antibiotics": "Antibiotics",
    "nsaids": "Anti-inflammatory painkillers",
    "alcohol": "Alcohol above 14 units a week",
    "high_fat_diet": "High-fat or processed diet",
    "stress": "Stress",
    "gi_infection": "A recent gut infection",
    "acid_suppressants": "Acid-reducing medicines",
    "smoking": "Smoking",
    "short_sleep": "Less than 7 hours of sleep",
}

ONSET_AFTER_50 = "Gut symptoms that began at age 50 or later"

# What the research summarised in the source article says supports the gut barrier, phrased
# as points for the practitioner to discuss: never a dose, never an instruction.
DISCUSSION_POINTS = {
    "fibre": (
        "Fibre and prebiotic foods",
        "Fewer than 3 servings a day were reported. Fibre and prebiotic foods feed the "
        "bacteria that produce butyrate, a fuel of the cells lining the gut. Whether more of "
        "them would suit this patient is a point to discuss.",
    ),
    "polyphenols": (
        "Polyphenol-rich foods",
        "Polyphenol-rich foods (colourful vegetables, berries, green tea, olive oil) are eaten "
        "rarely or never. Research associates polyphenols with tight-junction support and less "
        "inflammation in the gut lining: worth talking through.",
    ),
    "probiotics": (
        "Microbial diversity",
        "Antibiotics or a gut infection in the last year, and no fermented foods or probiotics. "
        "Barrier function depends on microbial diversity, which antibiotics and illness can "
        "reduce: a point to discuss.",
    ),
    "glutamine_zinc": (
        "Glutamine and zinc",
        "A possible pattern across several domains, and no glutamine or zinc taken. Glutamine "
        "fuels the cells of the gut lining and zinc supports tight-junction function; zinc "
        "deficiency is associated with higher permeability. Whether either is appropriate is "
        "for the practitioner to judge.",
    ),
    "demulcents": (
        "Soothing the lining",
        "Bloating out of proportion to what is eaten. Demulcent botanicals are described as "
        "coating the gut lining and supporting its mucus layer: a possible topic for the "
        "consultation.",
    ),
}

# The footer's wording when an instrument declares none.
DISCLAIMER = "A screening, not a diagnosis."
