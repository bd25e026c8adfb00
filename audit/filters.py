"""Query filters of the audit trail (the dashboard page and the API alike): by patient, by who
acted, by action, by date. The events are already clinic-scoped; the choices are too."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from audit.models import AuditEvent
from audit.selectors import patient_events_condition
from clinic.models import ApiClient, Patient, User
from clinic.selectors import of_clinic

PATIENT_HELP = (
    "A patient's external id, or its id: the events of the patient and of its intakes, "
    "screenings, reports and invitations (lists, which name their rows in `detail`, are not "
    "matched)."
)


class AuditEventFilter(django_filters.FilterSet):
    patient = django_filters.CharFilter(
        method="filter_patient", max_length=64, label="Patient", help_text=PATIENT_HELP
    )
    user = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label="Staff member", help_text="A staff member's id."
    )
    api_client = django_filters.ModelChoiceFilter(
        queryset=ApiClient.objects.none(), label="API client", help_text="An API client's id."
    )
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices)
    object_type = django_filters.CharFilter(max_length=40, help_text="e.g. patient, screening.")
    date_from = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label="From",
        help_text="On or after this day (YYYY-MM-DD).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label="To",
        help_text="On or before this day (YYYY-MM-DD).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["patient", "user", "api_client", "action", "object_type", "date_from", "date_to"]

    def __init__(self, *args: Any, clinic_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic_id = clinic_id
        # Only the clinic's staff and clients are choices: another clinic's id is refused.
        self.filters["user"].queryset = of_clinic(User.objects.order_by("username"), clinic_id)
        self.filters["api_client"].queryset = of_clinic(
            ApiClient.objects.order_by("name"), clinic_id
        )

    def filter_patient(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        patient = clinic_patient(self.clinic_id, value)
        if patient is None:
            return queryset.none()
        return queryset.filter(patient_events_condition(patient))


def clinic_patient(clinic_id: int | None, value: str) -> Patient | None:
    """The clinic's patient with this external id, else with this id."""
    patients = of_clinic(Patient.objects.all(), clinic_id)
    patient = patients.filter(external_id=value).first()
    if patient is None and value.isdigit() and int(value) < 2**63:
        patient = patients.filter(pk=int(value)).first()
    return patient


def filters_in_words(data: Any, *, clinic_id: int | None) -> str:
    """The filters asked for, as `name=value` pairs (recorded in the audit event of a read).

    The patient is named by its id (`patient=id 42`, or `patient=none` when nothing matched),
    never by what was typed: an external id, or a name typed there by mistake, would stay in
    the trail after the patient's erasure.
    """
    words = []
    for name in AuditEventFilter.base_filters:
        value = data.get(name)
        if not value:
            continue
        if name == "patient":
            patient = clinic_patient(clinic_id, str(value))
            value = f"id {patient.pk}" if patient is not None else "none"
        words.append(f"{name}={value}")
    return " ".join(words)
