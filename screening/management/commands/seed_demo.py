"""`manage.py seed_demo`: a demo clinic, a practitioner and synthetic patients with screenings.

Every name and answer here is invented. Running the command again creates nothing twice.
"""

from __future__ import annotations

import secrets
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
from screening.instruments import current_instrument
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


@dataclass(frozen=True)
class DemoPatient:
    external_id: str
    given_name: str
    family_name: str
    birth_date: date
    # The name of one demo answer profile of the instrument version per intake, oldest first.
    intakes: tuple[str, ...]


DEMO_PATIENTS = (
    DemoPatient("DEMO-001", "Ada", "Example", date(1984, 3, 14), ("mild_bloating", "multi_domain")),
    DemoPatient("DEMO-002", "Ben", "Placeholder", date(1962, 9, 2), ("red_flags",)),
    DemoPatient("DEMO-003", "Cleo", "Sampleton", date(1995, 1, 27), ("unremarkable",)),
    DemoPatient(
        "DEMO-004",
        "Dev",
        "Fictional",
        date(1978, 11, 5),
        ("multi_domain", "disproportionate_bloating", "unremarkable"),
    ),
    DemoPatient("DEMO-005", "Eli", "Testington", date(1990, 6, 30), ("gut_brain_with_phq4",)),
    DemoPatient(
        "DEMO-006", "Fay", "Mockworth", date(1970, 4, 18), ("unremarkable", "immune_dysregulation")
    ),
    DemoPatient("DEMO-007", "Gus", "Dummy", date(1952, 12, 1), ("late_onset",)),
    DemoPatient(
        "DEMO-008",
        "Hana",
        "Specimen",
        date(1988, 8, 8),
        ("mild_bloating", "disproportionate_bloating", "multi_domain"),
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
        instrument = current_instrument()
        for profile, completed_on in zip(demo.intakes, dates, strict=True):
            document = sample_document(
                completed_on=completed_on.isoformat(),
                birth_date=demo.birth_date.isoformat(),
                answers=instrument.demo_profiles[profile](completed_on.year),
                instrument=instrument,
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
