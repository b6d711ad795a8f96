from __future__ import annotations

from django.contrib import admin


def test_of_allauths_admin_pages_only_the_company_account_links_stay() -> None:
    labels = {
        model._meta.label
        for model in admin.site._registry
        if model._meta.app_label in ("account", "socialaccount")
    }
    assert labels == {"socialaccount.SocialAccount"}
