"""Every page of the API, FHIR, the dashboard and the admin that shows patient data records one
audit event per read: who, which clinic, what (type and ids), which action, from where.

Derived from the URLconf, so a new page cannot be forgotten: each pattern under /api/,
/dashboard/ and /admin/ is either a read of patient data in READS (how to ask for it, who asks,
the event expected) or in NOT_READS with why it shows none. The admin's pages are classified by
model from `admin.site._registry`: a model in ADMIN_PATIENT_DATA has its list, change and
history pages read here; a model in ADMIN_NO_PATIENT_DATA says why it needs none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, User
from clinic.services import api_client_create, invitation_create
from notifications.models import AlarmNotice
from reports.models import Report, reports_storage
from screening.models import NoteRevision
from screening.samples import sample_document
from screening.services import screening_review
from tests.factories import PatientFactory, UserFactory, screening_for, with_permissions

# Where staff and API callers see patient data (/intake/ and /accounts/: only one's own).
PREFIXES = ("api/", "dashboard/", "admin/")
ADDRESS, USER_AGENT = "198.51.100.23", "AuditCoverage/1.0 (synthetic)"
Action = AuditEvent.Action


@dataclass
class World:
    clinic: Clinic
    practitioner: User  # the dashboard, the admin (allowed to view every model) and one API read
    clinic_admin: User
    clients: dict[str, tuple[ApiClient, str]]  # read_token, write_token: the client, its token
    one: dict[str, Any]  # per object type, the sample read (and the URL's arguments)


@dataclass(frozen=True)
class Read:
    caller: str  # practitioner or clinic_admin (a staff session), read_token or write_token
    action: str
    object_type: str
    arg: str = ""  # the sample in the URL (a key of World.one); also the object read
    method: str = "get"
    page: int = 0  # a list of audit events: how many of the newest it shows


TOKEN, STAFF = "read_token", "practitioner"

READS: dict[str, Read] = {
    "api:patient-list": Read(TOKEN, Action.LIST, "patient"),
    "api:patient-detail": Read(STAFF, Action.READ, "patient", "patient"),
    "api:patient-export": Read(TOKEN, Action.EXPORT, "patient", "patient"),
    "api:intake-list": Read(TOKEN, Action.LIST, "intake"),
    "api:intake-detail": Read(TOKEN, Action.READ, "intake", "intake"),
    "api:screening-list": Read(TOKEN, Action.LIST, "screening"),
    "api:screening-detail": Read(TOKEN, Action.READ, "screening", "screening"),
    "api:screening-report": Read(TOKEN, Action.READ, "report", "screening"),
    "api:screening-report-pdf": Read(TOKEN, Action.DOWNLOAD, "report", "screening"),
    "api:audit-event-list": Read("write_token", Action.LIST, "audit_event", page=25),
    "api:audit-event-export": Read("write_token", Action.EXPORT, "audit_event"),
    "api:fhir-questionnaire-response": Read(TOKEN, Action.READ, "intake", "intake"),
    "api:fhir-observation": Read(TOKEN, Action.READ, "screening", "observation"),
    "api:fhir-risk-assessment": Read(TOKEN, Action.READ, "screening", "screening"),
    "dashboard:home": Read(STAFF, Action.LIST, "screening"),
    "dashboard:patients": Read(STAFF, Action.LIST, "patient"),
    "dashboard:patient": Read(STAFF, Action.READ, "patient", "patient"),
    "dashboard:patient_export": Read(STAFF, Action.EXPORT, "patient", "patient", method="post"),
    "dashboard:patient_erase": Read("clinic_admin", Action.READ, "patient", "patient"),
    "dashboard:screening": Read(STAFF, Action.READ, "screening", "screening"),
    "dashboard:report_pdf": Read(STAFF, Action.DOWNLOAD, "report", "report"),
    "dashboard:audit_events": Read("clinic_admin", Action.LIST, "audit_event", page=50),
    "dashboard:audit_events_csv": Read("clinic_admin", Action.EXPORT, "audit_event"),
}

CHANGE = "a change, not a read: audited as the change it makes"
NOT_READS: dict[str, str] = {
    "api:invitation-create": CHANGE + " (POST only: create of invitation)",
    "api:screening-report-regenerate": CHANGE + " (POST only: update of report)",
    "api:fhir-questionnaire-response-create": CHANGE + " (POST only: create of intake)",
    "api:instrument-list": "the instruments and their versions: no patient data",
    "api:instrument-detail": "an instrument definition: no patient data",
    "api:fhir-questionnaire": "an instrument as a FHIR Questionnaire: no patient data",
    "api:webhook-list": "the clinic's webhook endpoints (addresses, events): settings",
    "api:webhook-detail": "one webhook endpoint of the clinic: settings",
    "api:webhook-deliveries": "delivery state (event type and id, status), never the payload",
    "api:schema": "the OpenAPI schema",
    "api:docs": "the API's documentation page",
    "api/^fhir/(?P<unmatched>(?s:.*))$": "unknown FHIR paths: 404 OperationOutcome",
    "api/^(?P<unmatched>(?s:.*))$": "unknown API paths: 404",
    "dashboard:patient_add": CHANGE + " (POST only: create of patient)",
    "dashboard:patient_invite": CHANGE + " (POST only: create of invitation)",
    "dashboard:screening_review": CHANGE + " (POST only: update of screening)",
    "dashboard:screening_alarm_ack": CHANGE + " (POST only: update of screening)",
    "dashboard:intake_entered_in_error": CHANGE + " (POST only: update of intake)",
    "dashboard:report_regenerate": CHANGE + " (POST only: update of report)",
    "dashboard:report_status": "a report's state, polled by the (audited) screening page",
    "dashboard:locked_accounts": "staff usernames locked out of sign-in: no patient data",
    "dashboard:account_unlock": CHANGE + " (POST only: a staff account unlocked)",
    "dashboard:second_factor_enrol": "the signed-in staff member's own second factor",
    "dashboard:second_factor_verify": "the second-factor code form",
    "dashboard:second_factor_manage": "the signed-in staff member's own second factor",
    "dashboard:second_factor_recovery_codes": "the staff member's own recovery codes",
    "dashboard:second_factor_turn_off": "the staff member's own second factor, turned off",
    "admin:index": "links to the models (recent actions: test_the_admin_index_names_no_patient)",
    "admin:login": "the sign-in form",
    "admin:logout": "signing out",
    "admin:password_change": "the signed-in user's own password",
    "admin:password_change_done": "the signed-in user's own password",
    "admin:autocomplete": "refused (404) for every patient-data model: no admin form uses it",
    "admin:jsi18n": "translations for the admin's scripts",
    "admin:view_on_site": "a redirect to an object's own page",
    "admin:app_list": "links to one app's models",
    "admin/(?P<url>.*)$": "unknown admin paths: 404 or the sign-in page",
}

# Every model registered in the admin, by whether its pages show patient data.
ADMIN_PATIENT_DATA: dict[str, str] = {  # the model, and its object type in the audit trail
    "clinic.patient": "patient",
    "clinic.invitation": "invitation",
    "screening.intake": "intake",
    "screening.screening": "screening",
    "screening.noterevision": "note_revision",
    "reports.report": "report",
    "notifications.alarmnotice": "alarm_notice",
    "audit.auditevent": "audit_event",
}
ADMIN_NO_PATIENT_DATA: dict[str, str] = {
    "clinic.clinic": "the clinics' settings",
    "clinic.user": "staff accounts",
    "auth.group": "permission groups (superusers only)",
    "clinic.apiclient": "API clients (names, scopes, token prefixes)",
}
# Not registered: django-otp's devices change only through the audited reset, django-axes'
# sign-in records are not offered (clinic.admin; tests/clinic/test_admin_log.py).
# A patient-data model's pages that show none of it (the others are read below).
ADMIN_NOT_READ_PAGES = {
    "add": "an empty form (stored records: refused)",
    "delete": "refused (403): patient data is never deleted through the admin",
    "": "a redirect to the change page, audited there",
}
ADMIN_READ_PAGES = {"changelist": Action.LIST, "change": Action.READ, "history": Action.READ}
OBJECT_MODELS = {
    ADMIN_PATIENT_DATA[model._meta.label_lower]: model
    for model in admin.site._registry
    if model._meta.label_lower in ADMIN_PATIENT_DATA
}


def admin_tables() -> tuple[dict[str, Read], dict[str, str]]:
    """The admin's per-model pages in the two tables, from the registered ModelAdmins."""
    reads: dict[str, Read] = {}
    not_reads: dict[str, str] = {}
    for model, model_admin in admin.site._registry.items():
        label, name = model._meta.label_lower, f"{model._meta.app_label}_{model._meta.model_name}"
        prefix = "admin/{}/{}/".format(*label.split("."))
        if label in ADMIN_NO_PATIENT_DATA:
            for pattern in model_admin.urls:
                key = pattern_key("admin:", prefix, pattern)
                not_reads[key] = ADMIN_NO_PATIENT_DATA[label]
        elif label in ADMIN_PATIENT_DATA:
            object_type = ADMIN_PATIENT_DATA[label]
            for view, action in ADMIN_READ_PAGES.items():
                arg = "" if action == Action.LIST else object_type
                reads[f"admin:{name}_{view}"] = Read("practitioner", action, object_type, arg)
            for view, reason in ADMIN_NOT_READ_PAGES.items():
                key = f"admin:{name}_{view}" if view else prefix + "<path:object_id>/"
                not_reads[key] = reason
    return reads, not_reads


