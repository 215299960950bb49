from django.db import migrations, models


def sent_before_counts_as_delivered(apps, schema_editor):
    # Rows sent before acknowledgement existed have no way to be checked;
    # they were delivered or lost long ago.
    OutboxEvent = apps.get_model("outbox", "OutboxEvent")
    OutboxEvent.objects.filter(sent_at__isnull=False).update(delivered_at=models.F("sent_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxevent",
            name="resend_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="delivered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(sent_before_counts_as_delivered, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="outboxevent",
            index=models.Index(
                condition=models.Q(("delivered_at__isnull", True), ("sent_at__isnull", False)),
                fields=["resend_at"],
                name="outbox_unconfirmed",
            ),
        ),
    ]
