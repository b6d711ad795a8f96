# The moved models' content types follow them to portal (0006), so that the
# permissions people and groups hold on them ("can change scheduled job") and
# the admin's history of them are kept, as Django does for a renamed model.
# A database made after the move has none to relabel.

from django.db import migrations

MOVED = [("reports", "scheduledjob"), ("reports", "jobrun"), ("bookings", "lease")]


def relabel(apps, schema_editor, *, forward):
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    for old_label, model in MOVED:
        source, target = (old_label, "portal") if forward else ("portal", old_label)
        if content_types.filter(app_label=target, model=model).exists():
            continue  # made by a migrate that stopped at 0006: the old one is stale
        content_types.filter(app_label=source, model=model).update(app_label=target)
    ContentType.objects.clear_cache()


def to_portal(apps, schema_editor):
    relabel(apps, schema_editor, forward=True)


def back_to_their_apps(apps, schema_editor):
    relabel(apps, schema_editor, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0006_scheduler_models'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.RunPython(to_portal, back_to_their_apps),
    ]
