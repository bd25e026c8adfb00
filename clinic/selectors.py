"""Reads of the tenants: the one way rows are narrowed to a clinic, and the one patient lookup."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from clinic.models import Patient

M = TypeVar("M", bound=Model)


def of_clinic(
    queryset: QuerySet[M], clinic_id: int | None, *, field: str = "clinic"
) -> QuerySet[M]:
    """`queryset` narrowed to the rows of one clinic (`field` names the relation to it); no
    rows at all without a clinic. Used by the API, the dashboard and the admin alike, so that
    another clinic's row is simply not found."""
    if clinic_id is None:
        return queryset.none()
    return queryset.filter(**{f"{field}_id": clinic_id})


def patient_of_clinic(
    clinic_id: int | None, *, pk: Any = None, external_id: str | None = None
) -> Patient | None:
    """The clinic's patient with this id or external id (None when there is none, or when the
    patient belongs to another clinic)."""
    lookup: dict[str, Any] = {"pk": pk} if pk is not None else {"external_id": external_id}
    return of_clinic(Patient.objects.select_related("clinic"), clinic_id).filter(**lookup).first()
