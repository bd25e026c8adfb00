"""Barrier-intake version 1: its findings in the one rule vocabulary of `screening.rules`.

Patterns, red flags, factors and discussion points, each with its rule in words for the
result's explanations, and the titles a person reads (SCREENING.md, "Patterns" to
"Discussion points"). Lists are in the order of the spec: the result keeps it.
"""

from __future__ import annotations

from screening.instruments.barrier_intake.v1.items import RED_FLAGS as RED_FLAG_SECTION
from screening.instruments.definition import FindingRule, FindingText, PatternDefinition
from screening.rules import (
    Above,
    AgeAtLeast,
    AnyFactor,
    AtLeast,
    AtMost,
    Below,
    IncludesAny,
    No,
    OverallIs,
    PatternHolds,
    ProgressiveSensitivities,
    Yes,
    all_of,
    any_of,
)

PATTERNS = (
    PatternDefinition(
        code="disproportionate_bloating",
        domain="bloating",
        title="Bloating out of proportion to what is eaten",
        rule_text=(
            "Bloating after small meals at least often, or after water at least sometimes; "
            "and a stomach that feels always on, or bloating without a predictable course, "
            "at least moderately."
        ),
        rule=all_of(
            any_of(AtLeast("bloating.after_small_meals", 3), AtLeast("bloating.after_water", 2)),
            any_of(AtLeast("bloating.persistent", 2), AtLeast("bloating.unpredictable", 2)),
        ),
    ),
    PatternDefinition(
        code="progressive_sensitivities",
        domain="sensitivities",
        title="A growing list of food sensitivities",
        rule_text=(
            "At least 3 foods give symptoms, and at least 2 of them were tolerated before "
            "and started in the last 3 years."
        ),
        rule=ProgressiveSensitivities(
            foods_item="sensitivities.foods",
            relief_item="sensitivities.elimination_relief",
            min_foods=3,
            min_recent=2,
        ),
    ),
    PatternDefinition(
        code="unrefreshing_fatigue",
        domain="fatigue",
        title="Fatigue that sleep does not fix",
        rule_text=(
            "Tired after a full night's sleep at least often, with at least 7 hours of sleep, "
            "and foggy thinking at least sometimes or laboured mental effort at least moderately."
        ),
        rule=all_of(
            AtLeast("fatigue.unrefreshed", 3),
            AtLeast("fatigue.sleep_hours", 7),
            any_of(AtLeast("fatigue.brain_fog", 2), AtLeast("fatigue.effort", 2)),
        ),
    ),
    PatternDefinition(
        code="gut_skin",
        domain="skin",
        title="Skin symptoms that travel with the gut",
        rule_text=(
            "Skin flares after digestive upsets or skin reactions to foods at least sometimes; "
            "and eczema or facial redness at least sometimes, or a diagnosed atopic dermatitis, "
            "psoriasis or rosacea."
        ),
        rule=all_of(
            any_of(AtLeast("skin.breakouts_with_gut", 2), AtLeast("skin.food_reactions", 2)),
            any_of(
                AtLeast("skin.eczema_flares", 2),
                AtLeast("skin.rosacea", 2),
                IncludesAny("skin.diagnosed", ("atopic_dermatitis", "psoriasis", "rosacea")),
            ),
        ),
    ),
    PatternDefinition(
        code="gut_brain",
        domain="mood",
        title="Mood and food anxiety linked to the gut",
        rule_text=(
            "Low mood on days the gut flares at least sometimes, and anxiety about eating or "
            "life arranged around digestion at least moderately."
        ),
        rule=all_of(
            AtLeast("mood.mood_tracks_gut", 2),
            any_of(AtLeast("mood.food_anxiety", 2), AtLeast("mood.life_contracted", 2)),
        ),
    ),
    PatternDefinition(
        code="immune_dysregulation",
        domain="immune",
        title="Frequent infections with growing reactivity",
        rule_text=(
            "At least 4 colds a year or slow recovery at least quite a bit; and allergies "
            "worsening or new reactions at least moderately."
        ),
        rule=all_of(
            any_of(AtLeast("immune.colds_per_year", 4), AtLeast("immune.slow_recovery", 3)),
            any_of(AtLeast("immune.allergies_worse", 2), AtLeast("immune.new_reactions", 2)),
        ),
    ),
)

# Each true red-flag item, in item order, then symptoms that began at 50 or later.
RED_FLAGS = (
    *(
        FindingRule(
            code=item.id.split(".", 1)[1],
            rule_text=f"{item.short_label}: reported.",
            rule=Yes(item.id),
        )
        for item in RED_FLAG_SECTION.items
    ),
    FindingRule(
        code="onset_after_50",
        rule_text="Gut symptoms began at age 50 or later (onset year minus birth year).",
        rule=AgeAtLeast("history.symptom_onset_year", 50),
    ),
)

