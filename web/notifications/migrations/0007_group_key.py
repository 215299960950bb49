from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # The index is built concurrently (the table is the largest); adding a
    # column with a constant default is a catalogue change in PostgreSQL 11+.
    atomic = False

    dependencies = [
        ("notifications", "0006_unmailed_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="group_key",
            field=models.CharField(blank=True, default="", max_length=80),
        ),
        AddIndexConcurrently(
            model_name="notification",
            index=models.Index(fields=["user", "group_key"], name="notification_user_group_key"),
        ),
    ]