def pattern_key(namespace: str, prefix: str, pattern: URLPattern) -> str:
    return namespace + pattern.name if pattern.name else prefix + str(pattern.pattern)


def routed(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(key, route) of every pattern: its namespaced name, or its whole route when unnamed."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from routed(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield pattern_key(namespace, prefix, pattern), prefix + str(pattern.pattern)


ADMIN_READS, ADMIN_NOT_READS = admin_tables()
ALL_READS = {**READS, **ADMIN_READS}
ALL_NOT_READS = {**NOT_READS, **ADMIN_NOT_READS}


def test_every_url_is_classified() -> None:
    # given every pattern of the API, FHIR, the dashboard and the admin
    routes = [
        (key, route)
        for key, route in routed(get_resolver().url_patterns)
        if route.startswith(PREFIXES)
    ]
    keys = [key for key, _ in routes]
    assert len(keys) == len(set(keys)), "two patterns share a name"
    # then each is in exactly one table, and every entry of the tables still exists
    unclassified = sorted(
        f"{key} ({route})"
        for key, route in routes
        if key not in ALL_READS and key not in ALL_NOT_READS
    )
    assert not unclassified, (
        "Classify these URL patterns in tests/audit/test_audit_coverage.py: READS (a read of "
        "patient data, with the audit event it records) or NOT_READS (why it shows none): "
        + ", ".join(unclassified)
    )
    assert not set(ALL_READS) & set(ALL_NOT_READS)
    assert not (set(ALL_READS) | set(ALL_NOT_READS)) - set(keys), "entries for no pattern"


def test_every_model_in_the_admin_is_classified() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    unclassified = registered - set(ADMIN_PATIENT_DATA) - set(ADMIN_NO_PATIENT_DATA)
    assert not unclassified, (
        "Classify these admin models in ADMIN_PATIENT_DATA (its object type) or "
        f"ADMIN_NO_PATIENT_DATA (why not) in tests/audit/test_audit_coverage.py: {unclassified}"
    )
    assert not set(ADMIN_PATIENT_DATA) & set(ADMIN_NO_PATIENT_DATA)


ADMIN_VIEWS = ["{}.view_{}".format(*label.split(".")) for label in ADMIN_PATIENT_DATA]


@pytest.fixture
def world(clinic_a: Clinic, clinic_b: Clinic, practitioner: User) -> World:
    patient = PatientFactory(clinic=clinic_a, given_name="Ada", family_name="Quill")
    screening = screening_for(patient, sample_document(answers={"red_flags.blood_in_stool": True}))
    screening_for(PatientFactory(clinic=clinic_a, given_name="Bea", family_name="Rook"))
    screening_review(screening=screening, user=practitioner, notes="Synthetic.", reviewed=False)
    invitation, _ = invitation_create(patient=patient)
    report = Report.objects.filter(screening=screening).latest("id")
    name = reports_storage().save(f"reports/{clinic_a.pk}/coverage.pdf", ContentFile(b"%PDF-1.7"))
    Report.objects.filter(pk=report.pk).update(status=Report.Status.READY, file=name, size=8)
    # another clinic's rows, which no list of clinic A shows
    screening_for(PatientFactory(clinic=clinic_b))
    return World(
        clinic=clinic_a,
        practitioner=with_permissions(practitioner, *ADMIN_VIEWS),
        clinic_admin=UserFactory(clinic=clinic_a, role=User.Role.CLINIC_ADMIN),
        clients={
            "read_token": api_client_create(clinic=clinic_a, name="records"),
            "write_token": api_client_create(
                clinic=clinic_a, name="practice", scope=ApiClient.Scope.READ_WRITE
            ),
        },
        one={
            "patient": patient.pk,
            "intake": screening.intake_id,
            "screening": screening.pk,
            "observation": f"{screening.pk}-bloating",
            "report": report.pk,
            "invitation": invitation.pk,
            "note_revision": NoteRevision.objects.get(screening=screening).pk,
            "alarm_notice": AlarmNotice.objects.get(screening=screening).pk,
            "audit_event": AuditEvent.objects.filter(clinic=clinic_a).latest("id").pk,
        },
    )


def caller_of(w: World, caller: str) -> Client:
    """A client from ADDRESS with USER_AGENT: a staff session, or an API client's token."""
    token = {"HTTP_AUTHORIZATION": f"Bearer {w.clients[caller][1]}"} if caller in w.clients else {}
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=USER_AGENT, **token)
    if not token:
        client.force_login(getattr(w, caller))
    return client


