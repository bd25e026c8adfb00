"""Forms of the practitioner dashboard."""

from __future__ import annotations

from typing import Any

from django import forms

from clinic.models import Clinic, Patient


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
        help_text="Shown in the PDF summary.",
    )
    reviewed = forms.BooleanField(label="Mark as reviewed", required=False, initial=True)
