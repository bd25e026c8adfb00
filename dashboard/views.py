"""The practitioner dashboard: patients, screenings over time, reports and review.

Every page is for signed-in staff of one clinic. Rows are looked up through `clinic_rows`,
so another clinic's patient, screening or report is simply not found (404). Every read of
patient data is audited, and no page is cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Max, Model, Q, QuerySet, Value, When
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.invitations import invitation_send, invitation_url
from clinic.models import Patient, User
from clinic.selectors import of_clinic
from clinic.services import invitation_create, patient_create
from dashboard.forms import AlarmAcknowledgementForm, EnteredInErrorForm, PatientForm, ReviewForm
from reports.models import Report
from reports.patient_export import patient_archive_response, patient_export_archive
from reports.selectors import report_is_ready, report_pdf_response, screening_summary_context
from reports.services import report_regenerate
from screening.models import Screening
from screening.selectors import patient_trend
from screening.services import (
    intake_mark_entered_in_error,
    screening_acknowledge_alarm,
    screening_review,
)

M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponseBase]

PATIENTS_PER_PAGE = 50


def staff_page(view: View) -> View:
    """Signed in, a member of a clinic, never cached."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "clinic_id", None) is None:
            raise Http404("This page is for the staff of a clinic.")
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def clinic_admin(request: HttpRequest, *, may: str) -> User:
    """The signed-in clinic admin; PermissionDenied for anyone else, saying that only a clinic
    admin `may` ("erase a patient")."""
    user = request.user
    if not isinstance(user, User) or not user.is_clinic_admin or user.clinic_id is None:
        raise PermissionDenied(f"Only a clinic admin can {may}.")
    return user


def clinic_rows(request: HttpRequest, queryset: QuerySet[M]) -> QuerySet[M]:
    """The one place the dashboard narrows rows to the signed-in user's clinic."""
    user = request.user
    assert isinstance(user, User)
    return of_clinic(queryset, user.clinic_id)


def audit(
    request: HttpRequest,
    action: str,
    obj: Model | None,
    object_type: str,
    *,
    shown: Sequence[Model] | None = None,
) -> None:
    """Record a page's read or change; a list page names the rows it shows (`shown`)."""
    user = request.user
    assert isinstance(user, User) and user.clinic_id is not None
    audit_record(
        clinic=user.clinic_id,
        user=user,
        action=action,
        object_type=object_type,
        object_id=obj.pk if obj is not None else "",
        object_ids=[row.pk for row in shown] if shown is not None else None,
        detail=f"dashboard {request.resolver_match.url_name if request.resolver_match else ''}",
    )


@staff_page
def home(request: HttpRequest) -> HttpResponse:
    """The review queue: unreviewed screenings, alarm features first."""
    to_review = list(
        clinic_rows(request, Screening.objects.select_related("patient"))
        .filter(reviewed_at__isnull=True)
        .filter(entered_in_error=False)
        .annotate(alarm_priority=ALARM_PRIORITY)
        .order_by("alarm_priority", "-completed_on", "-id")[:50]
    )
    audit(request, AuditEvent.Action.LIST, None, "screening", shown=to_review)
    return render(request, "dashboard/home.html", {"to_review": to_review})


# The queue's order: alarm features nobody has acknowledged yet, then acknowledged ones, then
# the rest.
ALARM_PRIORITY = Case(
    When(refer_first=True, alarm_ack_at__isnull=True, then=Value(0)),
    When(refer_first=True, then=Value(1)),
    default=Value(2),
)


@staff_page
def patient_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    patients = clinic_rows(
        request, Patient.objects.order_by("family_name", "given_name", "id")
    ).annotate(screening_count=Count("screenings"), last_screened=Max("screenings__completed_on"))
    if query:
        patients = patients.filter(
            Q(external_id__iexact=query)
            | Q(family_name__icontains=query)
            | Q(given_name__icontains=query)
        )
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    audit(request, AuditEvent.Action.LIST, None, "patient", shown=list(page))
    return render(
        request,
        "dashboard/patient_list.html",
        {"page": page, "query": query, "form": PatientForm()},
    )


@staff_page
@require_POST
def patient_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User) and user.clinic is not None
    form = PatientForm(request.POST, clinic=user.clinic)
    if not form.is_valid():
        page = Paginator(clinic_rows(request, Patient.objects.all()), PATIENTS_PER_PAGE).get_page(1)
        return render(
            request,
            "dashboard/patient_list.html",
            {"page": page, "query": "", "form": form},
            status=400,
        )
    patient = patient_create(clinic=user.clinic, **form.cleaned_data)
    audit(request, AuditEvent.Action.CREATE, patient, "patient")
    return HttpResponseRedirect(reverse("dashboard:patient", args=[patient.pk]))


@staff_page
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(clinic_rows(request, Patient.objects.all()), pk=pk)
    screenings = list(
        clinic_rows(request, Screening.objects.filter(patient=patient))
        .defer("result_json")
        .order_by("completed_on", "id")
    )
    invitations = clinic_rows(request, patient.invitations.all())[:10]
    audit(request, AuditEvent.Action.READ, patient, "patient")
    return render(
        request,
        "dashboard/patient_detail.html",
        {
            "patient": patient,
            "screenings": list(reversed(screenings)),
            "trend": patient_trend(screenings=screenings),
            "invitations": invitations,
        },
    )


