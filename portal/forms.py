from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.http import client_address
from portal.models import LoginFailure, PasswordResetRequest, User

logger = logging.getLogger(__name__)


class LoginForm(AuthenticationForm):
    """Django's login form, plus a lockout after repeated failures."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That e-mail address and password do not match. Mind the "
            "password's capital letters; the e-mail address may be typed in any case."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        # Failures count per account and address, so that a stranger
        # elsewhere cannot lock the owner out.
        ip = client_address(self.request) if self.request else None
        self._raise_if_locked(username, ip)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            LoginFailure.record(username=username, ip=ip)
            self._raise_if_locked(username, ip)
            raise
        # clean() also runs when a field is missing (no password typed): only a
        # real success may wipe the failures, or an empty password would reset
        # the count and make the lockout useless.
        if self.user_cache is not None:
            LoginFailure.clear(username=username, ip=ip)
        return cleaned

    def _raise_if_locked(self, username: str, ip: str | None) -> None:
        ends = LoginFailure.lockout_ends(username=username, ip=ip)
        if ends is None or ends <= timezone.now():
            return
        minutes = max(1, round((ends - timezone.now()).total_seconds() / 60))
        raise forms.ValidationError(
            ngettext(
                "Too many failed attempts for this account from your address. "
                "Please wait %(minutes)d minute before trying again.",
                "Too many failed attempts for this account from your address. "
                "Please wait %(minutes)d minutes before trying again.",
                minutes,
            )
            % {"minutes": minutes},
            code="locked_out",
        )


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form, also for people who never had a password.

    Django skips accounts with an unusable password, but the staff import
    creates exactly those: "Forgot your password?" is how imported people set
    their first one. Inactive accounts still get nothing.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same words as on the login page.
        self.fields["email"].label = _("E-mail address")

    def get_users(self, email: str) -> Iterator[User]:
        yield from User.objects.filter(email__iexact=email.strip(), is_active=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Past the limits per account and per address nothing is sent, and the
        # page says the same as ever: it must not tell whether an account
        # exists, nor fill a colleague's mailbox.
        request = kwargs.get("request")
        ip = client_address(request) if request is not None else None
        if not PasswordResetRequest.let_through(
            email=self.cleaned_data["email"], ip=ip
        ):
            logger.info("Password-reset e-mail held back: limit reached")
            return
        super().save(*args, **kwargs)
