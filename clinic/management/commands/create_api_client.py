"""Create (or revoke) a machine client of a clinic's API; the token is printed once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinic.models import ApiClient, Clinic
from clinic.services import api_client_create, api_client_revoke


class Command(BaseCommand):
    help = (
        "Create an API client for a clinic and print its bearer token (shown only once; only "
        "its hash is stored), or revoke one with --revoke."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="The clinic's slug.")
        parser.add_argument("--name", required=True, help="A name for the client system.")
        parser.add_argument(
            "--scope",
            choices=[choice for choice, _ in ApiClient.Scope.choices],
            default=ApiClient.Scope.READ,
            help="read (default) or read_write.",
        )
        parser.add_argument(
            "--revoke", action="store_true", help="Revoke the client of this name instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"No clinic with slug {options['clinic']!r}.")
        if options["revoke"]:
            client = ApiClient.objects.filter(clinic=clinic, name=options["name"]).first()
            if client is None:
                raise CommandError(f"No API client named {options['name']!r} in {clinic.slug}.")
            api_client_revoke(client=client)
            self.stdout.write(f"Revoked API client {client.name!r} ({client.token_prefix}...).")
            return
        try:
            client, token = api_client_create(
                clinic=clinic, name=options["name"], scope=options["scope"]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stderr.write(
            f"Created API client {client.name!r} of {clinic.slug} with scope {client.scope}. "
            "The token follows; it is shown only this once."
        )
        self.stdout.write(token)
