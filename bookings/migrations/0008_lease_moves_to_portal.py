# The Lease is portal's now (portal 0006): it leaves bookings' picture of its
# models, and its table stays as it is.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0007_not_booked_and_visits_made_here'),
        ('portal', '0006_scheduler_models'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Lease'),
            ],
        ),
    ]
