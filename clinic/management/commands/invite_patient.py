"""`manage.py invite_patient --clinic SLUG --patient EXTERNAL_ID`: a private intake link.

Prints the link, and emails it with `--email` when the patient has an email address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.invitations import invitation_send, invitation_url
from clinic.models import Clinic
from clinic.selectors import patient_of_clinic
from clinic.services import invitation_create


class Command(BaseCommand):
    help = "Create a private intake-form link for a patient, print it and optionally email it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="The clinic's slug.")
        parser.add_argument("--patient", required=True, help="The patient's external id.")
        parser.add_argument(
            "--email", action="store_true", help="Also email the link to the patient."
        )
        parser.add_argument(
            "--days", type=int, default=None, help="Days the link works (default: the setting)."
        )
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "PUBLIC_BASE_URL", "http://localhost:8000"),
            help="Where patients reach the site, e.g. https://intake.example.org.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        patient = patient_of_clinic(clinic.pk if clinic else None, external_id=options["patient"])
        if patient is None:
            raise CommandError("No such patient in that clinic.")
        if options["days"] is not None and options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        invitation, token = invitation_create(patient=patient, ttl_days=options["days"])
        audit_record(
            clinic=patient.clinic,
            action=AuditEvent.Action.CREATE,
            object_type="invitation",
            object_id=invitation.pk,
            detail="created with manage.py invite_patient",
        )
        self.stdout.write(invitation_url(token=token, base_url=options["base_url"]))
        if not options["email"]:
            return
        if not patient.email:
            self.stderr.write("The patient has no email address: the link was not emailed.")
            return
        invitation_send(invitation=invitation, token=token, base_url=options["base_url"])
        self.stderr.write("The link was emailed to the patient.")
