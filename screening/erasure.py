"""A patient's erasure, on request or at the end of the clinic's retention period.

Erasure deletes everything that identifies the patient: the patient row, its invitations
(drafts included), intakes, screenings and note revisions; the apps that react to the domain
delete their own rows about them (report rows and PDF files, alarm notices, webhook
deliveries, stored API responses) through `patient_erasing`; Django's admin log entries of the
domain's rows go too (`admin_history_delete`). The audit trail is not touched: its events name
ids only, and one more event records the erasure with counts, never a name. Everything happens
in one transaction: either all of it or nothing.

It is refused while the clinic's retention period holds the records (`erasure_refusal`), and
only a clinic admin, a read-write API client of the clinic that a clinic admin allowed to erase
(`ApiClient.can_erase`) or the retention sweep erases.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Model, TextChoices
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.links import Links
from clinic.models import ApiClient, Invitation, Patient, User
from clinic.retention import (
    ClinicRetentionDue,
    expired_drafts_purge,
    patients_past_retention,
    retention_refusal,
)
from screening.models import ERASURE_SETTING, Intake, NoteRevision, Screening
from screening.signals import patient_erasing

logger = logging.getLogger(__name__)


class ErasureReason(TextChoices):
    """Why a patient was erased: recorded in the audit event (never free text, which could
    name the patient in a trail that outlives them)."""

    PATIENT_REQUEST = "patient_request", "The patient asked for their data to be erased"
    RECORDED_IN_ERROR = "recorded_in_error", "Recorded by mistake (a duplicate, a test)"
    RETENTION = "retention", "The clinic's retention period ended"


# The reasons a person may give (the retention sweep gives its own).
REQUESTED_REASONS = [
    (reason.value, reason.label)
    for reason in ErasureReason
    if reason is not ErasureReason.RETENTION
]


class ErasureRefused(Exception):
    """The clinic's retention period still holds the patient's records; nothing was deleted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ErasedRecords:
    """The ids of what an erasure deletes, for the apps that hold rows about them."""

    patient_id: int
    clinic_id: int
    intake_ids: frozenset[int]
    screening_ids: frozenset[int]
    invitation_ids: frozenset[int]

    def mentioned_in(self, data: Any) -> bool:
        """Whether JSON data (a stored response, an event payload) is about these records: a
        `patient`, `intake` or `screening` member holding one of their ids, the patient's own
        body (an `id` beside an `external_id`), or a link to one of them, at any depth."""
        paths = self.link_paths()
        pending = [data]
        while pending:
            value = pending.pop()
            if isinstance(value, dict):
                if (
                    is_one_of(value.get("patient"), {self.patient_id})
                    or is_one_of(value.get("intake"), self.intake_ids)
                    or is_one_of(value.get("screening"), self.screening_ids)
                    or ("external_id" in value and is_one_of(value.get("id"), {self.patient_id}))
                ):
                    return True
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
            elif isinstance(value, str) and urlsplit(value).path in paths:
                return True
        return False

    def mentioned_in_json(self, text: str) -> bool:
        """`mentioned_in` of JSON text (a stored response body, a webhook payload); text that
        is not JSON mentions nothing."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return False
        return self.mentioned_in(data)

    def search_texts(self) -> list[str]:
        """Texts of which JSON mentioning the records (`mentioned_in`) holds at least one: the
        id members (compact or with a space; `"screening":12` also finds 120) and the link
        paths. A database narrows stored JSON to the rows holding one; `mentioned_in` decides."""
        members = [("patient", self.patient_id), ("id", self.patient_id)]
        members += [("intake", pk) for pk in sorted(self.intake_ids)]
        members += [("screening", pk) for pk in sorted(self.screening_ids)]
        texts = [f'"{name}"{colon}{pk}' for name, pk in members for colon in (":", ": ")]
        return texts + sorted(self.link_paths())

    def link_paths(self) -> set[str]:
        """The paths of every API resource of these records (`clinic.links.Links`)."""
        paths = Links("")
        found = {paths.patient(self.patient_id)}
        for pk in self.intake_ids:
            found |= {paths.intake(pk), paths.questionnaire_response(pk)}
        for pk in self.screening_ids:
            found |= {
                paths.screening(pk),
                paths.report(pk),
                paths.risk_assessment(pk),
                paths.of("api:screening-report-pdf", pk),
            }
        return found


def is_one_of(value: Any, ids: Collection[int]) -> bool:
    # JSON's true is Python's 1: a flag is never an id.
    return isinstance(value, int) and not isinstance(value, bool) and value in ids


@dataclass(frozen=True)
class Erasure:
    """What one erasure removed: the patient's id and counts (`{what: how many}`)."""

    patient_id: int
    clinic_id: int
    counts: dict[str, int]

    @property
    def summary(self) -> str:
        return ", ".join(f"{count} {what}" for what, count in self.counts.items() if count)


