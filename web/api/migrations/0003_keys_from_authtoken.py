"""Each DRF authtoken key becomes a named token "Token", stored hashed; the plain key rows are deleted.

The key itself keeps working: web/api/authentication.py and realtime/auth.py
hash whatever key they are sent, a 40-character authtoken key as well as a
``bcn_`` one. The plain keys are removed so that no readable credential is
left in the database. Reversing keeps the named tokens and brings no key back
(only their hashes are known).
"""

import hashlib

from django.db import migrations


def keys_to_named_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("api", "ApiToken")
    for old in Token.objects.all():
        key_hash = hashlib.sha256(old.key.encode()).hexdigest()
        ApiToken.objects.create(user_id=old.user_id, name="Token", key_hash=key_hash)
        # created is auto_now_add, so it is set back to the old key's own afterwards.
        ApiToken.objects.filter(key_hash=key_hash).update(created=old.created)
    Token.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0002_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [
        migrations.RunPython(keys_to_named_tokens, migrations.RunPython.noop),
    ]
