from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.sso.check import check


class Command(BaseCommand):
    help = (
        "Check the company sign-in's settings (OIDC_*) and the provider's "
        "discovery document, and print the addresses to register at the provider."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        found = check()
        self.stdout.write(
            _("Redirect URI to register at the provider: %(uri)s")
            % {"uri": found.redirect_uri}
        )
        self.stdout.write(
            _("Post-logout redirect URI to register at the provider: %(uri)s")
            % {"uri": found.post_logout_redirect_uri}
        )
        if options["verbosity"] > 0:
            for note in found.notes:
                self.stdout.write(note)
        if found.problems:
            raise CommandError("\n".join(found.problems))
        self.stdout.write(self.style.SUCCESS(_("The company sign-in looks right.")))
