"""Of allauth's administration pages, only the links to company accounts stay.

The provider comes from the environment and no tokens or extra e-mail
addresses are stored, so allauth's pages for apps, tokens and addresses would
only mislead. Its admin modules are imported first so that they have
registered what is taken away here, whatever the order of INSTALLED_APPS.
"""

from __future__ import annotations

import allauth.account.admin
import allauth.socialaccount.admin  # noqa: F401
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin

for model in (SocialApp, SocialToken, EmailAddress):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
