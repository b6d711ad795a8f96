"""Let the Admin role see the scheduled jobs, their runs, the sync runs and the
report deliveries, and ask for a job to run now."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "reports.view_scheduledjob",
    "reports.change_scheduledjob",
    "reports.view_jobrun",
    "reports.view_reportdelivery",
    "bookings.view_syncrun",
]


def forward(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs
    # them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Admin")
    for perm in PERMISSIONS:
        app_label, codename = perm.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("bookings", "0002_lease_syncrun"),
        ("portal", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
