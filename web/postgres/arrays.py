"""Sending many values as one parameter, cheaply.

psycopg2 sends a Python list as ``ARRAY[v1, v2, …]``: it adapts every element
in Python, and PostgreSQL parses every element as an expression of its own.
The array literal ``'{1,2,…}'`` is one string built at once and one parse of
the lot on the server. Many rows go as one JSON document, unpacked by
``json_populate_recordset`` or ``json_to_recordset`` (one C parse too).
"""

import orjson


def int_array(values) -> str:
    """Integers as a PostgreSQL array literal, for a ``%s::int[]`` (or bigint[]) parameter."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def json_rows(rows) -> str:
    """Rows (dicts of JSON values, datetimes and UUIDs) as one JSON document."""
    return orjson.dumps(rows).decode()
