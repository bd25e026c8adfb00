"""JSON bodies of the API: DRF's renderer, and bodies that are JSON text already."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


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
