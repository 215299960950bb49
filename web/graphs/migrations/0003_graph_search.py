"""Graph search (web/graphs/search.py): pg_trgm, a trigram index over a graph's name and tags, and a group's graphs in order.

The index's expression must be the one search.py's query tests, character for
character, or PostgreSQL cannot use it: both say ``(name || ' ' || tags::text)``.
pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's owner may create it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('graphs', '0002_layouts_watches_counts'),
        ('groups', '0001_initial'),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            "CREATE INDEX graph_search_trgm ON graphs_graph USING gin ((name || ' ' || tags::text) gin_trgm_ops)",
            "DROP INDEX graph_search_trgm",
        ),
        migrations.AddIndex(
            model_name='graphshare',
            index=models.Index(fields=['group', 'graph'], name='share_group_graph'),
        ),
    ]
