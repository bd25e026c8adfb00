"""The audit trail in the API: one event, with who acted named."""

from __future__ import annotations

from rest_framework import serializers

from audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    user_name = serializers.CharField(source="user.username", default="", read_only=True)
    api_client_name = serializers.CharField(source="api_client.name", default="", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "action",
            "object_type",
            "object_id",
            "user",
            "user_name",
            "api_client",
            "api_client_name",
            "detail",
            "address",
            "user_agent",
            "previous_hash",
            "hash",
        ]
        read_only_fields = fields
