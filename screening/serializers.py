"""API representations of intakes and screenings (instrument definitions:
`screening.instrument_serializers`).

A screening is served as its stored result document (`Screening.result_json`, the exact text
stored when it was scored) inside a small envelope of ids and links: the text is embedded as
it is (an `orjson.Fragment`), never parsed and re-serialised. The serializers for screenings
document that shape for the schema; the body comes from `screening_body`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.permissions import ClinicScopedPrimaryKeyField
from api.renderers import RawJSON
from clinic.links import Links
from clinic.models import Patient
from screening.models import AlarmAction, Intake

SCREENING_ROW_FIELDS = (
    "id",
    "patient_id",
    "intake_id",
    "completed_on",
    "engine",
    "overall",
    "refer_first",
    "created_at",
    "reviewed_at",
    "alarm_ack_action",
    "alarm_ack_note",
    "alarm_ack_at",
    "alarm_ack_by_name",
    "result_json",
)
OVERALL_CHOICES = ["none", "isolated", "multi_domain"]
BAND_CHOICES = ["minimal", "mild", "moderate", "marked"]


def timestamp(value: datetime | None) -> str | None:
    """An ISO 8601 timestamp as DRF writes it (UTC as Z)."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def screening_body(row: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """One screening (a row of SCREENING_ROW_FIELDS): ids, dates, links, then the result.

    The result is the stored text (`result_json`), embedded as it is, never parsed and written
    again: the body carries the document byte for byte as it was stored.
    """
    return {
        "id": row["id"],
        "patient": row["patient_id"],
        "intake": row["intake_id"],
        "completed_on": row["completed_on"],
        "engine": row["engine"],
        "overall": row["overall"],
        "refer_first": row["refer_first"],
        "created_at": row["created_at"],
        "reviewed_at": row["reviewed_at"],
        "alarm_acknowledgement": alarm_acknowledgement(row),
        "links": {
            "self": links.screening(row["id"]),
            "patient": links.patient(row["patient_id"]),
            "intake": links.intake(row["intake_id"]),
            "report": links.report(row["id"]),
            "fhir": links.risk_assessment(row["id"]),
        },
        "result": orjson.Fragment(row["result_json"]),
    }


def alarm_acknowledgement(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """What was done about a screening's alarm features, by whom and when; None until then."""
    if row["alarm_ack_at"] is None:
        return None
    return {
        "action": row["alarm_ack_action"],
        "note": row["alarm_ack_note"],
        "by": row["alarm_ack_by_name"],
        "at": row["alarm_ack_at"],
    }


def json_body(data: Any) -> RawJSON:
    """`data` as a response body; stored documents in it (`orjson.Fragment`) go in verbatim.

    Compact, UTF-8, timestamps in ISO 8601 with UTC as Z: as DRF's renderer writes them.
    """
    return RawJSON(orjson.dumps(data, option=orjson.OPT_UTC_Z).decode())


# Documentation of the screening shape (the schema), matching `screening_body` and the
# result document of SCREENING.md.


class DomainScoreSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    band = serializers.ChoiceField(choices=BAND_CHOICES)


class EvidenceSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="The item id.")
    answer = serializers.JSONField(help_text="The answer that triggered the rule.")


class PatternSerializer(serializers.Serializer):
    code = serializers.CharField()
    domain = serializers.CharField()
    rule = serializers.CharField(help_text="The rule, in words.")
    evidence = EvidenceSerializer(many=True)


class Phq4Serializer(serializers.Serializer):
    phq2 = serializers.IntegerField()
    gad2 = serializers.IntegerField()
    total = serializers.IntegerField()
    band = serializers.CharField()
    depression_screen_positive = serializers.BooleanField()
    anxiety_screen_positive = serializers.BooleanField()


