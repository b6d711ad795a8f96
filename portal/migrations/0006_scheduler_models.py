# The scheduler's models move to portal (portal/scheduler/models.py) from the
# apps they were born in. Only Django's picture of them changes: the tables
# were made by reports' and bookings' migrations and keep their names, their
# rows, indexes and constraints (db_table). bookings 0008 and reports 0002
# take the models out of those apps' picture.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0005_password_reset_request'),
        # The migrations that made the tables as they are now.
        ('reports', '0001_initial'),
        ('bookings', '0005_lease_holder_length'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Lease',
                    fields=[
                        ('name', models.CharField(max_length=100, primary_key=True, serialize=False)),
                        ('holder', models.CharField(blank=True, max_length=255)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'verbose_name': 'lease',
                        'verbose_name_plural': 'leases',
                        'db_table': 'bookings_lease',
                    },
                ),
                migrations.CreateModel(
                    name='ScheduledJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                        ('next_due_at', models.DateTimeField(verbose_name='next due')),
                        ('retry_at', models.DateTimeField(blank=True, null=True, verbose_name='retry at')),
                        ('last_started_at', models.DateTimeField(blank=True, null=True, verbose_name='last started')),
                        ('last_finished_at', models.DateTimeField(blank=True, null=True, verbose_name='last finished')),
                        ('last_outcome', models.CharField(blank=True, choices=[('', 'never run'), ('running', 'running'), ('ok', 'succeeded'), ('failed', 'failed')], default='', max_length=10, verbose_name='last outcome')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('last_host', models.CharField(blank=True, max_length=200, verbose_name='last host')),
                    ],
                    options={
                        'verbose_name': 'scheduled job',
                        'verbose_name_plural': 'scheduled jobs',
                        'db_table': 'reports_scheduledjob',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='JobRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('due_at', models.DateTimeField(verbose_name='due')),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('outcome', models.CharField(choices=[('', 'never run'), ('running', 'running'), ('ok', 'succeeded'), ('failed', 'failed')], default='running', max_length=10, verbose_name='outcome')),
                        ('output', models.TextField(blank=True, verbose_name='output')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('host', models.CharField(blank=True, max_length=200, verbose_name='host')),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='portal.scheduledjob')),
                    ],
                    options={
                        'verbose_name': 'job run',
                        'verbose_name_plural': 'job runs',
                        'db_table': 'reports_jobrun',
                        'ordering': ['-started_at'],
                        # The name the index was created with in reports 0001.
                        'indexes': [models.Index(fields=['job', '-started_at'], name='reports_job_job_id_1600f8_idx')],
                    },
                ),
            ],
        ),
    ]