FACTORS = (
    FindingRule(
        "antibiotics",
        "At least 1 course of antibiotics in the last 12 months.",
        AtLeast("factors.antibiotic_courses_12m", 1),
    ),
    FindingRule(
        "nsaids",
        "Anti-inflammatory painkillers at least often (several times a week).",
        AtLeast("factors.nsaid_use", 3),
    ),
    FindingRule(
        "alcohol", "More than 14 units of alcohol a week.", Above("factors.alcohol_units_week", 14)
    ),
    FindingRule(
        "high_fat_diet",
        "High-fat or processed food at least often (several times a week).",
        AtLeast("factors.high_fat_processed_diet", 3),
    ),
    FindingRule("stress", "Stress at least quite a bit.", AtLeast("factors.stress", 3)),
    FindingRule(
        "gi_infection", "A gut infection in the last 12 months.", Yes("factors.gi_infection_12m")
    ),
    FindingRule(
        "acid_suppressants", "Takes acid-reducing medicines.", Yes("factors.acid_suppressants")
    ),
    FindingRule("smoking", "Smokes.", Yes("factors.smoking")),
    FindingRule(
        "short_sleep", "Less than 7 hours of sleep a night.", Below("fatigue.sleep_hours", 7)
    ),
)

DISCUSSION_POINTS = (
    FindingRule(
        "fibre",
        "Fewer than 3 servings of vegetables, fruit, whole grains or beans a day.",
        Below("support.fibre_servings_day", 3),
    ),
    FindingRule(
        "polyphenols",
        "Polyphenol-rich foods rarely or never.",
        AtMost("support.polyphenol_foods", 1),
    ),
    FindingRule(
        "probiotics",
        "No fermented foods or probiotics, after antibiotics or a gut infection.",
        all_of(No("support.fermented_or_probiotic"), AnyFactor(("antibiotics", "gi_infection"))),
    ),
    FindingRule(
        "glutamine_zinc",
        "Possible patterns across 3 or more domains; no glutamine or zinc taken.",
        all_of(OverallIs("multi_domain"), No("support.glutamine_or_zinc")),
    ),
    FindingRule(
        "demulcents",
        "The disproportionate bloating pattern holds.",
        PatternHolds("disproportionate_bloating"),
    ),
)

# How each code that is not an item reads for a person.
FINDINGS = {
    "onset_after_50": FindingText("Gut symptoms that began at age 50 or later"),
    "antibiotics": FindingText("Antibiotics"),
    "nsaids": FindingText("Anti-inflammatory painkillers"),
    "alcohol": FindingText("Alcohol above 14 units a week"),
    "high_fat_diet": FindingText("High-fat or processed diet"),
    "stress": FindingText("Stress"),
    "gi_infection": FindingText("A recent gut infection"),
    "acid_suppressants": FindingText("Acid-reducing medicines"),
    "smoking": FindingText("Smoking"),
    "short_sleep": FindingText("Less than 7 hours of sleep"),
    # What the research says supports the gut barrier, phrased as points for the practitioner
    # to discuss: never a dose, never an instruction.
    "fibre": FindingText(
        "Fibre and prebiotic foods",
        "Fewer than 3 servings a day were reported. Fibre and prebiotic foods feed the "
        "bacteria that produce butyrate, a fuel of the cells lining the gut. Whether more of "
        "them would suit this patient is a point to discuss.",
    ),
    "polyphenols": FindingText(
        "Polyphenol-rich foods",
        "Polyphenol-rich foods (colourful vegetables, berries, green tea, olive oil) are eaten "
        "rarely or never. Research associates polyphenols with tight-junction support and less "
        "inflammation in the gut lining: worth talking through.",
    ),
    "probiotics": FindingText(
        "Microbial diversity",
        "Antibiotics or a gut infection in the last year, and no fermented foods or probiotics. "
        "Barrier function depends on microbial diversity, which antibiotics and illness can "
        "reduce: a point to discuss.",
    ),
    "glutamine_zinc": FindingText(
        "Glutamine and zinc",
        "A possible pattern across several domains, and no glutamine or zinc taken. Glutamine "
        "fuels the cells of the gut lining and zinc supports tight-junction function; zinc "
        "deficiency is associated with higher permeability. Whether either is appropriate is "
        "for the practitioner to judge.",
    ),
    "demulcents": FindingText(
        "Soothing the lining",
        "Bloating out of proportion to what is eaten. Demulcent botanicals are described as "
        "coating the gut lining and supporting its mucus layer: a possible topic for the "
        "consultation.",
    ),
}
