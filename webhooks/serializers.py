"""API serializers of webhook endpoints and their deliveries."""

from __future__ import annotations

from rest_framework import serializers

from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.targets import webhook_url_problem


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
