# The words column's expression changed inside UserWords.as_sql (a word is any
# run of letters and digits, not \w, which the C locale limits to ASCII).
# PostgreSQL cannot change a generated column's expression in place, and
# Django sees no change in the field's arguments: the column is made again.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

import web.notifications.words


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0004_user_words"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="notification", name="notification_user_words"),
        migrations.RemoveField(model_name="notification", name="words"),
        migrations.AddField(
            model_name="notification",
            name="words",
            field=models.GeneratedField(
                db_persist=True,
                expression=web.notifications.words.UserWords(
                    "actor_name", "verb", "target_type", "target_name", "graph_name", "group_name", "member_name",
                    "old_name", user="user_id",
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=django.contrib.postgres.indexes.GinIndex(fields=["words"], name="notification_user_words"),
        ),
    ]