LISTED = re.compile(r"(\d+) rows: ids ([\d,-]+)$")


def ids_named(detail: str) -> list[int]:
    """The ids a list's event names (`audit.services.ids_in_words`, read back)."""
    match = LISTED.search(detail)
    assert match, f"no ids in {detail!r}"
    ids: list[int] = []
    for run in match.group(2).split(","):
        first, _, last = run.partition("-")
        start, end = int(first), int(last or first)
        step = 1 if end >= start else -1
        ids.extend(range(start, end + step, step))
    assert len(ids) == int(match.group(1))
    return ids


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def shown_ids(w: World, read: Read) -> list[int]:
    """The object a read shows ([] for none), or the rows a list shows: all of the clinic's
    (newest first for the audit trail, a page of them)."""
    if read.action != Action.LIST:
        return [w.one[read.object_type]] if read.arg else []
    rows = OBJECT_MODELS[read.object_type]._default_manager.filter(clinic=w.clinic)
    if read.page:
        rows = rows.order_by("-id")[: read.page]
    return list(rows.values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(ALL_READS))
def test_each_read_of_patient_data_records_one_event(key: str, world: World) -> None:
    # given an authorised caller, and what the page shows
    read = ALL_READS[key]
    client = caller_of(world, read.caller)
    expected = shown_ids(world, read)
    before = last_event_id()

    # when it is read once
    args = [world.one[read.arg]] if read.arg else []
    response = getattr(client, read.method)(reverse(key, args=args))

    # then it answers, and one event names who, what, which action, from where
    assert response.status_code == 200, (key, response.content[:300])
    if response.streaming:
        b"".join(response.streaming_content)
    events = list(AuditEvent.objects.filter(id__gt=before))
    assert len(events) == 1, (key, [str(event) for event in events])
    [event] = events
    assert (event.action, event.object_type) == (read.action, read.object_type), key
    assert event.clinic_id == world.clinic.pk
    if read.caller in world.clients:
        assert (event.user_id, event.api_client_id) == (None, world.clients[read.caller][0].pk)
    else:
        assert (event.user_id, event.api_client_id) == (getattr(world, read.caller).pk, None)
    assert (event.address, event.user_agent) == (ADDRESS, USER_AGENT)
    if read.action == Action.LIST:
        assert event.object_id == "" and sorted(ids_named(event.detail)) == sorted(expected), key
    else:
        assert event.object_id == (str(expected[0]) if expected else ""), key


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(ADMIN_PATIENT_DATA))
def test_the_admin_deletes_no_patient_data_and_reads_nothing_asking(
    label: str, world: World
) -> None:
    # given a superuser, who holds every permission
    client = Client()
    client.force_login(UserFactory(clinic=None, is_superuser=True))
    before = last_event_id()
    # when they ask for its delete page, then it is refused and nothing was shown
    sample = world.one[ADMIN_PATIENT_DATA[label]]
    url = reverse("admin:{}_{}_delete".format(*label.split(".")), args=[sample])
    assert client.get(url).status_code == 403
    assert last_event_id() == before


