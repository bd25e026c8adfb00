"""Query filters for the intake and screening lists (the rows are already clinic-scoped)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field

from screening.instruments import INSTRUMENTS
from screening.models import Intake, Screening
from screening.serializers import OVERALL_CHOICES

MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """A row id: a whole number in the range of the id column (else 400, never a crash)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


PATTERN_CODES = sorted(
    {pattern.code for instrument in INSTRUMENTS.values() for pattern in instrument.patterns}
)


class ScreeningFilter(django_filters.FilterSet):
    # Plain ids, not model choices: a choice field would look the patient up (a query, and a
    # 400 that tells an id exists elsewhere); an id of another clinic simply matches nothing.
    patient = IdFilter(field_name="patient_id", help_text="A patient's id.")
    completed_after = django_filters.DateFilter(
        field_name="completed_on", lookup_expr="gte", help_text="Completed on or after this date."
    )
    completed_before = django_filters.DateFilter(
        field_name="completed_on", lookup_expr="lte", help_text="Completed on or before this date."
    )
    overall = django_filters.ChoiceFilter(
        choices=[(code, code) for code in OVERALL_CHOICES], help_text="The overall result."
    )
    pattern = django_filters.ChoiceFilter(
        choices=[(code, code) for code in PATTERN_CODES],
        method="filter_pattern",
        help_text="Screenings in which this possible pattern holds.",
    )
    refer_first = django_filters.BooleanFilter(help_text="Alarm features reported.")

    class Meta:
        model = Screening
        fields = [
            "patient",
            "completed_after",
            "completed_before",
            "overall",
            "pattern",
            "refer_first",
        ]

    def filter_pattern(
        self, queryset: QuerySet[Screening], name: str, value: str
    ) -> QuerySet[Screening]:
        return queryset.filter(pattern_codes__contains=f",{value},")


class IntakeFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id", help_text="A patient's id.")
    completed_after = django_filters.DateFilter(
        field_name="completed_on", lookup_expr="gte", help_text="Completed on or after this date."
    )
    completed_before = django_filters.DateFilter(
        field_name="completed_on", lookup_expr="lte", help_text="Completed on or before this date."
    )

    class Meta:
        model = Intake
        fields = ["patient", "completed_after", "completed_before"]
