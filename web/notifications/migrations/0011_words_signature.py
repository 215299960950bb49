"""A words signature on each notice, and a copy on each reader's row, in the index of their rows.

A search for a word common in the table but absent from one reader's
notifications had to read every one of their notices to find none. The
signature (web/notifications/words.py: WordsSignature) lets the index of
the reader's rows pass over those that cannot match.
"""

import web.notifications.words
from django.conf import settings
from django.db import migrations, models


# Two bits per word, from the hash of its first three letters (SIGNATURE_PREFIX):
# a word's bits are the same wherever it is, so a search word's bits are in
# every signature of words it starts. Immutable, as a generated column needs.
FUNCTIONS = """
CREATE FUNCTION beacon_prefix_bits(prefix text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (1::bigint << (abs(hashtext(prefix)) % 62)) | (1::bigint << (abs(hashtext(prefix || '#')) % 62));

CREATE FUNCTION beacon_words_signature(words tsvector) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT coalesce(bit_or(beacon_prefix_bits(left(lexeme, 3))), 0) FROM unnest(words);
END;
"""
DROP_FUNCTIONS = "DROP FUNCTION beacon_words_signature(tsvector); DROP FUNCTION beacon_prefix_bits(text);"
COPY_SIGNATURES = """
UPDATE notifications_notification r SET words_signature = n.signature
FROM notifications_notice n WHERE n.id = r.notice_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0010_notices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, reverse_sql=DROP_FUNCTIONS),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_newest',
        ),
        migrations.AddField(
            model_name='notice',
            name='signature',
            field=models.GeneratedField(db_persist=True, expression=web.notifications.words.WordsSignature(web.notifications.words.NoticeWords('actor_name', 'verb', 'target_type', 'target_name', 'graph_name', 'group_name', 'member_name', 'old_name')), output_field=models.BigIntegerField()),
        ),
        migrations.AddField(
            model_name='notification',
            name='words_signature',
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunSQL(COPY_SIGNATURES, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['user', '-id'], include=('words_signature',), name='notification_user_signed'),
        ),
    ]
