"""A graph's and a group's notices indexed by kind too: "unread watching notifications of this graph" reads only the notices of that kind."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0012_words_signature_b'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='notice',
            name='notice_graph',
        ),
        migrations.RemoveIndex(
            model_name='notice',
            name='notice_group',
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(fields=['graph_id', 'kind'], name='notice_graph_kind'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(fields=['group_id', 'kind'], name='notice_group_kind'),
        ),
    ]
