"""API representation of a screening's report: its state, and where to get the PDF."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.links import Links
from reports.models import Report


class ReportLinksSerializer(serializers.Serializer):
    pdf = serializers.URLField(allow_null=True, help_text="The PDF, once the report is ready.")
    regenerate = serializers.URLField()
    screening = serializers.URLField()


class ReportSerializer(serializers.ModelSerializer):
    links = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "screening",
            "template_version",
            "status",
            "attempts",
            "size",
            "page_count",
            "sha256",
            "created_at",
            "finished_at",
            "links",
        ]
        read_only_fields = fields

    @extend_schema_field(ReportLinksSerializer)
    def get_links(self, report: Report) -> dict[str, Any]:
        links = Links.for_request(self.context["request"])
        return {
            "pdf": links.of("api:screening-report-pdf", report.screening_id)
            if report.status == Report.Status.READY
            else None,
            "regenerate": links.of("api:screening-report-regenerate", report.screening_id),
            "screening": links.screening(report.screening_id),
        }
