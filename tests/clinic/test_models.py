"""Database constraints and defaults of patients, screenings and API clients, as PostgreSQL
enforces them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, Patient, User
from screening.instruments import get_instrument
from screening.models import Intake, Screening
from screening.services import screening_create
from tests.factories import PatientFactory, screening_for

pytestmark = [pytest.mark.django_db, pytest.mark.services, pytest.mark.usefixtures("on_postgres")]

COMPLETED_ON = datetime.date(2026, 11, 24)


def stored_intake(patient: Patient) -> Intake:
    """An intake row with the minimal fields; validation and scoring are not under test here."""
    return Intake.objects.create(
        clinic=patient.clinic,
        patient=patient,
        instrument="barrier-intake",
        version=1,
        document={"instrument": "barrier-intake", "version": 1, "answers": {}},
        document_sha256="0" * 64,
        completed_on=COMPLETED_ON,
    )


def stored_screening(intake: Intake, *, engine: str = "1.0.0") -> Screening:
    return Screening.objects.create(
        clinic=intake.clinic,
        patient=intake.patient,
        intake=intake,
        engine=engine,
        intake_sha256=intake.document_sha256,
        result={"engine": engine},
        result_json=f'{{"engine":"{engine}"}}',
        completed_on=intake.completed_on,
        overall="none",
        refer_first=False,
    )


def test_the_database_refuses_a_second_screening_of_an_intake_with_the_same_engine(
    patient: Patient,
) -> None:
    # given an intake scored through the real service
    screening = screening_for(patient)

    # when the same engine's result is inserted again, past model validation
    with pytest.raises(IntegrityError), transaction.atomic():
        stored_screening(screening.intake, engine=screening.engine)

    # then
    assert Screening.objects.filter(intake=screening.intake).count() == 1


def test_scoring_an_intake_twice_with_the_same_engine_is_refused_before_the_database(
    patient: Patient,
) -> None:
    screening = screening_for(patient)

    with pytest.raises(ValidationError):
        screening_create(intake=screening.intake, instrument=get_instrument("barrier-intake", 1))

    assert Screening.objects.filter(intake=screening.intake).count() == 1


def test_a_later_engine_may_rescore_the_same_intake(patient: Patient) -> None:
    intake = stored_intake(patient)
    stored_screening(intake, engine="1.0.0")

    stored_screening(intake, engine="1.1.0")

    assert sorted(intake.screenings.values_list("engine", flat=True)) == ["1.0.0", "1.1.0"]


def test_an_external_id_is_unique_within_a_clinic(clinic_a: Clinic) -> None:
    PatientFactory(clinic=clinic_a, external_id="EXT-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(clinic=clinic_a, external_id="EXT-1")
    assert Patient.objects.filter(clinic=clinic_a, external_id="EXT-1").count() == 1


def test_two_clinics_may_use_the_same_external_id(clinic_a: Clinic, clinic_b: Clinic) -> None:
    PatientFactory(clinic=clinic_a, external_id="EXT-1")
    PatientFactory(clinic=clinic_b, external_id="EXT-1")

    assert Patient.objects.filter(external_id="EXT-1").count() == 2


def test_the_database_refuses_a_blank_external_id(clinic_a: Clinic) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(clinic=clinic_a, external_id="", given_name="A", family_name="B")
    assert not Patient.objects.filter(clinic=clinic_a).exists()


def test_model_validation_reports_a_blank_external_id_before_the_database(
    clinic_a: Clinic,
) -> None:
    patient = Patient(clinic=clinic_a, external_id="", given_name="A", family_name="B")

    with pytest.raises(ValidationError) as raised:
        patient.full_clean()

    assert "external_id" in raised.value.message_dict


def test_a_user_or_client_on_the_audit_trail_cannot_be_deleted(practitioner: User) -> None:
    from django.db.models import ProtectedError

    from audit.services import audit_record
    from clinic.services import api_client_create

    client, _ = api_client_create(clinic=practitioner.clinic, name="records")
    by_user = audit_record(
        clinic=practitioner.clinic, action="read", object_type="patient", user=practitioner
    )
    by_client = audit_record(
        clinic=practitioner.clinic, action="read", object_type="patient", api_client=client
    )
    for actor in (practitioner, client):
        with pytest.raises(ProtectedError):
            actor.delete()
    # who read what stays on record
    assert AuditEvent.objects.get(pk=by_user.pk).user_id == practitioner.pk
    assert AuditEvent.objects.get(pk=by_client.pk).api_client_id == client.pk


def test_an_api_client_inserted_by_the_previous_release_may_not_erase(clinic_a: Clinic) -> None:
    # given the INSERT of a release that knows no can_erase column (a rolling deploy); a
    # hand-written statement because the ORM always names every column
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO clinic_apiclient (clinic_id, name, token_prefix, token_sha256, scope, "
            "created_at) VALUES (%s, 'Old release', 'bik_', %s, 'read_write', now())",
            [clinic_a.pk, "1" * 64],
        )

    # then the column's database default holds: the client may not erase
    assert ApiClient.objects.get(name="Old release").can_erase is False
