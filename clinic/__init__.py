"""The project package and the clinic app: clinics, staff, patients and invitations."""

from __future__ import annotations

from clinic.celery import app as celery_app

__all__ = ["celery_app"]
