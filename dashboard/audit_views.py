"""The clinic admin's page of the audit trail: filter, page through, export as CSV.

Clinic admins only (anyone else: 403); another clinic's events are never shown
(`clinic_audit_events`). Looking at the trail is itself recorded (`list` of `audit_event`),
and so is every export (`export`).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from audit.exports import audit_events_export
from audit.filters import AuditEventFilter, filters_in_words
from audit.models import AuditEvent
from audit.selectors import clinic_audit_events
from audit.services import audit_record
from clinic.models import User
from dashboard.views import clinic_admin, staff_page

EVENTS_PER_PAGE = 50


def filtered_events(request: HttpRequest, user: User) -> AuditEventFilter:
    return AuditEventFilter(
        request.GET or None,
        queryset=clinic_audit_events(user.clinic_id),
        request=request,
        clinic_id=user.clinic_id,
    )


@staff_page
def audit_events(request: HttpRequest) -> HttpResponse:
    """The clinic's audit events, newest first, 50 a page, filtered."""
    user = clinic_admin(request, may="read the audit trail")
    filterset = filtered_events(request, user)
    # A wrong filter shows no events (and names the field), never all of them.
    events = (
        filterset.qs
        if not filterset.is_bound or filterset.is_valid()
        else AuditEvent.objects.none()
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    audit_record(
        clinic=user.clinic_id,
        user=user,
        action=AuditEvent.Action.LIST,
        object_type="audit_event",
        object_ids=[event.pk for event in page],
        detail=filters_in_words(request.GET, clinic_id=user.clinic_id),
    )
    return render(request, "dashboard/audit_events.html", {"filter": filterset, "page": page})


@staff_page
def audit_events_csv(request: HttpRequest) -> HttpResponseBase:
    """The filtered events as CSV (all of them, not one page); the export is recorded."""
    user = clinic_admin(request, may="read the audit trail")
    filterset = filtered_events(request, user)
    if filterset.is_bound and not filterset.is_valid():
        return render(
            request, "dashboard/audit_events.html", {"filter": filterset, "page": None}, status=400
        )
    assert user.clinic_id is not None
    return audit_events_export(
        events=filterset.qs,
        clinic_id=user.clinic_id,
        user=user,
        detail=filters_in_words(request.GET, clinic_id=user.clinic_id),
    )
