"""realtime/http1.py: what the realtime worker takes from a request head, and what it refuses."""

import pytest

from realtime.http1 import BadRequest, chunk, parse_head, path_and_query, response_head


def head(*lines: str) -> bytes:
    return "\r\n".join(lines).encode("latin-1")


def test_a_poll_head_gives_its_method_target_and_headers_as_wsgi_names_them():
    request = parse_head(head("GET /realtime/poll?cursor=3 HTTP/1.1", "Host: beacon", "Accept: text/event-stream",
                              "Last-Event-ID: 7", "Cookie: sessionid=abc"))
    assert (request.method, request.target, request.version) == ("GET", "/realtime/poll?cursor=3", "HTTP/1.1")
    assert dict(request.headers) == {"HTTP_HOST": "beacon", "HTTP_ACCEPT": "text/event-stream",
                                     "HTTP_LAST_EVENT_ID": "7", "HTTP_COOKIE": "sessionid=abc"}
    assert request.keep_alive and request.content_length is None and not request.chunked


@pytest.mark.parametrize(("version", "connection", "keep_alive"), [
    ("HTTP/1.1", None, True), ("HTTP/1.1", "close", False), ("HTTP/1.1", "Keep-Alive, Close", False),
    ("HTTP/1.0", None, False), ("HTTP/1.0", "keep-alive", True),
])
def test_keep_alive_follows_the_version_and_the_connection_header(version, connection, keep_alive):
    lines = [f"GET / {version}", "Host: x"] + ([f"Connection: {connection}"] if connection else [])
    assert parse_head(head(*lines)).keep_alive is keep_alive


def test_surrounding_whitespace_of_a_value_is_not_part_of_it():
    assert dict(parse_head(head("GET / HTTP/1.1", "Accept:   text/plain \t")).headers)["HTTP_ACCEPT"] == "text/plain"


@pytest.mark.parametrize(("raw", "status"), [
    (b"GET /", 400),
    (b"GET / HTTP/1.1 extra", 400),
    (b"GET / HTTP/2.0", 505),
    (b"GET / SPDY/3", 400),
    (b"G(T / HTTP/1.1", 400),
    (b"GET http://elsewhere/ HTTP/1.1", 400),
    (b"GET / HTTP/1.1\r\nNo colon here", 400),
    (b"GET / HTTP/1.1\r\nSpace before : colon", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\n folded: line", 400),
    (b"GET / HTTP/1.1\r\nHost: x\nSmuggled: y", 400),
    (b"GET / HTTP/1.1\r\nContent-Length: ten", 400),
    (b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2", 400),
    (b"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked", 400),
    (b"GET / HTTP/1.1\r\n" + b"\r\n".join(b"X-%d: y" % n for n in range(101)), 431),
])
def test_a_head_it_cannot_take_is_refused_with_a_status_that_says_why(raw, status):
    with pytest.raises(BadRequest) as refused:
        parse_head(raw)
    assert refused.value.status == status
    assert str(refused.value)


def test_a_percent_encoded_path_is_decoded_and_the_query_left_as_sent():
    assert path_and_query("/realtime/p%6Fll?cursor=%33") == ("/realtime/poll", "cursor=%33")
    assert path_and_query("/realtime/healthz") == ("/realtime/healthz", "")


def test_an_answer_head_carries_the_date_and_says_close_or_chunked_when_asked():
    answer = response_head(b"HTTP/1.1", "200 OK", [("Content-Type", "application/json")], close=True, chunked=True)
    lines = answer.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"
    assert b"Content-Type: application/json" in lines
    assert any(line.startswith(b"Date: ") and line.endswith(b" GMT") for line in lines)
    assert b"Transfer-Encoding: chunked" in lines and b"Connection: close" in lines
    assert answer.endswith(b"\r\n\r\n")


def test_a_chunk_is_framed_with_its_length_in_hex():
    assert chunk(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"
