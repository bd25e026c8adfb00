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


class StrictBooleanField(forms.Field):
    """true or false (1 or 0); absent is None, and anything else is refused, never ignored
    (a boolean filter's usual field reads anything unknown as absent)."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise forms.ValidationError("Give true or false.", code="invalid")


ENTERED_IN_ERROR_HELP = (
    "true: only the rows marked entered in error (wrong patient, test submission); "
    "false or absent: only the others. A marked row is still read by its id."
)


# The description goes with the schema: an overridden filter's help text is not read.
@extend_schema_field({"type": "boolean", "description": ENTERED_IN_ERROR_HELP})
class EnteredInErrorFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class EnteredInErrorFilterSet(django_filters.FilterSet):
    """Rows marked entered in error are left out unless `entered_in_error=true` asks for them.

    Without any filter parameter the list views skip the filter form; they leave marked rows
    out themselves (`intakes_listed`, and the screening list's statement).
    """

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.form.cleaned_data.get("entered_in_error") is None:
            queryset = self.filters["entered_in_error"].filter(queryset, False)
        return super().filter_queryset(queryset)


def intakes_listed(queryset: QuerySet[Intake]) -> QuerySet[Intake]:
    """The intakes a list shows by default: those not marked entered in error."""
    return queryset.filter(entered_in_error_at__isnull=True)


PATTERN_CODES = sorted(
    {pattern.code for instrument in INSTRUMENTS.values() for pattern in instrument.patterns}
)


class ScreeningFilter(EnteredInErrorFilterSet):
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
    entered_in_error = EnteredInErrorFilter()

    class Meta:
        model = Screening
        fields = [
            "patient",
            "completed_after",
            "completed_before",
            "overall",
            "pattern",
            "refer_first",
            "entered_in_error",
        ]

    def filter_pattern(
        self, queryset: QuerySet[Screening], name: str, value: str
    ) -> QuerySet[Screening]:
        return queryset.filter(pattern_codes__contains=f",{value},")


class IntakeFilter(EnteredInErrorFilterSet):
    patient = IdFilter(field_name="patient_id", help_text="A patient's id.")
    completed_after = django_filters.DateFilter(
        field_name="completed_on", lookup_expr="gte", help_text="Completed on or after this date."
    )
    completed_before = django_filters.DateFilter(
        field_name="completed_on", lookup_expr="lte", help_text="Completed on or before this date."
    )
    entered_in_error = EnteredInErrorFilter(
        field_name="entered_in_error_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Intake
        fields = ["patient", "completed_after", "completed_before", "entered_in_error"]
