from django.db import migrations, models


class Migration(migrations.Migration):
    """The empty group_key as the column's own default, so a row written outside Django (the list
    benchmark's SQL seeding, an operator's INSERT) is a notification of a group of its own, not an error."""

    dependencies = [
        ("notifications", "0007_group_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="group_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=80),
        ),
    ]