def erasure_refusal(*, patient: Patient, now: datetime | None = None) -> str | None:
    """Why the patient cannot be erased now (`clinic.retention.retention_refusal`: the
    retention period holds the records, naming the last day held and the first day erasure is
    allowed), or None."""
    return retention_refusal(patient=patient, now=now)


def erasure_permitted(
    *, patient: Patient, by_user: User | None, by_client: ApiClient | None
) -> None:
    """PermissionDenied unless a clinic admin or a read-write client of the patient's clinic
    allowed to erase (`ApiClient.can_erase`) erases; neither means the system (the retention
    sweep)."""
    if by_user is not None and not by_user.is_clinic_admin_of(patient.clinic_id):
        raise PermissionDenied("Only a clinic admin of the patient's clinic can erase a patient.")
    if by_client is not None and not (
        by_client.can_write and by_client.is_active and by_client.clinic_id == patient.clinic_id
    ):
        raise PermissionDenied("Only a read-write API client of the clinic can erase a patient.")
    if by_client is not None and not by_client.can_erase:
        raise PermissionDenied(
            "This API client may not erase patients: a clinic admin can allow it "
            "('can erase patients' of the API client, in the admin)."
        )


def patient_erase(
    *,
    patient: Patient,
    reason: str,
    by_user: User | None = None,
    by_client: ApiClient | None = None,
    now: datetime | None = None,
) -> Erasure:
    """Erase the patient and everything about them, in one transaction, audited.

    Raises ErasureRefused while the retention period holds the records, PermissionDenied for
    anyone but a clinic admin or a read-write client of the clinic allowed to erase, and
    Patient.DoesNotExist
    when the patient was erased meanwhile. The patient's row is locked first, so an intake
    arriving at the same time waits and then fails rather than being left without a patient.
    """
    erasure_permitted(patient=patient, by_user=by_user, by_client=by_client)
    reason = ErasureReason(reason).value
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(
            pk=patient.pk, clinic_id=patient.clinic_id
        )
        refusal = erasure_refusal(patient=patient, now=now)
        if refusal is not None:
            raise ErasureRefused(refusal)
        with erasure_deletes_allowed():
            counts = patient_records_delete(patient=patient, reason=reason)
        erasure = Erasure(patient_id=patient.pk, clinic_id=patient.clinic_id, counts=counts)
        audit_record(
            clinic=patient.clinic_id,
            action=AuditEvent.Action.ERASE,
            object_type="patient",
            object_id=patient.pk,
            user=by_user,
            api_client=by_client,
            detail=f"{reason}: {erasure.summary}",
        )
    logger.info(
        "patient %s of clinic %s erased (%s): %s",
        erasure.patient_id,
        erasure.clinic_id,
        reason,
        erasure.summary,
    )
    return erasure


def patient_records_delete(*, patient: Patient, reason: str) -> dict[str, int]:
    """Delete the patient's rows, the reacting apps' first (they point at these); counts."""
    intake_ids = list(Intake.objects.filter(patient=patient).values_list("pk", flat=True))
    screening_ids = list(Screening.objects.filter(patient=patient).values_list("pk", flat=True))
    invitation_ids = list(patient.invitations.values_list("pk", flat=True))
    revision_ids = list(
        NoteRevision.objects.filter(screening_id__in=screening_ids).values_list("pk", flat=True)
    )
    records = ErasedRecords(
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        intake_ids=frozenset(intake_ids),
        screening_ids=frozenset(screening_ids),
        invitation_ids=frozenset(invitation_ids),
    )
    counts: dict[str, int] = {}
    responses: list[tuple[Any, Any]] = patient_erasing.send(
        sender=Patient, records=records, reason=reason
    )
    for _, removed in responses:
        for what, count in (removed or {}).items():
            counts[what] = counts.get(what, 0) + count
    counts["admin history entries"] = counts.get("admin history entries", 0) + sum(
        admin_history_delete(model, ids)
        for model, ids in [
            (Patient, [patient.pk]),
            (Invitation, invitation_ids),
            (Intake, intake_ids),
            (Screening, screening_ids),
            (NoteRevision, revision_ids),
        ]
    )
    counts["invitations"] = Invitation.objects.filter(pk__in=invitation_ids).delete()[0]
    counts["note revisions"] = NoteRevision.objects.filter(pk__in=revision_ids).delete()[0]
    counts["screenings"] = Screening.objects.filter(pk__in=screening_ids).delete()[0]
    counts["intakes"] = Intake.objects.filter(pk__in=intake_ids).delete()[0]
    Patient.objects.filter(pk=patient.pk).delete()
    return counts


