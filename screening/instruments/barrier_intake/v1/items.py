"""Barrier-intake version 1: every item, scale and section, declared once.

Released: this folder never changes. A change to the questions or rules makes version 2 in a
new folder, and intakes stored under version 1 keep scoring here.
"""

from __future__ import annotations

from screening.instruments.definition import (
    COMPLETED_YEAR,
    Choice,
    EnableWhen,
    Item,
    ItemType,
    Scale,
    ScoreBand,
    Section,
)

FREQUENCY = Scale(
    code="F",
    title="How often",
    choices=(
        Choice("0", "never"),
        Choice("1", "rarely (less than monthly)"),
        Choice("2", "sometimes (monthly to weekly)"),
        Choice("3", "often (several times a week)"),
        Choice("4", "daily"),
    ),
)
INTENSITY = Scale(
    code="A",
    title="How much",
    choices=(
        Choice("0", "not at all"),
        Choice("1", "a little"),
        Choice("2", "moderately"),
        Choice("3", "quite a bit"),
        Choice("4", "extremely"),
    ),
)
PHQ = Scale(
    code="P",
    title="Over the last 2 weeks",
    choices=(
        Choice("0", "not at all"),
        Choice("1", "several days"),
        Choice("2", "more than half the days"),
        Choice("3", "nearly every day"),
    ),
)

FOODS = (
    Choice("dairy", "Dairy"),
    Choice("gluten", "Gluten"),
    Choice("egg", "Egg"),
    Choice("soy", "Soy"),
    Choice("corn", "Corn"),
    Choice("tree_nuts", "Tree nuts"),
    Choice("peanuts", "Peanuts"),
    Choice("fish", "Fish"),
    Choice("shellfish", "Shellfish"),
    Choice("onion_garlic", "Onion or garlic"),
    Choice("nightshades", "Nightshades (tomato, potato, peppers)"),
    Choice("legumes", "Legumes (beans, lentils)"),
    Choice("citrus", "Citrus"),
    Choice("other", "Other"),
)


def frequency(item_id: str, label: str, short_label: str, *, help: str = "") -> Item:
    return Item(
        id=item_id,
        type=ItemType.SCALE,
        scale=FREQUENCY,
        label=label,
        short_label=short_label,
        help=help,
        scored=item_id.split(".")[0] in SCORED_SECTIONS,
    )


def intensity(item_id: str, label: str, short_label: str, *, help: str = "") -> Item:
    return Item(
        id=item_id,
        type=ItemType.SCALE,
        scale=INTENSITY,
        label=label,
        short_label=short_label,
        help=help,
        scored=item_id.split(".")[0] in SCORED_SECTIONS,
    )


def yes_no(item_id: str, label: str, short_label: str, *, required: bool = True) -> Item:
    return Item(
        id=item_id, type=ItemType.BOOLEAN, label=label, short_label=short_label, required=required
    )


# Sections whose F/A items count towards a domain score (sensitivities is scored by formula).
SCORED_SECTIONS = frozenset({"bloating", "fatigue", "skin", "mood", "immune"})

BLOATING = Section(
    id="bloating",
    title="Bloating",
    intro="How your belly feels during and after meals.",
    is_domain=True,
    items=(
        frequency(
            "bloating.frequency",
            "How often do you feel bloated or distended?",
            "Bloating or distension",
        ),
        frequency(
            "bloating.after_small_meals",
            "How often do you bloat after eating only a small amount?",
            "Bloating after small meals",
        ),
        frequency(
            "bloating.after_tolerated_foods",
            "How often do you bloat after foods that used to be fine for you?",
            "Bloating after foods that used to be fine",
        ),
        frequency(
            "bloating.after_water",
            "How often do you bloat after drinking only water?",
            "Bloating after drinking only water",
        ),
        intensity(
            "bloating.persistent",
            'How much does your stomach feel "always slightly on", even between meals?',
            "Stomach feels always slightly on",
        ),
        intensity(
            "bloating.unpredictable",
            "How much does your bloating come and go without a predictable pattern during the day?",
            "Bloating without a predictable daily course",
        ),
    ),
)

