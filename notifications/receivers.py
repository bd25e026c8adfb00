"""Alarm notices react to the screening domain: a stored screening with alarm features gets
its notice, in the same transaction (the outbox)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from notifications.services import alarm_notices_queue
from screening.models import Screening
from screening.signals import screening_stored


@receiver(screening_stored, dispatch_uid="notifications.alarm_notice_of_stored_screening")
def alarm_notice_of_stored_screening(*, screening: Screening, **kwargs: Any) -> None:
    alarm_notices_queue(screening=screening)
