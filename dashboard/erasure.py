"""The clinic admin's page to erase a patient (`screening.erasure.patient_erase`).

Clinic admins only (anyone else: 403; another clinic's patient: 404). The page says what is
removed and asks for the patient's full name, typed, and a reason; while the clinic's
retention period holds the records it shows why instead, and a POST is refused (409). A POST
for a patient erased meanwhile (a second tab, a double click) goes back to the patient list
with a message. The
change is a POST with the CSRF token; the erasure is audited by the service, and showing the
page (which names the patient) is audited as a read.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.models import AuditEvent
from clinic.models import Patient
from dashboard.views import audit, clinic_admin, clinic_rows, staff_page
from screening.erasure import REQUESTED_REASONS, ErasureRefused, erasure_refusal, patient_erase


class ErasureForm(forms.Form):
    """The full name typed again (so the right patient is erased), and why."""

    full_name = forms.CharField(
        label="Type the patient's full name to confirm",
        max_length=201,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.ChoiceField(label="Why", choices=REQUESTED_REASONS, widget=forms.RadioSelect)

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_full_name(self) -> str:
        typed: str = self.cleaned_data["full_name"]
        if folded(typed) != folded(self.patient.full_name):
            raise forms.ValidationError("This is not the patient's full name as recorded.")
        return typed


def folded(name: str) -> str:
    """A name compared without case or extra spaces."""
    return " ".join(name.split()).casefold()


@staff_page
@require_http_methods(["GET", "POST"])
def patient_erase_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """GET: what erasure removes, and the form (or why it is refused); POST: erase."""
    user = clinic_admin(request, may="erase a patient")
    patient = get_object_or_404(clinic_rows(request, Patient.objects.all()), pk=pk)
    refusal = erasure_refusal(patient=patient)
    form = ErasureForm(request.POST if request.method == "POST" else None, patient=patient)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            patient_erase(patient=patient, reason=form.cleaned_data["reason"], by_user=user)
        except ErasureRefused as refused:  # an intake arrived since the check
            refusal = refused.reason
        except Patient.DoesNotExist:  # erased since the look-up (another tab, a double click)
            messages.info(request, f"Patient {pk} had already been erased.")
            return HttpResponseRedirect(reverse("dashboard:patients"))
        else:
            messages.success(request, f"Patient {pk} and everything held about them was erased.")
            return HttpResponseRedirect(reverse("dashboard:patients"))
    audit(request, AuditEvent.Action.READ, patient, "patient")
    status = 409 if request.method == "POST" and refusal else 400 if form.is_bound else 200
    return render(
        request,
        "dashboard/patient_erase.html",
        {"patient": patient, "form": form, "refusal": refusal, "held": held_counts(patient)},
        status=status,
    )


def held_counts(patient: Patient) -> dict[str, int]:
    """How many of each record the erasure removes, for the confirmation page."""
    return Patient.objects.filter(pk=patient.pk).aggregate(
        intakes=Count("intakes", distinct=True),
        screenings=Count("screenings", distinct=True),
        invitations=Count("invitations", distinct=True),
    )
