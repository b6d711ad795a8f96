from __future__ import annotations

from allauth.socialaccount.models import SocialAccount
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import LoginForm
from portal.models import User
from portal.sso import config


class PasswordLoginForm(LoginForm):
    """The password form, once the directory decides who may sign in.

    With OIDC_ONLY only superusers (break-glass) sign in with a password; in
    any case someone who has signed in with the company account does not,
    so that being let go in the directory locks them out of the portal too.
    """

    error_messages = {
        **LoginForm.error_messages,
        "company_account": _(
            "This account signs in with the company account. Please use the "
            "button above."
        ),
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if user.is_superuser or not config.enabled():
            return
        if config.oidc_only() or SocialAccount.objects.filter(user=user).exists():
            raise forms.ValidationError(
                self.error_messages["company_account"], code="company_account"
            )
