"""URLs of the patient intake form, under the private invitation link."""

from __future__ import annotations

from django.urls import path

from clinic.intake_form import views

app_name = "intake"

urlpatterns = [
    path("<str:token>/", views.intake_start, name="start"),
    path("<str:token>/thanks/", views.intake_thanks, name="thanks"),
    path("<str:token>/<slug:step>/", views.intake_step, name="step"),
]
