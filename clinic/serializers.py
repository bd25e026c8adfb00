"""API serializers of the tenants: patients and invitations.

Fields are listed explicitly; the clinic is never a field (it is the caller's), ids and
timestamps are read-only.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from rest_framework import serializers

from api.permissions import ClinicScopedPrimaryKeyField, request_principal
from clinic.links import Links
from clinic.models import Invitation, Patient


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
        return Links.for_request(self.context["request"]).intake_form(self.context["token"])