SENSITIVITIES = Section(
    id="sensitivities",
    title="Food sensitivities",
    intro="Foods that give you symptoms, and when that started.",
    is_domain=True,
    items=(
        Item(
            id="sensitivities.foods",
            type=ItemType.FOOD_LIST,
            label="Which foods give you symptoms?",
            short_label="Foods that give symptoms",
            help=(
                "Add one row per food: the year the reactions started, and whether you could "
                "eat it without trouble before. Leave the list empty if no food bothers you."
            ),
            choices=FOODS,
            min_entries=0,
            max_entries=30,
            minimum=1900,
            maximum=COMPLETED_YEAR,
        ),
        intensity(
            "sensitivities.list_growing",
            "How much does your list of safe foods keep getting shorter?",
            "List of safe foods getting shorter",
        ),
        yes_no(
            "sensitivities.elimination_tried",
            "Have you tried leaving foods out of your diet to see if symptoms improve?",
            "Elimination diet tried",
        ),
        Item(
            id="sensitivities.elimination_relief",
            type=ItemType.CHOICE,
            label="Did leaving those foods out help?",
            short_label="Relief from elimination",
            choices=(
                Choice("none", "No, it did not help"),
                Choice("temporary", "Yes, but only for a while"),
                Choice("lasting", "Yes, and it still helps"),
            ),
            enable_when=EnableWhen(item="sensitivities.elimination_tried", equals=True),
        ),
    ),
)

FATIGUE = Section(
    id="fatigue",
    title="Energy and thinking",
    intro="Tiredness, focus and sleep.",
    is_domain=True,
    items=(
        frequency(
            "fatigue.unrefreshed",
            "How often do you feel tired even after a full night's sleep?",
            "Tired after a full night's sleep",
        ),
        frequency(
            "fatigue.brain_fog",
            "How often does your thinking feel foggy or slow?",
            "Foggy or slow thinking",
        ),
        intensity(
            "fatigue.effort",
            "How much does ordinary mental effort feel hard work?",
            "Ordinary mental effort feels laboured",
        ),
        frequency(
            "fatigue.energy_crash",
            "How often does your energy crash during the day?",
            "Energy crashes during the day",
        ),
        Item(
            id="fatigue.sleep_hours",
            type=ItemType.INTEGER,
            label="How many hours do you usually sleep a night?",
            short_label="Usual hours of sleep",
            unit="hours",
            minimum=0,
            maximum=16,
        ),
    ),
)

SKIN = Section(
    id="skin",
    title="Skin",
    intro="Skin changes that can travel with the gut.",
    is_domain=True,
    items=(
        frequency(
            "skin.eczema_flares",
            "How often do you get eczema or itchy patches that nothing on the skin set off?",
            "Eczema or itchy patches without a skin trigger",
        ),
        frequency(
            "skin.rosacea",
            "How often do you get facial redness or flushing?",
            "Facial redness or flushing",
        ),
        frequency(
            "skin.breakouts_with_gut",
            "How often do breakouts or skin flares follow a digestive upset?",
            "Skin flares after digestive upsets",
        ),
        frequency(
            "skin.food_reactions",
            "How often does your skin react to foods (without hives or swelling)?",
            "Skin reactions to foods",
            help="Hives, or swelling of the lips or tongue, need urgent medical advice.",
        ),
        Item(
            id="skin.diagnosed",
            type=ItemType.MULTI_CHOICE,
            label="Has a doctor diagnosed any of these skin conditions?",
            short_label="Diagnosed skin conditions",
            help="Tick all that apply, or none.",
            required=False,
            choices=(
                Choice("atopic_dermatitis", "Atopic dermatitis (eczema)"),
                Choice("psoriasis", "Psoriasis"),
                Choice("rosacea", "Rosacea"),
                Choice("acne", "Acne"),
            ),
        ),
    ),
)

