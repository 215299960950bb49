"""JSON text PostgreSQL can store (web.json_text): the one check for API bodies, graph uploads and positions."""

import pytest

from web.json_text import JSONTextInvalid, check_storable, loads


def test_ordinary_json_is_read():
    assert loads('{"a": [1, 2.5, "x", null, true]}', what="the graph") == {"a": [1, 2.5, "x", None, True]}
    assert loads(b'{"a": 1}', what="the graph") == {"a": 1}


@pytest.mark.parametrize("text, reason", [
    ("[" * 100_000, "the graph is nested too deeply"),
    ('{"a": NaN}', "the graph is not valid JSON: NaN is not a JSON number"),
    ('{"a": Infinity}', "the graph is not valid JSON: Infinity is not a JSON number"),
    ('{"a": -Infinity}', "the graph is not valid JSON: -Infinity is not a JSON number"),
    ('{"a": 1e400}', "numbers in the graph must be finite"),
    ('{"a": "x\\u0000y"}', "text in the graph may not contain the NUL character"),
    ('{"a\\u0000": 1}', "text in the graph may not contain the NUL character"),
    ('"\\ud800"', "text in the graph may not contain unpaired surrogates"),
    ('{"\\udfff": 1}', "text in the graph may not contain unpaired surrogates"),
    ("9" * 5000, "the graph is not valid JSON: Exceeds the limit"),
    ("{not json", "the graph is not valid JSON: Expecting property name"),
    (b"\xff\xfe\x00", "the graph is not valid JSON"),
])
def test_what_postgresql_or_python_would_refuse_later_is_refused_with_the_reason(text, reason):
    with pytest.raises(JSONTextInvalid) as refused:
        loads(text, what="the graph")
    assert str(refused.value).startswith(reason)


def test_decoded_data_gets_the_same_check():
    with pytest.raises(JSONTextInvalid, match="numbers in the body must be finite"):
        check_storable({"x": [float("nan")]}, what="the body")
    check_storable({"x": [1.5, "ok"]}, what="the body")