class ScreeningResultSerializer(serializers.Serializer):
    """The result document: keys and codes exactly as SCREENING.md writes them."""

    instrument = serializers.CharField()
    version = serializers.IntegerField()
    engine = serializers.CharField()
    domains = serializers.DictField(child=DomainScoreSerializer())
    patterns = PatternSerializer(many=True)
    overall = serializers.ChoiceField(choices=OVERALL_CHOICES)
    elevated_domains = serializers.ListField(child=serializers.CharField())
    red_flags = serializers.ListField(child=serializers.CharField())
    refer_first = serializers.BooleanField()
    phq4 = Phq4Serializer(allow_null=True)
    factors = serializers.ListField(child=serializers.CharField())
    discussion_points = serializers.ListField(child=serializers.CharField())
    referral = serializers.CharField(allow_null=True, required=False)
    summary = serializers.CharField(required=False)
    explanations = serializers.DictField(required=False)


class ScreeningLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    patient = serializers.URLField()
    intake = serializers.URLField()
    report = serializers.URLField()
    fhir = serializers.URLField(help_text="The screening as a FHIR RiskAssessment.")


class AlarmAcknowledgementSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AlarmAction.choices)
    note = serializers.CharField(allow_blank=True)
    by = serializers.CharField(help_text="The practitioner's name as it was when recorded.")
    at = serializers.DateTimeField()


class ScreeningSerializer(serializers.Serializer):
    """A screening: ids and links around its stored result document."""

    id = serializers.IntegerField()
    patient = serializers.IntegerField()
    intake = serializers.IntegerField()
    completed_on = serializers.DateField()
    engine = serializers.CharField()
    overall = serializers.ChoiceField(choices=OVERALL_CHOICES)
    refer_first = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    alarm_acknowledgement = AlarmAcknowledgementSerializer(
        allow_null=True,
        help_text="For a screening with alarm features (refer_first): what the practice did "
        "about them, by whom and when; null until a practitioner records it. A screening with "
        "alarm features cannot be marked reviewed before.",
    )
    links = ScreeningLinksSerializer()
    result = ScreeningResultSerializer()


# Intakes


class IntakeCreateSerializer(serializers.Serializer):
    patient = ClinicScopedPrimaryKeyField(model=Patient, help_text="The patient's id.")
    document = serializers.JSONField(
        help_text=(
            "The canonical intake document: instrument, version, completed_on, optional "
            "patient.birth_date, and answers keyed by item id (see /api/v1/instruments/). "
            "Without patient.birth_date the patient record's birth date is used (alarm features "
            "such as symptoms starting after 50 depend on it); a patient.birth_date that differs "
            "from the record's is refused, naming patient.birth_date."
        )
    )


class IntakeLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    patient = serializers.URLField()
    screenings = serializers.ListField(child=serializers.URLField())
    fhir = serializers.URLField(help_text="The intake as a FHIR QuestionnaireResponse.")


class EnteredInErrorSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When a practitioner marked it.")
    reason = serializers.CharField(help_text="Why (wrong patient, a test submission, ...).")


class IntakeSerializer(serializers.ModelSerializer):
    document = serializers.JSONField(read_only=True)
    links = serializers.SerializerMethodField()
    entered_in_error = serializers.SerializerMethodField(
        help_text="The mark of an intake entered in error, or null. A marked intake and its "
        "screenings are left out of lists unless asked for (`entered_in_error=true`)."
    )

    class Meta:
        model = Intake
        fields = [
            "id",
            "patient",
            "instrument",
            "version",
            "completed_on",
            "received_at",
            "source",
            "birth_date_source",
            "document",
            "links",
            "entered_in_error",
        ]
        read_only_fields = fields

    @extend_schema_field(IntakeLinksSerializer)
    def get_links(self, intake: Intake) -> dict[str, Any]:
        links: Links = self.context["links"]
        return {
            "self": links.intake(intake.pk),
            "patient": links.patient(intake.patient_id),
            "screenings": [links.screening(screening.pk) for screening in intake.screenings.all()],
            "fhir": links.questionnaire_response(intake.pk),
        }

    @extend_schema_field(EnteredInErrorSerializer(allow_null=True))
    def get_entered_in_error(self, intake: Intake) -> dict[str, Any] | None:
        if intake.entered_in_error_at is None:
            return None
        return {
            "at": timestamp(intake.entered_in_error_at),
            "reason": intake.entered_in_error_reason,
        }
