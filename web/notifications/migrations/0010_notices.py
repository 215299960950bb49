"""Notices: what an event says, stored once; each reader keeps a thin row over it.

Every notification row held its own copy of the event's names, link, kind,
group key and words (with a GIN index of per-user lexemes and eight filter
indexes). Here each distinct (event, kind, group, group key) of the existing
rows becomes one notice, each distinct reasons list of its readers is kept
once on it, and each row keeps only its user, its notice, which reasons list
is theirs and its read and mailed times. Nothing a page or the API shows
changes: the text, the reasons, the group keys and the ids are the same.
Stream events stored before keep their whole payloads; new ones name their
notification instead of copying it.

Not reversible: going back would need the copies this removes made again.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import web.notifications.words

NOTICE_FIELDS = ("event_id", "action_id", "kind", "verb", "actor_id", "actor_name", "target_type", "target_id",
                 "target_name", "graph_id", "graph_name", "group_id", "group_name", "member_id", "member_name",
                 "old_name", "link", "created", "group_key")
_COLUMNS = ", ".join(NOTICE_FIELDS)
# Rows of one event differ only in their user, their reasons, their state,
# and (for a reader told as another kind, or grouped apart) the kind, the
# group and the group key: those four make a notice.
_SAME_NOTICE = ("n.event_id = r.event_id AND n.kind = r.kind AND n.group_id IS NOT DISTINCT FROM r.group_id"
                " AND n.group_key = r.group_key")
MAKE_NOTICES = f"""
INSERT INTO notifications_notice ({_COLUMNS}, reasons)
SELECT {", ".join(f"f.{c}" for c in NOTICE_FIELDS)}, lists.reasons
FROM (SELECT DISTINCT ON (event_id, kind, group_id, group_key) {_COLUMNS}
      FROM notifications_notification ORDER BY event_id, kind, group_id, group_key, id) f
JOIN (SELECT event_id, kind, group_id, group_key, jsonb_agg(DISTINCT reasons) AS reasons
      FROM notifications_notification GROUP BY event_id, kind, group_id, group_key) lists
  ON lists.event_id = f.event_id AND lists.kind = f.kind AND lists.group_id IS NOT DISTINCT FROM f.group_id
     AND lists.group_key = f.group_key
"""
LINK_NOTIFICATIONS = f"""
UPDATE notifications_notification r
SET notice_id = n.id,
    reasons_index = (SELECT e.i - 1 FROM jsonb_array_elements(n.reasons) WITH ORDINALITY AS e(v, i)
                     WHERE e.v = r.reasons LIMIT 1)
FROM notifications_notice n
WHERE {_SAME_NOTICE}
"""


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0009_no_separate_user_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Notice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.UUIDField()),
                ('action_id', models.UUIDField()),
                ('kind', models.CharField(choices=[('owner', 'Owner'), ('group', 'Group'), ('watching', 'Watching')], max_length=16)),
                ('verb', models.CharField(max_length=32)),
                ('actor_name', models.CharField(max_length=150)),
                ('target_type', models.CharField(max_length=16)),
                ('target_id', models.BigIntegerField()),
                ('target_name', models.CharField(max_length=200)),
                ('graph_id', models.BigIntegerField(blank=True, null=True)),
                ('graph_name', models.CharField(blank=True, max_length=200)),
                ('group_id', models.BigIntegerField(blank=True, null=True)),
                ('group_name', models.CharField(blank=True, max_length=100)),
                ('member_id', models.BigIntegerField(blank=True, null=True)),
                ('member_name', models.CharField(blank=True, max_length=150)),
                ('old_name', models.CharField(blank=True, max_length=200)),
                ('link', models.CharField(blank=True, max_length=300)),
                ('created', models.DateTimeField()),
                ('group_key', models.CharField(blank=True, default='', max_length=80)),
                ('reasons', models.JSONField(default=list)),
                ('words', models.GeneratedField(db_persist=True, expression=web.notifications.words.NoticeWords('actor_name', 'verb', 'target_type', 'target_name', 'graph_name', 'group_name', 'member_name', 'old_name'), output_field=django.contrib.postgres.search.SearchVectorField())),
            ],
        ),
        migrations.AddField(
            model_name='notice',
            name='actor',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='notification',
            name='reasons_index',
            field=models.SmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='streamevent',
            name='notification_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='notice',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='notifications.notice'),
        ),
        migrations.RemoveConstraint(
            model_name='notification',
            name='one_notification_per_action',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_kind',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_target',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_graph',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_group',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_words',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_unmailed',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_group_key',
        ),
        migrations.RemoveIndex(
            model_name='streamevent',
            name='stream_event_created',
        ),
        # The generated words first: dropping a column it is made of would drop it too.
        migrations.RemoveField(
            model_name='notification',
            name='words',
        ),
        # The copies go once every row is linked; the indexes and the words before: the update rewrites
        # every row, and would update each of them for nothing.
        migrations.RunSQL(MAKE_NOTICES),
        migrations.RunSQL(LINK_NOTIFICATIONS),
        migrations.RemoveField(
            model_name='notification',
            name='action_id',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='actor',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='actor_name',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='created',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='event_id',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='graph_id',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='graph_name',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='group_id',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='group_key',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='group_name',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='kind',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='link',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='member_id',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='member_name',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='old_name',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='reasons',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='target_id',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='target_name',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='target_type',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='verb',
        ),
        migrations.AlterField(
            model_name='notification',
            name='notice',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='notifications.notice'),
        ),
        migrations.AddIndex(
            model_name='streamevent',
            index=django.contrib.postgres.indexes.BrinIndex(fields=['created'], name='stream_event_created_brin'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('mailed_at__isnull', True), ('read_at__isnull', True)), fields=['user', '-id'], name='notification_user_unmailed'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.UniqueConstraint(fields=('notice', 'user'), name='one_notification_per_notice'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(fields=['target_type', 'target_id', 'kind', '-id'], name='notice_target'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(fields=['graph_id'], name='notice_graph'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(fields=['group_id'], name='notice_group'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(condition=models.Q(('group_key', ''), _negated=True), fields=['group_key'], name='notice_group_key'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=django.contrib.postgres.indexes.GinIndex(fields=['words'], name='notice_words'),
        ),
        migrations.AddConstraint(
            model_name='notice',
            constraint=models.UniqueConstraint(fields=('event_id', 'kind', 'group_id', 'group_key'), name='notice_once_per_event', nulls_distinct=False),
        ),
    ]
