"""create_api_client: the token is printed once and stored only as its hash; revocable; scoped."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api.authentication import api_client_by_token
from clinic.models import ApiClient, Clinic, token_hash
from clinic.services import api_client_revoke

pytestmark = pytest.mark.django_db


def create(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_client", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_token_is_printed_once_and_stored_hashed(clinic_a: Clinic) -> None:
    token, notice = create("--clinic", "clinic-a", "--name", "records")
    client = ApiClient.objects.get(name="records")
    assert "shown only this once" in notice
    assert client.token_sha256 == token_hash(token)
    assert token not in str(list(ApiClient.objects.values()))
    assert token.startswith(client.token_prefix)
    assert client.scope == ApiClient.Scope.READ


def test_a_read_only_client_reads_and_a_read_write_client_writes(clinic_a: Clinic) -> None:
    read_token, _ = create("--clinic", "clinic-a", "--name", "reader")
    write_token, _ = create("--clinic", "clinic-a", "--name", "writer", "--scope", "read_write")
    body = {"external_id": "S-1", "given_name": "Ann", "family_name": "Lee"}
    reader, writer = APIClient(), APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {read_token}")
    writer.credentials(HTTP_AUTHORIZATION=f"Bearer {write_token}")
    assert reader.get("/api/v1/patients/").status_code == 200
    assert reader.post("/api/v1/patients/", body, format="json").status_code == 403
    assert writer.post("/api/v1/patients/", body, format="json").status_code == 201


def test_a_revoked_client_is_refused(clinic_a: Clinic) -> None:
    token, _ = create("--clinic", "clinic-a", "--name", "old-system")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/screenings/").status_code == 200
    out, _ = create("--clinic", "clinic-a", "--name", "old-system", "--revoke")
    assert "Revoked" in out and token not in out
    assert client.get("/api/v1/screenings/").status_code == 401
    assert ApiClient.objects.get(name="old-system").revoked_at is not None


def test_names_are_unique_per_clinic_and_clinics_must_exist(
    clinic_a: Clinic, clinic_b: Clinic
) -> None:
    create("--clinic", "clinic-a", "--name", "records")
    create("--clinic", "clinic-b", "--name", "records")
    with pytest.raises(CommandError):
        create("--clinic", "clinic-a", "--name", "records")
    with pytest.raises(CommandError):
        create("--clinic", "no-such-clinic", "--name", "records")
    with pytest.raises(CommandError):
        create("--clinic", "clinic-a", "--name", "never-made", "--revoke")


def test_last_use_is_recorded(clinic_a: Clinic) -> None:
    token, _ = create("--clinic", "clinic-a", "--name", "records")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.get("/api/v1/instruments/")
    assert ApiClient.objects.get(name="records").last_used_at is not None


def test_the_token_lookup_gives_the_stored_client_as_the_orm_reads_it(clinic_a: Clinic) -> None:
    token, _ = create("--clinic", "clinic-a", "--name", "records", "--scope", "read_write")
    used_at = timezone.now() - timedelta(minutes=10)
    ApiClient.objects.filter(name="records").update(last_used_at=used_at)
    stored = ApiClient.objects.get(name="records")

    found = api_client_by_token(token, last_used_before=used_at + timedelta(seconds=1))

    assert found is not None
    client, last_use_is_stale = found
    assert last_use_is_stale
    assert {f.attname: getattr(client, f.attname) for f in ApiClient._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in ApiClient._meta.concrete_fields
    }
    assert [type(getattr(client, f.attname)) for f in ApiClient._meta.concrete_fields] == [
        type(getattr(stored, f.attname)) for f in ApiClient._meta.concrete_fields
    ]
    assert client.last_used_at is not None and timezone.is_aware(client.last_used_at)
    assert client.can_write and client.clinic == clinic_a
    assert api_client_by_token(token, last_used_before=used_at) == (client, False)
    assert api_client_by_token(token + "x", last_used_before=used_at) is None
    api_client_revoke(client=client)
    assert api_client_by_token(token, last_used_before=used_at) is None
