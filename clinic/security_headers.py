"""The Cross-Origin-Resource-Policy header, which neither Django nor django-csp sets."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class CrossOriginResourcePolicyMiddleware:
    """Sets `Cross-Origin-Resource-Policy` (settings.CROSS_ORIGIN_RESOURCE_POLICY) on every
    response, static files included, so that no other site can embed the pages, files or API
    answers: patient data never loads into a foreign page's process."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.policy: str = settings.CROSS_ORIGIN_RESOURCE_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", self.policy)
        return response
