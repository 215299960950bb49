"""A second words signature, from other hashes, and the indexes a search walks carrying both and the notice's id.

A heavy reader's rows set many of one 64-bit signature's bits, so a search
word's two bits are both set in rows that cannot match often enough to
matter: each is a notice read. Two independent halves let through far
fewer (BENCHMARKS.md, the list). With the notice's id in the
index too, a search walks the index alone until a row may match.
"""

import web.notifications.words
from django.conf import settings
from django.db import migrations, models


# As beacon_prefix_bits (0011), from hashes of the prefix salted otherwise: independent bits.
FUNCTIONS = """
CREATE FUNCTION beacon_prefix_bits_b(prefix text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (1::bigint << (abs(hashtext(prefix || '$')) % 62)) | (1::bigint << (abs(hashtext(prefix || '%')) % 62));

CREATE FUNCTION beacon_words_signature_b(words tsvector) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT coalesce(bit_or(beacon_prefix_bits_b(left(lexeme, 3))), 0) FROM unnest(words);
END;
"""
DROP_FUNCTIONS = "DROP FUNCTION beacon_words_signature_b(tsvector); DROP FUNCTION beacon_prefix_bits_b(text);"
COPY_SIGNATURES = """
UPDATE notifications_notification r SET words_signature_b = n.signature_b
FROM notifications_notice n WHERE n.id = r.notice_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0011_words_signature'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, reverse_sql=DROP_FUNCTIONS),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_unread',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_user_signed',
        ),
        migrations.AddField(
            model_name='notice',
            name='signature_b',
            field=models.GeneratedField(db_persist=True, expression=web.notifications.words.WordsSignatureB(web.notifications.words.NoticeWords('actor_name', 'verb', 'target_type', 'target_name', 'graph_name', 'group_name', 'member_name', 'old_name')), output_field=models.BigIntegerField()),
        ),
        migrations.AddField(
            model_name='notification',
            name='words_signature_b',
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunSQL(COPY_SIGNATURES, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['user', '-id'], include=('words_signature', 'words_signature_b', 'notice_id'), name='notification_user_signed'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('read_at__isnull', True)), fields=['user', '-id'], include=('words_signature', 'words_signature_b', 'notice_id'), name='notification_user_unread'),
        ),
    ]