def admin_history_delete(model: type[Model], ids: list[Any]) -> int:
    """Delete Django's admin log entries of these rows; how many.

    The admin writes none any more (`clinic.admin_log`) and migration clinic/0010 deleted
    those about patient data written before; an entry written otherwise (`LogEntry.objects.log_action` in a
    shell, an admin of a third-party app) would name the row as `str()` shows it: a patient's
    name. Only the domain's rows: those of reports and alarm notices name ids only.
    """
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    entries = LogEntry.objects.filter(
        content_type=content_type, object_id__in=[str(pk) for pk in ids]
    )
    return entries.delete()[0]


@contextmanager
def erasure_deletes_allowed() -> Iterator[None]:
    """Within the block, this transaction may DELETE stored intakes, screenings and note
    revisions, which the triggers of `screening.models.results_immutable` refuse otherwise.

    Hand-written, because the ORM cannot set a PostgreSQL setting: `set_config(..., true)` is
    local to the transaction (undone by its rollback or a savepoint's), switched off again
    when the block ends. `pgtrigger.ignore()` cannot serve: statements are prepared on the
    server (DATABASE_PREPARED_STATEMENTS). On other databases no trigger refuses the DELETE.
    """
    connection = connections[router.db_for_write(Intake)]
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("erasure_deletes_allowed needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [ERASURE_SETTING])
    yield
    # Not reached when the block raised: the transaction (or savepoint) rolls back the setting.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', true)", [ERASURE_SETTING])


# The retention sweep (the daily task `clinic.tasks.retention_sweep_task`)


@dataclass(frozen=True)
class ClinicRetentionErased:
    """The patients of one clinic erased at the end of its retention period, and those that
    were due but not erased (an intake arrived meanwhile, or the database refused)."""

    clinic_id: int
    retention_days: int
    erased_ids: list[int]
    not_erased_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class RetentionSweep:
    clinics: list[ClinicRetentionErased]
    drafts_purged: int

    @property
    def patients_erased(self) -> int:
        return sum(len(clinic.erased_ids) for clinic in self.clinics)


def retention_sweep(*, now: datetime | None = None) -> RetentionSweep:
    """Erase every patient past their clinic's retention period (by the system, each in a
    transaction of its own, audited) and empty the drafts of expired invitations. Logs counts
    only; returns what it removed, per clinic."""
    now = now or timezone.now()
    drafts_purged = expired_drafts_purge(now=now)
    clinics = [clinic_retention_erase(due, now) for due in patients_past_retention(now=now)]
    sweep = RetentionSweep(clinics=clinics, drafts_purged=drafts_purged)
    logger.info(
        "retention sweep: %d clinics with a retention period, %d patients erased past it, %d "
        "drafts of expired invitations purged",
        len(sweep.clinics),
        sweep.patients_erased,
        sweep.drafts_purged,
    )
    return sweep


def clinic_retention_erase(due: ClinicRetentionDue, now: datetime) -> ClinicRetentionErased:
    clinic_id, retention_days = due.clinic_id, due.retention_days
    if due.stored_days < retention_days:
        logger.warning(
            "retention: clinic %s stores %d days, under RETENTION_MIN_DAYS: kept %d days",
            clinic_id,
            due.stored_days,
            retention_days,
        )
    erased, not_erased = [], []
    patients = Patient.objects.filter(clinic_id=clinic_id, pk__in=due.patient_ids).order_by("pk")
    for patient in patients:
        try:
            patient_erase(patient=patient, reason=ErasureReason.RETENTION, now=now)
        except (ErasureRefused, Patient.DoesNotExist, DatabaseError) as error:
            # Held again by a new intake, erased meanwhile, or refused by the database: the
            # next sweep looks again. The error's class only: its text may hold row values.
            logger.warning(
                "retention: patient %s of clinic %s not erased (%s)",
                patient.pk,
                clinic_id,
                type(error).__name__,
            )
            not_erased.append(patient.pk)
        else:
            erased.append(patient.pk)
    if erased or not_erased:
        logger.info(
            "retention: clinic %s: %d patients erased past its %d days, %d not erased",
            clinic_id,
            len(erased),
            retention_days,
            len(not_erased),
        )
    return ClinicRetentionErased(clinic_id, retention_days, erased, not_erased)
