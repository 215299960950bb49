"""JSON texts that must be refused with a 400 and the reason, by the upload form and the API alike.

Each was once a 500 on the form: Python's ``json`` read it and PostgreSQL or
Python refused it later, or ``json`` itself raised what nobody caught.
Each case: the text, and the words of the reason whatever it is named
("the graph", "the body", "the positions").
"""

import pytest

BAD_GRAPH_TEXTS = [
    pytest.param("[" * 100_000, "is nested too deeply", id="nested-100000-deep"),
    pytest.param('{"elements": [{"data": {"id": "a\\u0000b"}}]}', "may not contain the NUL character",
                 id="nul-in-a-string"),
    pytest.param('{"elements": [{"data": {"id": "a", "weight": NaN}}]}', "NaN is not a JSON number", id="nan"),
    pytest.param('{"elements": [{"data": {"id": "a", "weight": Infinity}}]}', "Infinity is not a JSON number",
                 id="infinity"),
    pytest.param('{"elements": [{"data": {"id": "a", "weight": 1e400}}]}', "must be finite", id="1e400"),
    pytest.param('"\\ud800"', "may not contain unpaired surrogates", id="lone-surrogate"),
    pytest.param('{"elements": [{"data": {"id": "a", "weight": ' + "9" * 5000 + "}}]}",
                 "Exceeds the limit (4300 digits)", id="5000-digit-number"),
]

BAD_POSITIONS_TEXTS = [
    pytest.param('{"a": {"x": NaN, "y": 1}}', "NaN is not a JSON number", id="nan"),
    pytest.param('{"a": {"x": 1e400, "y": 1}}', "must be finite", id="1e400"),
    pytest.param('{"a\\u0000": {"x": 1, "y": 1}}', "may not contain the NUL character", id="nul-in-a-node-id"),
    pytest.param('{"\\udfff": {"x": 1, "y": 1}}', "may not contain unpaired surrogates", id="lone-surrogate"),
    pytest.param('{"a": ' + "[" * 100_000 + "}", "is nested too deeply", id="nested-100000-deep"),
]
