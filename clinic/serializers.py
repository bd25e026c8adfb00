"""API serializers for patients, invitations and webhook endpoints; pre-rendered JSON bodies.

Fields are listed explicitly; the clinic is never a field (it is the caller's), ids and
timestamps are read-only.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from clinic.models import Invitation, Patient, WebhookDelivery, WebhookEndpoint
from clinic.permissions import ClinicScopedPrimaryKeyField, request_principal


class RawJSON:
    """A response body that is already JSON text (stored documents are served as stored)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class ApiJSONRenderer(JSONRenderer):
    """DRF's JSON renderer that passes RawJSON through untouched."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, RawJSON):
            return data.text.encode()
        return super().render(data, accepted_media_type, renderer_context)


def json_text(data: Any) -> str:
    """Compact JSON text of response data, as the renderer would write it."""
    if isinstance(data, RawJSON):
        return data.text
    return json.dumps(data, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


class ApiCursorPagination(CursorPagination):
    """Newest first by id (unique, indexed: no offsets), 25 a page, at most 100."""

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Any) -> int:
        # Strict: a wrong page size is an error, not silently the default.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Rows per page: 1 to {self.max_page_size}, default 25."
        return parameters

    def get_raw_paginated_response(self, items_json: list[str]) -> Response:
        """The page envelope around items that are already JSON text."""
        next_link = _json_string(self.get_next_link())
        previous_link = _json_string(self.get_previous_link())
        results = ",".join(items_json)
        envelope = RawJSON(
            f'{{"next":{next_link},"previous":{previous_link},"results":[{results}]}}'
        )
        return Response(envelope)


def _json_string(value: str | None) -> str:
    return "null" if value is None else json.dumps(value)


class PatientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = [
            "id",
            "external_id",
            "given_name",
            "family_name",
            "birth_date",
            "email",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_external_id(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.", code="blank")
        principal = request_principal(self.context["request"])
        taken = Patient.objects.filter(clinic_id=principal.clinic_id)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.filter(external_id=value).exists():
            raise serializers.ValidationError(
                "A patient with this external id already exists.", code="unique"
            )
        return value

    def validate_birth_date(self, value: date | None) -> date | None:
        if value is not None and (value > timezone.localdate() or value.year < 1900):
            raise serializers.ValidationError(
                "Must be a date between 1900-01-01 and today.", code="out_of_range"
            )
        return value


class InvitationCreateSerializer(serializers.Serializer):
    patient = ClinicScopedPrimaryKeyField(model=Patient, help_text="The patient's id.")
    ttl_days = serializers.IntegerField(
        min_value=1,
        max_value=90,
        required=False,
        help_text="Days until the link expires (default: the clinic's setting).",
    )


class InvitationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The private intake link; shown only once.")

    class Meta:
        model = Invitation
        fields = ["id", "patient", "url", "expires_at", "created_at"]
        read_only_fields = fields

    def get_url(self, invitation: Invitation) -> str:
        return self.context["request"].build_absolute_uri(f"/intake/{self.context['token']}/")


class WebhookUrlRefused(ValueError):
    """Why a URL may not receive webhooks; the message is the one the client is shown."""


def webhook_url_problem(url: str) -> str | None:
    """Why `url` may not receive webhooks, or None (with DEBUG on, the host is not looked up)."""
    try:
        webhook_address(url, look_up=not settings.DEBUG)
    except WebhookUrlRefused as refusal:
        return str(refusal)
    return None


def webhook_address(url: str, *, look_up: bool = True) -> str:
    """The IP address a delivery to `url` connects to, vetted ("" without `look_up`).

    HTTPS only, and never a loopback, private or link-local address (the worker must not be
    turned against the internal network); both are allowed when DEBUG is on, for local work.
    The host is looked up once and every address it answers is vetted; the delivery then
    connects to the address returned, because a second lookup by name could answer
    differently (DNS rebinding). Raises WebhookUrlRefused.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" and not (settings.DEBUG and parts.scheme == "http"):
        raise WebhookUrlRefused("Webhook endpoints must use https.")
    if parts.username or parts.password:
        raise WebhookUrlRefused("Credentials in the URL are not allowed; use the signing secret.")
    if not look_up:
        return ""
    try:
        answers = socket.getaddrinfo(
            parts.hostname or "", parts.port or 443, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        raise WebhookUrlRefused("The host name does not resolve.") from None
    addresses = [str(answer[4][0]) for answer in answers]
    if not settings.DEBUG and not all(
        ipaddress.ip_address(address.split("%", 1)[0]).is_global for address in addresses
    ):
        raise WebhookUrlRefused("The host must be a public internet address.")
    return addresses[0]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEndpoint.Event.choices),
        required=False,
        max_length=len(WebhookEndpoint.Event.choices),
        help_text="Event types to deliver; empty or omitted: all.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "signature_scheme", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "signature_scheme": {
                "help_text": "How deliveries are signed in `Webhook-Signature`: `standard` "
                "(Standard Webhooks, the default) or `legacy` (`sha256=<hex HMAC of the body>`, "
                "kept for endpoints registered before, removed in the next release)."
            }
        }

    def validate_url(self, value: str) -> str:
        problem = webhook_url_problem(value)
        if problem:
            raise serializers.ValidationError(problem, code="url_not_allowed")
        return value

    def validate_events(self, value: list[str]) -> list[str]:
        return [event for event, _ in WebhookEndpoint.Event.choices if event in value]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=(
            "The signing secret, shown only in this response. Deliveries are signed by the "
            "Standard Webhooks scheme with its UTF-8 bytes as the key (see the registration)."
        ),
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields
