"""API endpoints of the tenants: patients and their private intake links."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q, QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from api.errors import ErrorSerializer
from api.views import ClinicAPIView, IdempotentCreateMixin
from audit.models import AuditEvent
from clinic.models import Invitation, Patient
from clinic.serializers import InvitationCreateSerializer, InvitationSerializer, PatientSerializer
from clinic.services import invitation_create, patient_create, patient_update
from screening.erasure import (
    REQUESTED_REASONS,
    ErasureReason,
    ErasureRefused,
    erasure_permitted,
    patient_erase,
)


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
    delete=extend_schema(
        summary="Erase a patient",
        description=(
            "Erases the patient and everything held about them: details, invitations, "
            "intakes, screenings, notes, reports and their PDFs, alarm notices, webhook "
            "deliveries and stored responses about them. The audit trail keeps its events "
            "(ids only) and records the erasure. Refused with 409 while the clinic's "
            "retention period holds the records (`detail` names the last day held and the "
            "first day erasure is allowed). For clinic admins' sessions and read-write API "
            "clients that a clinic admin allowed to erase patients (`can erase patients` of "
            "the API client, in the admin); any other client is refused with 403."
        ),
        parameters=[
            OpenApiParameter(
                "reason",
                str,
                OpenApiParameter.QUERY,
                enum=[value for value, _ in REQUESTED_REASONS],
                description="Why (default `patient_request`): "
                + "; ".join(f"`{value}`: {label}" for value, label in REQUESTED_REASONS),
            )
        ],
        responses={
            204: OpenApiResponse(description="Erased."),
            403: OpenApiResponse(
                ErrorSerializer,
                description="Not a clinic admin, or an API client not allowed to erase "
                "patients (`detail` says which); nothing was erased.",
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="The clinic's retention period still holds the patient's "
                "records (code `erasure_held`); nothing was erased.",
            ),
        },
        tags=["patients"],
    ),
)
class PatientDetailApi(ClinicAPIView, generics.RetrieveUpdateDestroyAPIView):
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

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_object()
        principal = self.principal
        try:
            erasure_permitted(patient=patient, by_user=principal.user, by_client=principal.client)
        except DjangoPermissionDenied as refused:
            raise exceptions.PermissionDenied(str(refused)) from None
        reason = request.query_params.get("reason", ErasureReason.PATIENT_REQUEST)
        if reason not in dict(REQUESTED_REASONS):
            raise exceptions.ValidationError(
                {"reason": [f"Must be one of: {', '.join(dict(REQUESTED_REASONS))}."]}
            )
        try:
            # Audited by the service, with the erasure.
            patient_erase(
                patient=patient, reason=reason, by_user=principal.user, by_client=principal.client
            )
        except ErasureRefused as refused:
            raise ErasureHeld(refused.reason) from None
        except Patient.DoesNotExist:  # erased by another request since the look-up
            raise exceptions.NotFound() from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ErasureHeld(exceptions.APIException):
    status_code = 409
    default_detail = "The clinic's retention period still holds the patient's records."
    default_code = "erasure_held"


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