MOOD = Section(
    id="mood",
    title="Mood and food anxiety",
    intro="How eating and your gut affect the way you feel.",
    is_domain=True,
    items=(
        intensity(
            "mood.food_anxiety",
            "How anxious do you feel about eating, or about what food will do to you?",
            "Anxiety about eating",
        ),
        intensity(
            "mood.eating_unreliable",
            "How much does eating feel unreliable?",
            "Eating feels unreliable",
        ),
        frequency(
            "mood.mood_tracks_gut",
            "How often is your mood low on days your gut flares?",
            "Low mood on days the gut flares",
        ),
        intensity(
            "mood.life_contracted",
            "How much are your plans and life arranged around your digestion?",
            "Life arranged around digestion",
        ),
        *(
            Item(
                id=item_id,
                type=ItemType.SCALE,
                scale=PHQ,
                label=label,
                short_label=short_label,
                help="Optional: answer all four of these questions, or leave all four empty.",
                required=False,
            )
            for item_id, label, short_label in (
                (
                    "mood.phq_interest",
                    "Over the last 2 weeks, how often have you had little interest or pleasure "
                    "in doing things?",
                    "Little interest or pleasure",
                ),
                (
                    "mood.phq_down",
                    "Over the last 2 weeks, how often have you felt down, depressed or hopeless?",
                    "Feeling down or hopeless",
                ),
                (
                    "mood.gad_nervous",
                    "Over the last 2 weeks, how often have you felt nervous, anxious or on edge?",
                    "Feeling nervous or on edge",
                ),
                (
                    "mood.gad_worry",
                    "Over the last 2 weeks, how often have you not been able to stop or control "
                    "worrying?",
                    "Unable to stop worrying",
                ),
            )
        ),
    ),
)

IMMUNE = Section(
    id="immune",
    title="Immune system",
    intro="Infections, allergies and new reactions.",
    is_domain=True,
    items=(
        Item(
            id="immune.colds_per_year",
            type=ItemType.INTEGER,
            label="How many colds or other minor infections do you get in a year?",
            short_label="Colds or minor infections a year",
            unit="a year",
            minimum=0,
            maximum=52,
            scored=True,
            score_bands=(
                ScoreBand(minimum=0, score=0),
                ScoreBand(minimum=2, score=1),
                ScoreBand(minimum=3, score=2),
                ScoreBand(minimum=4, score=3),
                ScoreBand(minimum=6, score=4),
            ),
        ),
        intensity(
            "immune.slow_recovery",
            "How slow are you to recover from minor infections?",
            "Slow recovery from minor infections",
        ),
        intensity(
            "immune.allergies_worse",
            "How much have your allergies worsened over the years?",
            "Allergies worsened over the years",
        ),
        intensity(
            "immune.new_reactions",
            "How much do you react to things that never used to be a problem?",
            "New reactions to things that used to be fine",
        ),
        yes_no(
            "immune.autoimmune",
            "Has a doctor diagnosed you with an autoimmune condition?",
            "Diagnosed autoimmune condition",
            required=False,
        ),
    ),
)

RED_FLAGS = Section(
    id="red_flags",
    title="Important symptoms",
    intro=(
        "Some symptoms need a doctor's attention first. Please answer each one; "
        "your practitioner will talk them through with you."
    ),
    items=(
        yes_no(
            "red_flags.weight_loss",
            "Have you lost weight without trying?",
            "Unintentional weight loss",
        ),
        yes_no(
            "red_flags.blood_in_stool",
            "Have you seen blood in your stool, or had black stools?",
            "Blood in the stool or black stools",
        ),
        yes_no(
            "red_flags.nocturnal_symptoms",
            "Do your gut symptoms wake you at night?",
            "Symptoms that wake you at night",
        ),
        yes_no(
            "red_flags.persistent_vomiting",
            "Do you have vomiting that keeps coming back?",
            "Persistent vomiting",
        ),
        yes_no(
            "red_flags.dysphagia",
            "Do you have difficulty or pain when swallowing?",
            "Difficulty swallowing",
        ),
        yes_no(
            "red_flags.fever_night_sweats",
            "Do you have fevers or night sweats?",
            "Fever or night sweats",
        ),
        yes_no(
            "red_flags.family_history",
            "Has a parent, brother, sister or child had bowel cancer, inflammatory bowel "
            "disease or coeliac disease?",
            "Family history of bowel cancer, IBD or coeliac disease",
        ),
        yes_no(
            "red_flags.anaemia",
            "Have you been told you have anaemia or low iron?",
            "Anaemia or iron deficiency",
        ),
    ),
)

