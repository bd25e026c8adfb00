"""`manage.py audit_verify [--clinic SLUG]`: walks each clinic's audit chain, names the first break."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from audit.chain import CHAINED_FIELDS, first_broken_link
from audit.models import AuditEvent
from clinic.models import Clinic


class Command(BaseCommand):
    help = "Verify the audit trail's hash chains; exit status 1 at the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="the clinic's slug (default: every clinic)")

    def handle(self, *args: Any, clinic: str | None = None, **options: Any) -> None:
        if clinic is not None:
            chosen = Clinic.objects.filter(slug=clinic).values_list("pk", flat=True).first()
            if chosen is None:
                raise CommandError(f"--clinic: no clinic with the slug {clinic!r}")
            chains: list[int | None] = [chosen]
        else:
            # Every clinic with events, and the chain of sign-in events of no clinic.
            chains = list(
                AuditEvent.objects.order_by().values_list("clinic_id", flat=True).distinct()
            )
        checked = 0
        for clinic_id in chains:
            of_chain = Q(clinic__isnull=True) if clinic_id is None else Q(clinic_id=clinic_id)
            rows = (
                AuditEvent.objects.filter(of_chain)
                .order_by("id")
                .values("id", "previous_hash", "hash", *CHAINED_FIELDS)
                .iterator(chunk_size=5000)
            )
            # Closed at once when a broken link stops the walk: on PostgreSQL the rows come
            # from a server-side cursor, which must not outlive its transaction.
            with closing(rows):
                broken, count = first_broken_link(rows)
            checked += count
            if broken is not None:
                raise CommandError(
                    f"broken link: audit event {broken['id']} of clinic {clinic_id} "
                    "does not match the chain (changed, or a row before it removed)",
                    returncode=1,
                )
        self.stdout.write(f"ok: {checked} audit events checked")
