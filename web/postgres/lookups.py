"""``field__any={ids}``: one array parameter instead of one parameter per value (integer fields).

``field__in`` with 10,000 ids makes Django prepare 10,000 parameters and
PostgreSQL parse 10,000 placeholders; an action telling a 10,000-member group
spent more than half its time there. ``field = ANY(%s)`` sends one array.

Give it :class:`Ids`: Django walks the elements of anything iterable one by
one (looking for expressions, and model instances of the wrong type), which
for 10,000 ids costs what the array saves.
"""

from django.db.models import Field, ForeignObject, Lookup

from web.postgres.arrays import int_array


class Ids:
    """Integer ids for ``field__any``, as one array literal."""

    __slots__ = ("literal",)

    def __init__(self, ids):
        self.literal = int_array(ids)


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        # An array literal: PostgreSQL gives it the array type of the field it is compared with.
        return "%s", [value.literal if isinstance(value, Ids) else int_array(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


# Foreign keys have lookups of their own, apart from other fields'.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
