"""Create one group per role with its permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Employee": ["portal.book_charging"],
    "Receptionist": ["portal.book_visitor_charging"],
    "Manager": ["portal.view_department_reports"],
    "Finance": ["portal.view_all_reports", "portal.assign_bookings"],
    "Admin": [
        "portal.book_visitor_charging",
        "portal.view_all_reports",
        "portal.assign_bookings",
        "portal.add_user",
        "portal.change_user",
        "portal.view_user",
        "portal.add_department",
        "portal.change_department",
        "portal.delete_department",
        "portal.view_department",
        "portal.add_employee",
        "portal.change_employee",
        "portal.delete_employee",
        "portal.view_employee",
        "portal.add_site",
        "portal.change_site",
        "portal.delete_site",
        "portal.view_site",
        "portal.add_sitecharger",
        "portal.change_sitecharger",
        "portal.delete_sitecharger",
        "portal.view_sitecharger",
        "auth.view_group",
    ],
}


def forward(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need
    # them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