@pytest.mark.django_db
def test_the_admin_autocomplete_lists_no_patient(world: World) -> None:
    # given a practitioner allowed to view patients
    client = caller_of(world, "practitioner")
    before = last_event_id()
    # when they ask the autocomplete for the patients of intakes
    query = "?app_label=screening&model_name=intake&field_name=patient&term="
    response = client.get(reverse("admin:autocomplete") + query)
    # then no patient is listed (it is not found), and nothing was read
    assert response.status_code == 404
    assert b"Quill" not in response.content and last_event_id() == before


@pytest.mark.django_db
def test_the_admin_index_names_no_patient(world: World) -> None:
    # The admin writes no LogEntry, so "Recent actions" lists nothing (clinic.admin_log).
    # given a patient added in the admin
    client = Client()
    client.force_login(with_permissions(world.practitioner, "clinic.add_patient"))
    data = {
        "clinic": world.clinic.pk,
        "external_id": "C3",
        "given_name": "Cy",
        "family_name": "Vane",
    }
    added = client.post(reverse("admin:clinic_patient_add"), data, follow=True)
    # (the list it leads to shows the one-time confirmation, which names the patient)
    assert added.redirect_chain == [(reverse("admin:clinic_patient_changelist"), 302)]
    # when the admin's index is opened, then it names no patient
    assert b"Vane" not in client.get(reverse("admin:index")).content