@staff_page
@require_POST
def patient_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about the patient, as a zip (the right of access); audited."""
    patient = get_object_or_404(
        clinic_rows(request, Patient.objects.select_related("clinic")), pk=pk
    )
    archive = patient_export_archive(patient=patient)
    audit(request, AuditEvent.Action.EXPORT, patient, "patient")
    return patient_archive_response(archive)


@staff_page
@require_POST
def patient_invite(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(clinic_rows(request, Patient.objects.all()), pk=pk)
    user = request.user
    assert isinstance(user, User)
    invitation, token = invitation_create(patient=patient, created_by=user)
    base_url = request.build_absolute_uri("/")
    link = invitation_url(token=token, base_url=base_url)
    if patient.email and request.POST.get("send_email"):
        invitation_send(invitation=invitation, token=token, base_url=base_url)
        messages.success(request, "The invitation was emailed to the patient.")
    audit(request, AuditEvent.Action.CREATE, invitation, "invitation")
    # The link is shown once, on this response only: only its hash is stored.
    return render(
        request,
        "dashboard/invitation_created.html",
        {"patient": patient, "invitation": invitation, "link": link},
    )


@staff_page
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    screening = get_object_or_404(
        clinic_rows(request, Screening.objects.select_related("patient", "intake", "clinic")),
        pk=pk,
    )
    reports = clinic_rows(request, Report.objects.filter(screening=screening)).order_by(
        "-created_at"
    )
    audit(request, AuditEvent.Action.READ, screening, "screening")
    return render(
        request,
        "dashboard/screening_detail.html",
        {
            "screening": screening,
            "summary": screening_summary_context(screening=screening),
            "reports": reports,
            "review_form": ReviewForm(
                initial={
                    "notes": screening.practitioner_notes,
                    "reviewed": screening.reviewed_at is not None,
                }
            ),
            "alarm_form": AlarmAcknowledgementForm(),
            "entered_in_error_form": EnteredInErrorForm(),
            "note_revisions": screening.note_revisions.all()[:20],
        },
    )


@staff_page
@require_POST
def screening_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    return screening_form_post(
        request,
        pk,
        ReviewForm,
        lambda screening, user, data: screening_review(
            screening=screening, user=user, notes=data["notes"], reviewed=data["reviewed"]
        ),
        done="Review saved. The PDF is being updated.",
    )


@staff_page
@require_POST
def screening_alarm_ack_view(request: HttpRequest, pk: int) -> HttpResponse:
    return screening_form_post(
        request,
        pk,
        AlarmAcknowledgementForm,
        lambda screening, user, data: screening_acknowledge_alarm(
            screening=screening, user=user, action=data["action"], note=data["note"]
        ),
        done="Acknowledgement recorded. The PDF is being updated.",
    )


@staff_page
@require_POST
def intake_entered_in_error_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the intake of a screening entered in error (audited by the service)."""
    return screening_form_post(
        request,
        pk,
        EnteredInErrorForm,
        lambda screening, user, data: intake_mark_entered_in_error(
            intake=screening.intake, user=user, reason=data["reason"]
        ),
        done="The intake was marked entered in error: it has left the lists, the review "
        "queue, the trend and the comparisons.",
    )


def screening_form_post(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    action: Callable[[Screening, User, dict[str, Any]], Any],
    *,
    done: str,
) -> HttpResponse:
    """A form posted from a screening's page: validated, handed to one service (which audits),
    and back to the page with what happened (or why not) as a message."""
    screening = get_object_or_404(
        clinic_rows(request, Screening.objects.select_related("intake")), pk=pk
    )
    form = form_class(request.POST)
    user = request.user
    assert isinstance(user, User)
    if not form.is_valid():
        messages_of_errors(request, form.errors)
    else:
        try:
            action(screening, user, form.cleaned_data)
        except ValidationError as error:
            messages_of_errors(request, error.message_dict)
        else:
            messages.success(request, done)
    return HttpResponseRedirect(reverse("dashboard:screening", args=[screening.pk]))


def messages_of_errors(request: HttpRequest, errors: Any) -> None:
    """A form's or a service's errors as messages on the page the browser goes back to."""
    for field_errors in errors.values():
        for error in field_errors:
            messages.error(request, str(error))


@staff_page
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The state of a screening's newest report, for the page to show it updating.

    No patient data: the state, and the PDF's address once it is ready.
    """
    screening = get_object_or_404(clinic_rows(request, Screening.objects.all()), pk=pk)
    report = (
        clinic_rows(request, Report.objects.filter(screening=screening))
        .order_by("-created_at")
        .first()
    )
    if report is None:
        return JsonResponse({"status": None})
    ready = report.status == Report.Status.READY
    return JsonResponse(
        {
            "status": report.status,
            "label": report.get_status_display(),
            "pdf": reverse("dashboard:report_pdf", args=[report.pk]) if ready else None,
        }
    )


@staff_page
@require_POST
def report_regenerate_view(request: HttpRequest, pk: int) -> HttpResponse:
    screening = get_object_or_404(clinic_rows(request, Screening.objects.all()), pk=pk)
    report = report_regenerate(screening=screening)
    audit(request, AuditEvent.Action.UPDATE, report, "report")
    messages.success(request, "A new report is being prepared.")
    return HttpResponseRedirect(reverse("dashboard:screening", args=[screening.pk]))


@staff_page
def report_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = get_object_or_404(
        clinic_rows(request, Report.objects.select_related("screening")), pk=pk
    )
    if not report_is_ready(report):
        raise Http404("This report is not ready.")
    audit(request, AuditEvent.Action.DOWNLOAD, report, "report")
    return report_pdf_response(report=report, inline=True)
