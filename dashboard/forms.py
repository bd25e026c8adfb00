"""Forms of the practitioner dashboard."""

from __future__ import annotations

from typing import Any

from django import forms

from clinic.models import Clinic, Patient
from screening.models import AlarmAction


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["given_name", "family_name", "external_id", "birth_date", "email"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, clinic: Clinic | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic

    def clean_external_id(self) -> str:
        external_id: str = self.cleaned_data["external_id"].strip()
        if (
            self.clinic is not None
            and Patient.objects.filter(clinic=self.clinic, external_id=external_id).exists()
        ):
            raise forms.ValidationError("A patient of this clinic already has this identifier.")
        return external_id

    def validate_unique(self) -> None:
        # Uniqueness is per clinic, checked above; the clinic is not a field of the form.
        pass


class ReviewForm(forms.Form):
    notes = forms.CharField(
        label="Practitioner's notes",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown in the PDF summary, with your name and the date. Earlier versions are "
        "kept.",
    )
    # Not ticked unless the screening is reviewed already: saving a draft note files nothing.
    reviewed = forms.BooleanField(label="Mark as reviewed", required=False)


class AlarmAcknowledgementForm(forms.Form):
    """What was done about a screening's alarm features, recorded before its review."""

    action = forms.ChoiceField(
        label="What was done about the alarm features?",
        choices=AlarmAction.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Required for "Other". Recorded with your name and the time; it cannot be '
        "changed later.",
    )


class EnteredInErrorForm(forms.Form):
    """Why an intake is marked entered in error (wrong patient, a test submission)."""

    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: wrong patient, a test submission. Kept with your name and the "
        "time; the mark cannot be undone.",
        error_messages={
            "required": "Give the reason the intake was entered in error.",
            "max_length": "Keep the reason within %(limit_value)d characters "
            "(it has %(show_value)d).",
        },
    )
