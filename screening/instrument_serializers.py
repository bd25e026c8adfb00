"""API representation of instrument definitions: the instrument as data, for other systems
building their own forms or checks, and the serializers that document that shape."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from screening.instruments.definition import Instrument, Item


def instrument_definition(instrument: Instrument) -> dict[str, Any]:
    """The instrument as data, for other systems building their own forms or checks."""
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": instrument.title,
        "url": instrument.url,
        "engine": instrument.engine,
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "intro": section.intro,
                "is_domain": section.is_domain,
                "items": [item_definition(item) for item in section.items],
            }
            for section in instrument.sections
        ],
        "all_or_none": [
            {"name": group.name, "items": list(group.items)} for group in instrument.all_or_none
        ],
        "patterns": [
            {
                "code": pattern.code,
                "domain": pattern.domain,
                "title": pattern.title,
                "rule": pattern.rule_text,
            }
            for pattern in instrument.patterns
        ],
    }


def item_definition(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "type": str(item.type),
        "label": item.label,
        "short_label": item.short_label,
        "help": item.help,
        "required": item.required,
        "scale": None
        if item.scale is None
        else {
            "code": item.scale.code,
            "title": item.scale.title,
            "choices": [{"code": c.code, "label": c.label} for c in item.scale.choices],
        },
        "minimum": item.minimum,
        # "completed_year": the year of the document's completed_on.
        "maximum": item.maximum,
        "unit": item.unit,
        "choices": [{"code": c.code, "label": c.label} for c in item.choices],
        "max_length": item.max_length,
        "min_entries": item.min_entries,
        "max_entries": item.max_entries,
        "enable_when": None
        if item.enable_when is None
        else {"item": item.enable_when.item, "equals": item.enable_when.equals},
        "scored": item.scored,
    }


# Fields named like attributes of DRF's Field (label, help, required) are fine at run time: the
# serializer's metaclass takes declared fields off the class. Only the type checker objects.


class ChoiceDefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class ScaleDefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    choices = ChoiceDefinitionSerializer(many=True)


class EnableWhenSerializer(serializers.Serializer):
    item = serializers.CharField()
    equals = serializers.JSONField()


class ItemDefinitionSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["scale", "integer", "boolean", "choice", "multi_choice", "text", "food_list"]
    )
    label = serializers.CharField()  # type: ignore[assignment]
    short_label = serializers.CharField()
    help = serializers.CharField(allow_blank=True)
    required = serializers.BooleanField()  # type: ignore[assignment]
    scale = ScaleDefinitionSerializer(allow_null=True)
    minimum = serializers.IntegerField(allow_null=True)
    maximum = serializers.JSONField(
        allow_null=True, help_text="An integer, or 'completed_year' (the year of completed_on)."
    )
    unit = serializers.CharField(allow_blank=True)
    choices = ChoiceDefinitionSerializer(many=True)
    max_length = serializers.IntegerField(allow_null=True)
    min_entries = serializers.IntegerField(allow_null=True)
    max_entries = serializers.IntegerField(allow_null=True)
    enable_when = EnableWhenSerializer(allow_null=True)
    scored = serializers.BooleanField()


class SectionDefinitionSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    intro = serializers.CharField(allow_blank=True)
    is_domain = serializers.BooleanField()
    items = ItemDefinitionSerializer(many=True)


class AllOrNoneSerializer(serializers.Serializer):
    name = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())


class PatternDefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    domain = serializers.CharField()
    title = serializers.CharField()
    rule = serializers.CharField()


class InstrumentDefinitionSerializer(serializers.Serializer):
    id = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.URLField()
    engine = serializers.CharField()
    sections = SectionDefinitionSerializer(many=True)
    all_or_none = AllOrNoneSerializer(many=True)
    patterns = PatternDefinitionSerializer(many=True)


class InstrumentSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.URLField()
    links = serializers.DictField(child=serializers.URLField())
