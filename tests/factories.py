"""factory_boy factories for clinics, staff, patients, intakes and screenings (synthetic only)."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone

from clinic.models import Clinic, Patient, User
from screening.models import Intake, Screening
from screening.samples import sample_document


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Gut Health Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")
    welcome_text = "Thank you for taking the time to tell us how you are."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"practitioner{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    clinic = factory.SubFactory(ClinicFactory)
    role = User.Role.PRACTITIONER
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    external_id = factory.Sequence(lambda n: f"EXT-{n:05d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    # The birth date of `sample_document`: a document's birth date must match the record's.
    birth_date = datetime.date(1971, 5, 2)


def with_permissions(user: User, *permissions: str) -> User:
    """`user` granted Django permissions named `app_label.codename` (for the admin)."""
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def screening_for(patient: Patient, document: dict[str, Any] | None = None) -> Screening:
    """Submit a document for `patient` through the real service."""
    from screening.services import intake_submit

    return intake_submit(patient=patient, document=document or sample_document())


__all__ = [
    "ClinicFactory",
    "Intake",
    "PatientFactory",
    "Screening",
    "UserFactory",
    "screening_for",
    "timezone",
    "with_permissions",
]
