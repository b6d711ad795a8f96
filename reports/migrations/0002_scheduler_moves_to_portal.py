# ScheduledJob and JobRun are portal's now (portal 0006): they leave reports'
# picture of its models, and their tables stay as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0001_initial'),
        ('portal', '0006_scheduler_models'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='JobRun'),
                migrations.DeleteModel(name='ScheduledJob'),
            ],
        ),
    ]
