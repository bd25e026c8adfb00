"""The API's one error format, the handler that produces it, 413 for oversize bodies, and the
schema class that documents those errors on every operation.

Every error body is::

    {"status": 400, "code": "invalid", "detail": "The request is invalid.",
     "errors": [{"field": "external_id", "code": "unique", "message": "..."}]}

`errors` names each offending field (dotted for nested ones); for an intake document it names
the item id (`bloating.frequency`), the top-level field (`completed_on`) or `patient.birth_date`,
at most 50 of them and then one (`too_many_problems`) counting those left out. A body nested too
deeply, or holding a NUL or a lone surrogate, is refused by the parser (api/parsers.py) first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from screening.validation import IntakeInvalid

logger = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/"


def error_body(
    *, status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"status": status, "code": code, "detail": detail, "errors": errors or []}


def field_errors(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail flattened to [{field, code, message}], fields dotted."""
    if isinstance(detail, dict):
        found: list[dict[str, Any]] = []
        for name, value in detail.items():
            name = str(name)
            if name in ("non_field_errors", "__all__"):
                found += field_errors(value, prefix)
            else:
                found += field_errors(value, f"{prefix}.{name}" if prefix else name)
        return found
    if isinstance(detail, list):
        found = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                found += field_errors(value, f"{prefix}.{index}" if prefix else str(index))
            else:
                found += field_errors(value, prefix)
        return found
    code = getattr(detail, "code", None) or "invalid"
    return [{"field": prefix or None, "code": str(code), "message": str(detail)}]


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, IntakeInvalid):
        return exc
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return exceptions.ValidationError(detail)
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering every error in the one format."""
    exc = _as_api_exception(exc)
    if isinstance(exc, IntakeInvalid):
        # A problem's `entry` stays out of the published error format: its message names the
        # entry already ("entry 2: ..."), and clients rely on the three keys.
        errors = [
            {"field": problem.item, "code": problem.code, "message": problem.message}
            for problem in exc.problems
        ]
        body = error_body(
            status=400,
            code="intake_invalid",
            detail="The intake document is invalid.",
            errors=errors,
        )
        return Response(body, status=400)
    if isinstance(exc, RequestDataTooBig):
        return Response(too_large_body(), status=413)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled error in API view", exc_info=exc)
        body = error_body(status=500, code="server_error", detail="An unexpected error occurred.")
        return Response(body, status=500)
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            status=response.status_code,
            code="invalid",
            detail="The request is invalid.",
            errors=field_errors(exc.detail),
        )
        return response
    detail = exc.detail
    codes = exc.get_codes()
    response.data = error_body(
        status=response.status_code,
        code=codes if isinstance(codes, str) else exc.default_code,
        detail=str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail),
        errors=field_errors(detail) if isinstance(detail, dict | list) else [],
    )
    return response


def too_large_body() -> dict[str, Any]:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_body(
        status=413, code="request_too_large", detail=f"The request body exceeds {limit} bytes."
    )


class ApiBodyLimitMiddleware:
    """Answers an oversize API request 413 in JSON before anything reads its body.

    Django would raise RequestDataTooBig on the first read and answer 400 with an HTML page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PATH_PREFIX):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if limit is not None and length > limit:
                return JsonResponse(too_large_body(), status=413)
        return self.get_response(request)


# Documentation of the error format, for the schema.


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text="The field at fault, dotted when nested; for an intake document the item id.",
    )
    code = serializers.CharField(help_text="A stable, machine-readable code.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="What went wrong: invalid, not_found, throttled, ...")
    detail = serializers.CharField(help_text="The error in words.")
    # Declared fields leave the class at run time; only the type checker sees `errors` clash.
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]


ERROR_DESCRIPTIONS = {
    "400": "Invalid request: each problem in `errors`, naming its field or intake item "
    "(for an intake, at most 50 and then one counting those left out).",
    "401": "No valid credentials (a bearer token of an API client, or a staff session).",
    "403": "Authenticated, but not allowed to do this (e.g. a read-only client writing).",
    "404": "Not found in the caller's clinic.",
    "406": "The requested response type is not available.",
    "409": "An Idempotency-Key request with this key is still in progress.",
    "413": "The request body is too large.",
    "415": "The body is not JSON.",
    "422": "The Idempotency-Key was already used with a different request.",
    "429": "Too many requests; see Retry-After.",
    "503": "A service the request depends on is unavailable; try again shortly.",
}
READ_ERROR_CODES = ("400", "401", "403", "404", "406", "429", "503")
WRITE_ERROR_CODES = ("400", "401", "403", "404", "406", "409", "413", "415", "422", "429", "503")


class ApiAutoSchema(AutoSchema):
    """Adds the documented error responses, and the Idempotency-Key header on POST."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    {"type": "string", "pattern": "^[!-~]{1,255}$"},
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "Any unique string (1-255 printable ASCII characters). Sending the "
                        "same request again with the same key within 24 hours returns the "
                        "first response and creates nothing twice."
                    ),
                )
            )
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        writes = self.method in ("POST", "PUT", "PATCH")
        codes: tuple[str, ...] = WRITE_ERROR_CODES if writes else READ_ERROR_CODES
        if self.method != "POST":
            codes = tuple(code for code in codes if code not in ("409", "422"))
        error_schema = getattr(self.view, "error_schema", ErrorSerializer)
        media_types = getattr(self.view, "error_media_types", None)
        for code in codes:
            if code in responses:
                continue
            response = self._get_response_for_code(
                error_schema, code, media_types=media_types, direction=direction
            )
            response["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = response
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiClientAuthentication"
    name = "clientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The token of one of the clinic's API clients "
            "(`manage.py create_api_client`); read or read-write.",
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A signed-in staff member's session (unsafe methods need the CSRF token).",
        }
