from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built concurrently: the notifications table is the largest, and a plain
    # CREATE INDEX would block every delivery and read until it is done.
    atomic = False

    dependencies = [
        ("notifications", "0005_words_in_any_script"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("mailed_at__isnull", True), ("read_at__isnull", True)),
                fields=["user", "created"],
                name="notification_user_unmailed",
            ),
        ),
    ]
