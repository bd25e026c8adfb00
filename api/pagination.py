"""Pages of every API list: a cursor over ids, newest first, with a bounded page size."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination


class ApiCursorPagination(CursorPagination):
    """Newest first by id (unique, indexed: no offsets), 25 a page, at most 100."""

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Any) -> int:
        # Strict: a wrong page size is an error, not silently the default.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Rows per page: 1 to {self.max_page_size}, default 25."
        return parameters

    def decode_cursor(self, request: Any) -> Cursor | None:
        # Every list is ordered by id: a cursor whose position is not one is not found (404),
        # never a database error.
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        if position is not None and not (str(position).isdigit() and int(position) < 2**63):
            raise NotFound(self.invalid_cursor_message)
        return cursor
