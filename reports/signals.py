"""What reports announce; others (webhooks) react, so reports never import them."""

from __future__ import annotations

from django.dispatch import Signal

# A render finished and the report is ready, sent in the transaction that marks it so:
# `report`.
report_ready = Signal()
