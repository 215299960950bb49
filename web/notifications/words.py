"""A notice's words as its search index stores them.

The text search splits words the same way on both sides: here in SQL, and
in the search box (web/notifications/queries.py).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db.models import BigIntegerField, Func

# Everything a notification's text is built from: what a search looks in.
WORD_FIELDS = ("actor_name", "verb", "target_type", "target_name", "graph_name", "group_name", "member_name",
               "old_name")

# ASCII punctuation, which separates words. Letters and digits in any script
# are kept together: the C locale (as the local PostgreSQL is made) would
# have \w know only ASCII letters and split "Müller" in two. The search box
# splits what it is given the same way.
PUNCTUATION = "[!-/:-@[-`{-~]"
# Quotation marks beyond ASCII, made spaces too: the C locale's text search
# parser would take them for letters and glue them to the word.
QUOTES = "“”‘’«»„"
# Kept for the migrations that made the per-user words (0004, 0005).
WORD_RUN = "[^[:space:]!-/:-@[-`{-~]+"


class NoticeWords(Func):
    """A notice's words, lower case, each once: stored (a generated column), so checking a row costs no parsing."""

    output_field = SearchVectorField()

    def __init__(self, *word_fields: str):
        super().__init__(*word_fields)

    def as_sql(self, compiler, connection, **extra_context):
        words = [compiler.compile(e) for e in self.get_source_expressions()]
        words_sql = " || ' ' || ".join(sql for sql, _ in words)
        params = [p for _, ps in words for p in ps]
        words_sql = f"translate({words_sql}, '{QUOTES}', '{' ' * len(QUOTES)}')"
        return f"to_tsvector('simple'::regconfig, regexp_replace({words_sql}, '{PUNCTUATION}', ' ', 'g'))", params


class WordsSignature(Func):
    """64 bits that a notice's words set (two per word's first SIGNATURE_PREFIX letters): the reader's
    row keeps a copy, so a search can pass over rows that cannot match without reading their notices.
    WordsSignatureB sets 64 more from other hashes of the same prefixes: a row must cover a search's
    bits in both.

    Computed in SQL (migration 0011 makes the functions), from the words as
    stored, so it can never miss a word the index has: a row whose bits do
    not cover a search's is certainly not a match; one whose bits do is
    checked against its notice's words.
    """

    function = "beacon_words_signature"
    output_field = BigIntegerField()


class WordsSignatureB(WordsSignature):
    """The second 64 bits (migration 0012), from independent hashes: a row that cannot match
    passes both halves far more rarely than one, and every row passed is a notice read."""

    function = "beacon_words_signature_b"


# Letters of each word its signature bits come from: a search word must have
# this many for the signature to narrow anything (any stored word it is the
# start of begins with them too).
SIGNATURE_PREFIX = 3


class UserWords(Func):
    """The words as lexemes of their user's own ("42ujournal"): what notifications stored before
    notices held the words once (migrations 0004 and 0005 build it; 0010 drops it)."""

    output_field = SearchVectorField()

    def __init__(self, *word_fields: str, user: str):
        super().__init__(user, *word_fields)

    def as_sql(self, compiler, connection, **extra_context):
        (user_sql, user_params), *words = [compiler.compile(e) for e in self.get_source_expressions()]
        words_sql = " || ' ' || ".join(sql for sql, _ in words)
        params = [*(p for _, ps in words for p in ps), *user_params]
        words_sql = f"translate({words_sql}, '{QUOTES}', '{' ' * len(QUOTES)}')"
        return (f"to_tsvector('simple'::regconfig, regexp_replace({words_sql}, '({WORD_RUN})', "
                f"({user_sql})::text || 'u\\1', 'g'))"), params
