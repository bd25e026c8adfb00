"""Password resets rate-limited per account and per client address, answering the same either way.

Django's reset form emails every active account with the address given. Here each email
spends one of the account's and one of the client address's budgets (settings
`PASSWORD_RESET_EMAILS_PER_ACCOUNT`, `..._PER_ADDRESS`, per `..._WINDOW_SECONDS`), counted in
the counters every server process shares. Past either, no email goes out, and the page is the
same as always, so it tells nobody whether an account exists or was limited.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import PasswordResetView
from django.http import HttpResponse

from api.throttling import budget_spend
from clinic.request_origin import client_key

logger = logging.getLogger(__name__)


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Emails only the accounts whose budget, and the requesting address's, are not spent."""

    client_key = "unknown"

    def get_users(self, email: str) -> Iterator[Any]:
        for user in super().get_users(email):
            if self._may_email(user):
                yield user

    def _may_email(self, user: Any) -> bool:
        window = settings.PASSWORD_RESET_WINDOW_SECONDS
        if not budget_spend(
            f"password-reset:address:{self.client_key}",
            limit=settings.PASSWORD_RESET_EMAILS_PER_ADDRESS,
            timeout=window,
        ):
            logger.warning("password reset email not sent: the client address's limit is spent")
            return False
        if not budget_spend(
            f"password-reset:account:{user.pk}",
            limit=settings.PASSWORD_RESET_EMAILS_PER_ACCOUNT,
            timeout=window,
        ):
            logger.warning("password reset email not sent: the limit of user %s is spent", user.pk)
            return False
        return True


class RateLimitedPasswordResetView(PasswordResetView):
    form_class = RateLimitedPasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        form.client_key = client_key(self.request)
        response: HttpResponse = super().form_valid(form)
        return response
