"""The user foreign keys of notifications and stream events lose their own index.

Every other index of both tables starts with the user, so the single-column
one only cost a write per row. Dropped concurrently and without touching the
foreign key constraints: Django's own AlterField would drop and re-add them,
checking every row of both tables under a lock.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "notifications_notification": "notifications_notification_user_id_b5e8c0ff",
    "notifications_streamevent": "notifications_streamevent_user_id_cafbae91",
}


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("notifications", "0008_group_key_database_default"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="user",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="notifications", to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="streamevent",
                    name="user",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="+", to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX CONCURRENTLY IF EXISTS {index}",
                                  reverse_sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table} (user_id)")
                for table, index in INDEXES.items()
            ],
        ),
    ]