FACTORS = Section(
    id="factors",
    title="Things that can affect the gut",
    intro="Medicines, habits and events from the last year.",
    items=(
        Item(
            id="factors.antibiotic_courses_12m",
            type=ItemType.INTEGER,
            label="How many courses of antibiotics have you taken in the last 12 months?",
            short_label="Antibiotic courses in the last 12 months",
            unit="courses",
            minimum=0,
            maximum=20,
        ),
        frequency(
            "factors.nsaid_use",
            "How often do you take anti-inflammatory painkillers such as ibuprofen, "
            "naproxen or aspirin?",
            "Anti-inflammatory painkiller use",
        ),
        Item(
            id="factors.alcohol_units_week",
            type=ItemType.INTEGER,
            label="How many units of alcohol do you drink in a typical week?",
            short_label="Alcohol units a week",
            help="One unit is about half a pint of beer or a small glass of wine.",
            unit="units a week",
            minimum=0,
            maximum=200,
        ),
        frequency(
            "factors.high_fat_processed_diet",
            "How often do you eat fried, high-fat or heavily processed food?",
            "High-fat or processed food",
        ),
        intensity("factors.stress", "How stressed have you felt lately?", "Stress"),
        yes_no(
            "factors.gi_infection_12m",
            "Have you had a stomach bug or food poisoning in the last 12 months?",
            "Gut infection in the last 12 months",
        ),
        yes_no(
            "factors.acid_suppressants",
            "Do you take medicines that reduce stomach acid (such as omeprazole)?",
            "Acid-reducing medicines",
        ),
        yes_no("factors.smoking", "Do you smoke?", "Smoking"),
    ),
)

SUPPORT = Section(
    id="support",
    title="What you eat and take",
    intro="Optional: foods and supplements that can support the gut lining.",
    items=(
        Item(
            id="support.fibre_servings_day",
            type=ItemType.INTEGER,
            label="How many servings of vegetables, fruit, whole grains or beans do you eat a day?",
            short_label="Fibre servings a day",
            unit="servings a day",
            minimum=0,
            maximum=30,
            required=False,
        ),
        Item(
            id="support.polyphenol_foods",
            type=ItemType.SCALE,
            scale=FREQUENCY,
            label="How often do you eat berries, dark chocolate, green tea, olive oil or herbs?",
            short_label="Polyphenol-rich foods",
            required=False,
        ),
        yes_no(
            "support.fermented_or_probiotic",
            "Do you regularly eat fermented foods (such as yoghurt or kefir) or take a probiotic?",
            "Fermented foods or probiotics",
            required=False,
        ),
        yes_no(
            "support.glutamine_or_zinc",
            "Do you take glutamine or zinc supplements?",
            "Glutamine or zinc supplements",
            required=False,
        ),
    ),
)

HISTORY = Section(
    id="history",
    title="Your story",
    intro="Optional: in your own words, anything your practitioner should know.",
    items=(
        Item(
            id="history.main_concern",
            type=ItemType.TEXT,
            label="What concerns you most about your health right now?",
            short_label="Main concern",
            max_length=2000,
            required=False,
        ),
        Item(
            id="history.symptom_onset_year",
            type=ItemType.INTEGER,
            label="In which year did your gut symptoms start?",
            short_label="Year the symptoms started",
            minimum=1900,
            maximum=COMPLETED_YEAR,
            required=False,
        ),
        Item(
            id="history.diagnoses",
            type=ItemType.TEXT,
            label="Which conditions have you been diagnosed with?",
            short_label="Diagnoses",
            max_length=2000,
            required=False,
        ),
        Item(
            id="history.medications",
            type=ItemType.TEXT,
            label="Which medicines and supplements do you take?",
            short_label="Medicines and supplements",
            max_length=2000,
            required=False,
        ),
    ),
)

SECTIONS = (
    BLOATING,
    SENSITIVITIES,
    FATIGUE,
    SKIN,
    MOOD,
    IMMUNE,
    RED_FLAGS,
    FACTORS,
    SUPPORT,
    HISTORY,
)
