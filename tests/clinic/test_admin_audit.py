"""Every read and change of patient data in the admin is audited, like the dashboard's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import ids_in_words
from clinic.models import Clinic, Patient, User
from clinic.services import invitation_create
from screening.models import Screening
from tests.factories import PatientFactory, UserFactory, screening_for, with_permissions

pytestmark = pytest.mark.django_db

READS = [
    "clinic.view_patient",
    "clinic.change_patient",
    "clinic.add_patient",
    "clinic.view_invitation",
    "screening.view_intake",
    "screening.view_screening",
]


@pytest.fixture
def staff(practitioner: User) -> User:
    return with_permissions(practitioner, *READS)


@pytest.fixture
def screening(patient: Patient) -> Screening:
    return screening_for(patient)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events() -> list[AuditEvent]:
    # the reads and writes of patient data (signing the staff member in is an event too)
    return list(AuditEvent.objects.exclude(object_type="user").order_by("id"))


def object_of(name: str, screening: Screening) -> Any:
    return {"patient": screening.patient, "intake": screening.intake, "screening": screening}[name]


ADMIN_URLS = {
    "patient": "admin:clinic_patient",
    "intake": "admin:screening_intake",
    "screening": "admin:screening_screening",
}


@pytest.mark.parametrize("object_type", list(ADMIN_URLS))
def test_it_audits_a_changelist_naming_the_ids_shown(
    object_type: str, staff: User, screening: Screening, clinic_a: Clinic, clinic_b: Clinic
) -> None:
    # given a second row, and one of another clinic that is not shown
    screening_for(PatientFactory(clinic=clinic_a))
    screening_for(PatientFactory(clinic=clinic_b))

    # when
    response = signed_in(staff).get(reverse(f"{ADMIN_URLS[object_type]}_changelist"))

    # then one LIST event names the rows of the page, in their order
    assert response.status_code == 200
    shown = [obj.pk for obj in response.context["cl"].result_list]
    assert len(shown) == 2
    [event] = events()
    assert (event.action, event.object_type, event.object_id) == ("list", object_type, "")
    assert (event.clinic_id, event.user_id) == (clinic_a.pk, staff.pk)
    assert event.detail == f"admin list {ids_in_words(shown)}"


@pytest.mark.parametrize("object_type", list(ADMIN_URLS))
def test_it_audits_the_read_of_an_object_page(
    object_type: str, staff: User, screening: Screening
) -> None:
    # given
    obj = object_of(object_type, screening)

    # when its page is opened
    response = signed_in(staff).get(reverse(f"{ADMIN_URLS[object_type]}_change", args=[obj.pk]))

    # then one READ event names it
    assert response.status_code == 200
    [event] = events()
    assert (event.action, event.object_type, event.object_id) == ("read", object_type, str(obj.pk))
    assert (event.clinic_id, event.user_id) == (obj.clinic_id, staff.pk)
    assert event.detail.startswith("admin")


def test_it_audits_a_patient_edit_without_the_values(staff: User, patient: Patient) -> None:
    # given the patient's form with a new family name
    data = {
        "clinic": patient.clinic_id,
        "external_id": patient.external_id,
        "given_name": patient.given_name,
        "family_name": "Quillfeather",
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else "",
        "email": patient.email,
    }

    # when it is saved
    response = signed_in(staff).post(
        reverse("admin:clinic_patient_change", args=[patient.pk]), data
    )

    # then one UPDATE event names the patient and the field, not its value
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.family_name == "Quillfeather"
    [event] = events()
    assert (event.action, event.object_type, event.object_id) == (
        "update",
        "patient",
        str(patient.pk),
    )
    assert event.clinic_id == patient.clinic_id and event.user_id == staff.pk
    assert event.detail == "admin form: family_name"
    assert "Quillfeather" not in event.detail


def test_it_audits_a_patient_added_in_the_admin(staff: User, clinic_a: Clinic) -> None:
    # when
    response = signed_in(staff).post(
        reverse("admin:clinic_patient_add"),
        {"clinic": clinic_a.pk, "external_id": "EXT-NEW", "given_name": "Ada", "family_name": "Q"},
    )

    # then
    assert response.status_code == 302
    created = Patient.objects.get(external_id="EXT-NEW")
    [event] = events()
    assert (event.action, event.object_type, event.object_id) == (
        "create",
        "patient",
        str(created.pk),
    )
    assert event.clinic_id == clinic_a.pk


def test_a_superusers_reads_belong_to_the_clinics_of_the_rows(
    screening: Screening, clinic_a: Clinic, clinic_b: Clinic
) -> None:
    # given a superuser of no clinic, and a screening in another clinic too
    other = screening_for(PatientFactory(clinic=clinic_b))
    client = signed_in(UserFactory(clinic=None, is_superuser=True))

    # when they list screenings and open the other clinic's one
    client.get(reverse("admin:screening_screening_changelist"))
    client.get(reverse("admin:screening_screening_change", args=[other.pk]))

    # then each list event belongs to one clinic and names its rows; the read, its clinic
    by_clinic = {e.clinic_id: e.detail for e in events() if e.action == AuditEvent.Action.LIST}
    assert by_clinic == {
        clinic_a.pk: f"admin list {ids_in_words([screening.pk])}",
        other.clinic_id: f"admin list {ids_in_words([other.pk])}",
    }
    [read] = [e for e in events() if e.action == AuditEvent.Action.READ]
    assert (read.clinic_id, read.object_id) == (other.clinic_id, str(other.pk))


def test_another_clinics_patient_is_not_found_and_nothing_is_read(
    staff: User, clinic_b: Clinic
) -> None:
    elsewhere = PatientFactory(clinic=clinic_b)
    response = signed_in(staff).get(reverse("admin:clinic_patient_change", args=[elsewhere.pk]))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert events() == []


def test_it_audits_an_invitation_read_and_its_expiry_change(staff: User, patient: Patient) -> None:
    # given an invitation, and a staff member allowed to change invitations
    invitation, _token = invitation_create(patient=patient)
    client = signed_in(with_permissions(staff, "clinic.change_invitation"))
    url = reverse("admin:clinic_invitation_change", args=[invitation.pk])

    # when its page is read and a new expiry saved
    page = client.get(url)
    saved = client.post(url, {"expires_at_0": "2030-01-02", "expires_at_1": "10:00:00"})

    # then the patient stays, and both are audited
    assert page.status_code == 200 and b'name="patient"' not in page.content
    assert saved.status_code == 302
    invitation.refresh_from_db()
    assert invitation.patient_id == patient.pk and invitation.expires_at.year == 2030
    assert [(e.action, e.object_type, e.object_id) for e in events()] == [
        ("read", "invitation", str(invitation.pk)),
        ("update", "invitation", str(invitation.pk)),
    ]
