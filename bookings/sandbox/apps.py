from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "bookings.sandbox"
    label = "sandbox"
    verbose_name = _("API sandbox")

    def ready(self) -> None:
        from bookings.sandbox import receivers
        from portal.models import SiteCharger
        from portal.signals import demo_seeded

        demo_seeded.connect(receivers.seed_demo_sandbox, dispatch_uid="sandbox-demo")
        post_save.connect(
            receivers.mirror_site_charger,
            sender=SiteCharger,
            dispatch_uid="sandbox-site-charger",
        )
