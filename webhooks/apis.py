"""API endpoints of webhooks: a clinic admin's endpoints and their deliveries."""

from __future__ import annotations

import secrets
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.views import ClinicAPIView, IdempotentCreateMixin
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)


@extend_schema_view(
    get=extend_schema(summary="List the clinic's webhook endpoints", tags=["webhooks"]),
    post=extend_schema(
        summary="Register a webhook endpoint",
        description=(
            "Events are POSTed as JSON, retried with backoff, and signed by the Standard "
            "Webhooks scheme (https://www.standardwebhooks.com): `Webhook-Id` (the event id, "
            "the same on every attempt: deduplicate by it), `Webhook-Timestamp` (Unix "
            "seconds) and `Webhook-Signature: v1,<base64 HMAC-SHA256 of "
            "id.timestamp.body>`. Verify with a Standard Webhooks library, which refuses "
            "timestamps older than five minutes (replays); the key is the endpoint secret's "
            "UTF-8 bytes (`Webhook(secret.encode())` in Python; `whsec_` + base64 of the "
            "secret for libraries that take only that form). Deprecated, for one more "
            "release: endpoints registered before the scheme keep the body-only "
            "`Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` "
            "(`signature_scheme: legacy`) until a PATCH sets `standard`."
        ),
        request=WebhookEndpointSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
    ),
)
class WebhookEndpointListApi(IdempotentCreateMixin, ClinicAPIView, generics.ListCreateAPIView):
    serializer_class = WebhookEndpointSerializer
    read_requires_clinic_admin = True
    write_requires_clinic_admin = True

    def base_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.all()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        endpoint = incoming.save(clinic_id=self.principal.clinic_id, secret=new_webhook_secret())
        body = WebhookEndpointCreatedSerializer(endpoint, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@extend_schema_view(
    get=extend_schema(summary="Read a webhook endpoint", tags=["webhooks"]),
    put=extend_schema(summary="Replace a webhook endpoint's settings", tags=["webhooks"]),
    patch=extend_schema(summary="Change a webhook endpoint (e.g. pause it)", tags=["webhooks"]),
    delete=extend_schema(summary="Remove a webhook endpoint", tags=["webhooks"]),
)
class WebhookEndpointDetailApi(ClinicAPIView, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = WebhookEndpointSerializer
    read_requires_clinic_admin = True
    write_requires_clinic_admin = True

    def base_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.all()


@extend_schema(
    summary="The deliveries to a webhook endpoint, newest first",
    responses={200: WebhookDeliverySerializer(many=True)},
    tags=["webhooks"],
)
class WebhookDeliveryListApi(ClinicAPIView, generics.ListAPIView):
    serializer_class = WebhookDeliverySerializer
    read_requires_clinic_admin = True

    queryset = WebhookDelivery.objects.none()  # for the schema: the model of the rows

    def base_queryset(self) -> QuerySet[WebhookDelivery]:
        return WebhookDelivery.objects.filter(endpoint_id=self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # An endpoint of another clinic is not found, rather than an empty list.
        scoped_endpoints = WebhookEndpoint.objects.filter(clinic_id=self.principal.clinic_id)
        if not scoped_endpoints.filter(pk=self.kwargs["pk"]).exists():
            raise NotFound()
        return super().list(request, *args, **kwargs)
