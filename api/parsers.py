"""The one JSON parser of the API and the FHIR interface: DRF's, refusing what no field can hold.

Refused with 400 before any view, serializer or database sees the body:

- nesting deeper than `MAX_DEPTH` (the stdlib parser would raise RecursionError past about a
  thousand levels, a 500; nothing the API accepts comes near `MAX_DEPTH`);
- a NUL character or a lone surrogate (`\\u0000`, `\\ud800`) in any string, keys included.
  PostgreSQL stores neither in text or jsonb (the refused INSERT logs its values, the patient's
  free text among them, through the error context) and neither can be encoded as UTF-8, so no
  field of any endpoint can hold one: checking the whole body once here, rather than field by
  field in each serializer, form mapping and FHIR conversion, leaves no field out.

The error names the field by its path in the body (`document.answers.bloating.notes`, or in
FHIR's notation `item[2].answer[0].valueString`), never the text itself.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64
UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")
NESTED_TOO_DEEPLY = f"JSON parse error - the body is nested more than {MAX_DEPTH} levels deep."


def _describe(text: str) -> str:
    found = UNSAFE_TEXT.search(text)
    assert found is not None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000), which cannot be stored"
    return "contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode text"


class UnsafeBody(Exception):
    """The body breaks a rule of this module: `field` (a path, or None) and `message`."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _child(path: str, key: str | int, fhir_paths: bool) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]" if fhir_paths else (f"{path}.{key}" if path else str(key))
    return f"{path}.{key}" if path else key


def check_body(data: Any, *, fhir_paths: bool = False) -> None:
    """UnsafeBody for the first string (or key) holding NUL or a lone surrogate, or for
    nesting deeper than MAX_DEPTH. Iterative, so that no depth can exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if UNSAFE_TEXT.search(value):
                raise UnsafeBody(path or None, f"This text {_describe(value)}.")
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise UnsafeBody(None, NESTED_TOO_DEEPLY)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children = []
            for key, child in items:
                if isinstance(key, str) and UNSAFE_TEXT.search(key):
                    where = f"in {path}" if path else "at the top level"
                    raise UnsafeBody(path or None, f"A key {where} {_describe(key)}.")
                children.append((child, _child(path, key, fhir_paths), depth + 1))
            stack.extend(reversed(children))


class StrictJSONParser(JSONParser):
    """DRF's JSONParser, with the checks of `check_body` (400 naming the field)."""

    fhir_paths = False

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(NESTED_TOO_DEEPLY) from None
        try:
            check_body(data, fhir_paths=self.fhir_paths)
        except UnsafeBody as unsafe:
            if unsafe.field is None:
                raise ParseError(unsafe.message) from None
            raise ValidationError({unsafe.field: [unsafe.message]}, code="invalid_text") from None
        return data
