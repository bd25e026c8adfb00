"""URLs of the practitioner dashboard, under /dashboard/."""

from __future__ import annotations

from django.urls import path

from dashboard import audit_views, second_factor, second_factor_manage, signin, views
from dashboard.erasure import patient_erase_view

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("patients/", views.patient_list, name="patients"),
    path("patients/new/", views.patient_add, name="patient_add"),
    path("patients/<int:pk>/", views.patient_detail, name="patient"),
    path("patients/<int:pk>/invite/", views.patient_invite, name="patient_invite"),
    path("patients/<int:pk>/export/", views.patient_export, name="patient_export"),
    path("patients/<int:pk>/erase/", patient_erase_view, name="patient_erase"),
    path("screenings/<int:pk>/", views.screening_detail, name="screening"),
    path("screenings/<int:pk>/review/", views.screening_review_view, name="screening_review"),
    path("screenings/<int:pk>/alarm/", views.screening_alarm_ack_view, name="screening_alarm_ack"),
    path(
        "screenings/<int:pk>/entered-in-error/",
        views.intake_entered_in_error_view,
        name="intake_entered_in_error",
    ),
    path("screenings/<int:pk>/report/", views.report_regenerate_view, name="report_regenerate"),
    path("screenings/<int:pk>/report/status/", views.report_status, name="report_status"),
    path("reports/<int:pk>/pdf/", views.report_download, name="report_pdf"),
    path("accounts/locked/", signin.locked_accounts, name="locked_accounts"),
    path("accounts/<int:pk>/unlock/", signin.account_unlock, name="account_unlock"),
    path(
        "accounts/second-factor/",
        second_factor.second_factor_enrol,
        name="second_factor_enrol",
    ),
    path(
        "accounts/second-factor/verify/",
        second_factor.second_factor_verify,
        name="second_factor_verify",
    ),
    path(
        "accounts/second-factor/manage/",
        second_factor_manage.second_factor_manage,
        name="second_factor_manage",
    ),
    path(
        "accounts/second-factor/recovery-codes/",
        second_factor_manage.second_factor_recovery_codes_replace,
        name="second_factor_recovery_codes",
    ),
    path(
        "accounts/second-factor/turn-off/",
        second_factor_manage.second_factor_turn_off,
        name="second_factor_turn_off",
    ),
    path("audit/", audit_views.audit_events, name="audit_events"),
    path("audit/export.csv", audit_views.audit_events_csv, name="audit_events_csv"),
]
