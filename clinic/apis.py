"""The API's base views (deny by default, clinic-scoped) and the patient, invitation and
webhook endpoints."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from clinic.authentication import (
    ApiClientAuthentication,
    PrincipalRateThrottle,
    StaffSessionAuthentication,
)
from clinic.idempotency import idempotent_response
from clinic.models import AuditEvent, Invitation, Patient, WebhookDelivery, WebhookEndpoint
from clinic.permissions import ClinicPermission, ClinicScopedMixin, Principal
from clinic.serializers import (
    ApiCursorPagination,
    ApiJSONRenderer,
    InvitationCreateSerializer,
    InvitationSerializer,
    PatientSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)
from clinic.services import audit_record, invitation_create, patient_create, patient_update


class PlainAPIView(APIView):
    """Every API view: authenticated, clinic-scoped permission, throttled per caller, JSON only.

    Set explicitly here as well as in the settings, so that no view depends on defaults. Used
    as is by views over no rows (instrument definitions, FHIR), and under ClinicAPIView.
    """

    authentication_classes = [ApiClientAuthentication, StaffSessionAuthentication]
    permission_classes = [ClinicPermission]
    throttle_classes = [PrincipalRateThrottle]
    parser_classes = [JSONParser]
    renderer_classes = [ApiJSONRenderer]
    # No OPTIONS self-description (405): the OpenAPI schema describes the API.
    metadata_class = None


PAGINATION_PARAMETERS = {"cursor", "page_size"}


class ClinicAPIView(ClinicScopedMixin, generics.GenericAPIView, PlainAPIView):
    """A view over rows of the caller's clinic (see ClinicScopedMixin)."""

    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend]
    # The object type recorded in the audit trail for reads, or "" when no patient data.
    audit_object_type = ""

    def audit(self, action: str, object_ids: Iterable[Any], *, detail: str = "") -> None:
        audit_reads(self.principal, action, self.audit_object_type, object_ids, detail=detail)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Without filter parameters there is nothing to filter: skip building the filter form.
        if not set(self.request.query_params) - PAGINATION_PARAMETERS:
            return queryset
        return super().filter_queryset(queryset)


def audit_reads(
    principal: Principal,
    action: str,
    object_type: str,
    object_ids: Iterable[Any],
    *,
    detail: str = "",
) -> None:
    """Record a read of patient data: one event per object, or one event for a list.

    A list's event names every row it showed, compactly (`ids 120-96,90`), so its cost does not
    grow with the page; should the ids not fit, it names the first and last and the count.
    """
    ids = [int(object_id) for object_id in object_ids]
    if not ids:
        return
    if action == AuditEvent.Action.LIST or len(ids) > 1:
        object_id, detail = "", (detail + " " if detail else "") + list_detail(ids)
    else:
        object_id = str(ids[0])
    audit_record(
        clinic=principal.clinic_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        user=principal.user,
        api_client=principal.client,
        detail=detail,
    )


AUDIT_DETAIL_LENGTH = 200


def list_detail(ids: list[int]) -> str:
    """`25 rows: ids 120-96` - runs of consecutive ids collapsed, within the detail's length."""
    runs: list[list[int]] = []
    for object_id in ids:
        if (
            runs
            and abs(object_id - runs[-1][-1]) == 1
            and (len(runs[-1]) == 1 or object_id - runs[-1][-1] == runs[-1][-1] - runs[-1][-2])
        ):
            runs[-1].append(object_id)
        else:
            runs.append([object_id])
    listed = ",".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
    text = f"{len(ids)} rows: ids {listed}"
    if len(text) <= AUDIT_DETAIL_LENGTH:
        return text
    return f"{len(ids)} rows: ids {ids[0]} .. {ids[-1]} (not all listed)"


class IdempotentCreateMixin:
    """POST is safe to retry with an Idempotency-Key header."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent_response(
            request,
            lambda: self.create(request, *args, **kwargs),  # type: ignore[attr-defined]
            self.handle_exception,  # type: ignore[attr-defined]
        )


# Patients


class PatientFilter(django_filters.FilterSet):
    external_id = django_filters.CharFilter(
        field_name="external_id", help_text="The id used by the practice's other systems (exact)."
    )
    name = django_filters.CharFilter(
        method="filter_name",
        max_length=200,
        help_text="Words found in the given or family name (case-insensitive).",
    )

    class Meta:
        model = Patient
        fields = ["external_id", "name"]

    def filter_name(self, queryset: QuerySet[Patient], name: str, value: str) -> QuerySet[Patient]:
        for word in value.split()[:5]:
            queryset = queryset.filter(
                Q(given_name__icontains=word) | Q(family_name__icontains=word)
            )
        return queryset


@extend_schema_view(
    get=extend_schema(summary="List or search the clinic's patients", tags=["patients"]),
    post=extend_schema(summary="Create a patient", tags=["patients"]),
)
class PatientListApi(IdempotentCreateMixin, ClinicAPIView, generics.ListCreateAPIView):
    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    audit_object_type = "patient"

    def base_queryset(self) -> QuerySet[Patient]:
        return Patient.objects.all()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        self.audit(AuditEvent.Action.LIST, (patient.pk for patient in page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        patient = patient_create(clinic=self.principal.clinic, **serializer.validated_data)
        serializer.instance = patient
        self.audit(AuditEvent.Action.CREATE, [patient.pk])


@extend_schema_view(
    get=extend_schema(summary="Read a patient", tags=["patients"]),
    put=extend_schema(summary="Replace a patient's details", tags=["patients"]),
    patch=extend_schema(summary="Change some of a patient's details", tags=["patients"]),
)
class PatientDetailApi(ClinicAPIView, generics.RetrieveUpdateAPIView):
    serializer_class = PatientSerializer
    audit_object_type = "patient"

    def base_queryset(self) -> QuerySet[Patient]:
        return Patient.objects.all()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_object()
        self.audit(AuditEvent.Action.READ, [patient.pk])
        return Response(self.get_serializer(patient).data)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert isinstance(serializer.instance, Patient)
        patient_update(patient=serializer.instance, **serializer.validated_data)
        self.audit(AuditEvent.Action.UPDATE, [serializer.instance.pk])


# Invitations


@extend_schema(
    summary="Invite a patient to the intake form",
    description=(
        "Creates a private intake link for the patient. The link is in this response only: "
        "only its hash is stored."
    ),
    request=InvitationCreateSerializer,
    responses={201: InvitationSerializer},
    tags=["invitations"],
)
class InvitationCreateApi(IdempotentCreateMixin, ClinicAPIView):
    audit_object_type = "invitation"

    def base_queryset(self) -> QuerySet[Invitation]:
        return Invitation.objects.all()

    def create(self, request: Request) -> Response:
        incoming = InvitationCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        principal = self.principal
        invitation, token = invitation_create(
            patient=incoming.validated_data["patient"],
            created_by=principal.user,
            ttl_days=incoming.validated_data.get("ttl_days"),
        )
        self.audit(AuditEvent.Action.CREATE, [invitation.pk])
        body = InvitationSerializer(invitation, context={"request": request, "token": token})
        return Response(body.data, status=status.HTTP_201_CREATED)


# Webhook endpoints (clinic settings: managed by clinic admins and read-write clients)


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
