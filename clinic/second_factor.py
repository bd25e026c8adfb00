"""A staff member's second factor (django-otp devices) removed in one place, and its audit words.

Two callers: a clinic admin's "Reset second factor" action in the admin (a lost phone) and the
user's own "turn off" on the dashboard's Second factor page. The tenants layer cannot write the
audit trail, so `second_factor_reset` returns the event's detail and the caller records it
(object type `OBJECT_TYPE`, action update) in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django_otp import devices_for_user

from clinic.models import User
from clinic.staff_sessions import user_sessions_end

# The audit trail's object type of every second-factor event (enrolment, sign-in, changes).
OBJECT_TYPE = "second_factor"


@transaction.atomic
def second_factor_reset(user: User, *, by: User, confirmed_with: str = "") -> str:
    """Delete every device of `user` (the app, confirmed or not, and the recovery codes); return
    the audit detail of the change made `by` an admin or by the user (`confirmed_with`: how they
    proved it was them).

    A session verified with one of the devices is no longer verified (OTPMiddleware forgets a
    device that is gone): the user enrols again where the clinic requires a second factor. An
    admin's reset (a lost phone: whoever holds it may hold a session too) also ends every
    session of the user, who signs in again with their password.
    """
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    if by.pk == user.pk:
        return f"second factor turned off (confirmed with {confirmed_with})"
    user_sessions_end(user)
    return "admin: second factor reset"
