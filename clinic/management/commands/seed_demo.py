"""`manage.py seed_demo`: a demo clinic, a practitioner and synthetic patients with screenings.

Every name and answer here is invented. Running the command again creates nothing twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic.models import Clinic, Patient, User
from clinic.services import patient_create
from screening.models import Intake
from screening.samples import sample_document
from screening.services import intake_submit

CLINIC_SLUG = "demo"
CLINIC_NAME = "Riverside Gut Health"
USERNAME = "demo"

# What a practitioner does in the admin: look after patients, read intakes, review screenings.
PRACTITIONER_PERMISSIONS = (
    ("clinic", "view_patient"),
    ("clinic", "add_patient"),
    ("clinic", "change_patient"),
    ("clinic", "view_invitation"),
    ("clinic", "add_invitation"),
    ("screening", "view_intake"),
    ("screening", "view_screening"),
    ("screening", "change_screening"),
)

Answers = dict[str, Any]


# Answer profiles: each takes the year the intake was completed and returns the answers that
# differ from the unremarkable baseline of `sample_document`.
def unremarkable(year: int) -> Answers:
    return {}


def mild_bloating(year: int) -> Answers:
    return {
        "bloating.frequency": 2,
        "bloating.after_small_meals": 2,
        "bloating.persistent": 1,
        "factors.stress": 2,
        "support.fibre_servings_day": 4,
    }


def disproportionate_bloating(year: int) -> Answers:
    return {
        "bloating.frequency": 3,
        "bloating.after_small_meals": 3,
        "bloating.after_tolerated_foods": 2,
        "bloating.after_water": 2,
        "bloating.persistent": 3,
        "bloating.unpredictable": 2,
        "factors.nsaid_use": 3,
        "support.fibre_servings_day": 2,
        "support.polyphenol_foods": 1,
    }


def multi_domain(year: int) -> Answers:
    return {
        **disproportionate_bloating(year),
        "sensitivities.foods": [
            {"food": "dairy", "onset_year": year - 1, "previously_tolerated": True},
            {"food": "gluten", "onset_year": year - 2, "previously_tolerated": True},
            {
                "food": "other",
                "name": "buckwheat",
                "onset_year": year - 8,
                "previously_tolerated": False,
            },
        ],
        "sensitivities.list_growing": 3,
        "sensitivities.elimination_tried": True,
        "sensitivities.elimination_relief": "temporary",
        "fatigue.unrefreshed": 3,
        "fatigue.brain_fog": 3,
        "fatigue.effort": 2,
        "fatigue.energy_crash": 3,
        "skin.eczema_flares": 2,
        "skin.breakouts_with_gut": 2,
        "skin.diagnosed": ["atopic_dermatitis"],
        "factors.antibiotic_courses_12m": 2,
        "support.fermented_or_probiotic": False,
        "support.glutamine_or_zinc": False,
    }


def gut_brain_with_phq4(year: int) -> Answers:
    return {
        "mood.food_anxiety": 3,
        "mood.eating_unreliable": 2,
        "mood.mood_tracks_gut": 3,
        "mood.life_contracted": 2,
        "mood.phq_interest": 1,
        "mood.phq_down": 1,
        "mood.gad_nervous": 2,
        "mood.gad_worry": 2,
        "factors.stress": 3,
        "fatigue.sleep_hours": 6,
    }


def immune_dysregulation(year: int) -> Answers:
    return {
        "immune.colds_per_year": 6,
        "immune.slow_recovery": 3,
        "immune.allergies_worse": 2,
        "immune.new_reactions": 3,
        "immune.autoimmune": False,
        "factors.gi_infection_12m": True,
    }


def red_flags(year: int) -> Answers:
    return {
        **mild_bloating(year),
        "red_flags.weight_loss": True,
        "red_flags.blood_in_stool": True,
        "history.main_concern": "Losing weight without trying, and <b>dark</b> stools.",
    }


def late_onset(year: int) -> Answers:
    return {
        **mild_bloating(year),
        "history.symptom_onset_year": year - 1,
        "factors.acid_suppressants": True,
        "factors.alcohol_units_week": 18,
    }


@dataclass(frozen=True)
class DemoPatient:
    external_id: str
    given_name: str
    family_name: str
    birth_date: date
    # One profile per intake, oldest first.
    intakes: tuple[Callable[[int], Answers], ...]


DEMO_PATIENTS = (
    DemoPatient("DEMO-001", "Ada", "Example", date(1984, 3, 14), (mild_bloating, multi_domain)),
    DemoPatient("DEMO-002", "Ben", "Placeholder", date(1962, 9, 2), (red_flags,)),
    DemoPatient("DEMO-003", "Cleo", "Sampleton", date(1995, 1, 27), (unremarkable,)),
    DemoPatient(
        "DEMO-004",
        "Dev",
        "Fictional",
        date(1978, 11, 5),
        (multi_domain, disproportionate_bloating, unremarkable),
    ),
    DemoPatient("DEMO-005", "Eli", "Testington", date(1990, 6, 30), (gut_brain_with_phq4,)),
    DemoPatient(
        "DEMO-006", "Fay", "Mockworth", date(1970, 4, 18), (unremarkable, immune_dysregulation)
    ),
    DemoPatient("DEMO-007", "Gus", "Dummy", date(1952, 12, 1), (late_onset,)),
    DemoPatient(
        "DEMO-008",
        "Hana",
        "Specimen",
        date(1988, 8, 8),
        (mild_bloating, disproportionate_bloating, multi_domain),
    ),
)

# Days before today of each intake: three months apart, the latest a week ago.
INTAKE_SPACING_DAYS = 91
LATEST_INTAKE_DAYS_AGO = 7


def intake_dates(count: int, today: date) -> list[date]:
    latest = today - timedelta(days=LATEST_INTAKE_DAYS_AGO)
    return [latest - timedelta(days=INTAKE_SPACING_DAYS * (count - 1 - n)) for n in range(count)]


class Command(BaseCommand):
    help = (
        "Create a demo clinic, a practitioner and synthetic patients with screenings (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help=f"Set the password of the user {USERNAME!r} (default: a new one when created).",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        clinic, created = Clinic.objects.get_or_create(
            slug=CLINIC_SLUG,
            defaults={
                "name": CLINIC_NAME,
                "welcome_text": "Welcome to the demo clinic. Every patient here is invented.",
            },
        )
        self.report(f"clinic {clinic.name!r} (slug {clinic.slug!r})", created)
        self.seed_practitioner(clinic, options["password"])
        today = timezone.localdate()
        for demo in DEMO_PATIENTS:
            self.seed_patient(clinic, demo, today)

    def seed_practitioner(self, clinic: Clinic, password: str | None) -> None:
        user = User.objects.filter(username=USERNAME).first()
        created = user is None
        if user is None:
            user = User(
                username=USERNAME,
                email="demo@example.org",
                first_name="Demo",
                last_name="Practitioner",
                clinic=clinic,
                role=User.Role.PRACTITIONER,
                is_staff=True,
            )
            password = password or secrets.token_urlsafe(12)
        if password:
            user.set_password(password)
        user.save()
        user.user_permissions.add(*practitioner_permissions())
        self.report(f"user {USERNAME!r}", created)
        self.stdout.write(f"  sign in at /dashboard/ (or /admin/) as username: {USERNAME}")
        if password:
            self.stdout.write(f"  password: {password}")
        else:
            self.stdout.write("  password: unchanged (set a new one with --password)")

    def seed_patient(self, clinic: Clinic, demo: DemoPatient, today: date) -> None:
        patient = Patient.objects.filter(clinic=clinic, external_id=demo.external_id).first()
        created = patient is None
        if patient is None:
            patient = patient_create(
                clinic=clinic,
                external_id=demo.external_id,
                given_name=demo.given_name,
                family_name=demo.family_name,
                birth_date=demo.birth_date,
                email=f"{demo.external_id.lower()}@example.org",
            )
        # A patient's demo intakes are seeded together, once: any of them means all of them.
        if patient.intakes.filter(source=Intake.Source.DEMO).exists():
            self.report(f"patient {demo.external_id} and their intakes", created=False)
            return
        dates = intake_dates(len(demo.intakes), today)
        for profile, completed_on in zip(demo.intakes, dates, strict=True):
            document = sample_document(
                completed_on=completed_on.isoformat(),
                birth_date=demo.birth_date.isoformat(),
                answers=profile(completed_on.year),
            )
            intake_submit(patient=patient, document=document, source=Intake.Source.DEMO)
        self.report(
            f"patient {demo.external_id} with {len(dates)} intake(s)"
            + ("" if created else " (patient existed)"),
            created=True,
        )

    def report(self, what: str, created: bool) -> None:
        self.stdout.write(f"{'created' if created else 'exists '}  {what}")


def practitioner_permissions() -> list[Permission]:
    wanted = Q()
    for app_label, codename in PRACTITIONER_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(wanted))
