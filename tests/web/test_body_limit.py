"""A page's body over the size limit: a 413 page that says the limit, with DEBUG on or off, and nothing created."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.web.conftest import page_text
from web.graphs.models import Graph

pytestmark = pytest.mark.django_db

# settings.test keeps the default limits: DATA_UPLOAD_MAX_MEMORY_SIZE is GRAPH_MAX_BYTES (5 MB) + 256 kB.
LIMIT = 5 * 1024 * 1024 + 256 * 1024
# Rounded down by filesizeformat (5.25 MB): whatever is refused is bigger than the figure said.
TOO_BIG = "That upload is bigger than 5.2 MB, the largest Beacon takes."


def shown(response) -> str:
    return page_text(response).replace("\xa0", " ")  # filesizeformat's non-breaking space


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_an_oversized_graph_upload_is_413_saying_the_limit(debug, make_user, browser_for):
    # given alice, logged in
    browser = browser_for(make_user("alice"))

    # when she posts a file past the limit
    big = SimpleUploadedFile("big.json", b" " * (LIMIT + 1), "application/json")
    response = browser.post("/graphs/new/", {"name": "Big", "graph_text": "", "graph_file": big})

    # then she reads why, on a plain page of the site, and no graph was made
    assert response.status_code == 413
    html = shown(response)
    assert "<h1>Too big</h1>" in html and TOO_BIG in html and "A graph file may be at most 5.0 MB." in html
    assert "Traceback" not in html and not Graph.objects.exists()


def test_an_oversized_url_encoded_login_is_413_before_the_csrf_check(debug):
    # given someone with no session and no CSRF token, posting a form past the limit
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", data="username=alice&password=" + "x" * LIMIT,
        content_type="application/x-www-form-urlencoded")

    # then the answer is the 413 page (not a CSRF 403, nor the debug page)
    assert response.status_code == 413
    assert TOO_BIG in shown(response) and "Traceback" not in shown(response)
    assert "<h1>Too big</h1>" in shown(response)


def test_a_body_at_the_limit_is_still_read(debug, make_user, browser_for):
    response = browser_for(make_user("alice")).post(
        "/graphs/new/", data="name=Big&graph_text=" + "x" * (LIMIT - len("name=Big&graph_text=")),
        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400  # read, and refused by the form for what it says
    assert "the graph" in shown(response).lower() and TOO_BIG not in shown(response)


def test_a_chunked_form_without_a_length_is_411(debug):
    response = Client().generic("POST", "/accounts/login/", b"", content_type="application/x-www-form-urlencoded",
                                HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411
    assert "with its length given (a Content-Length header)" in shown(response)


def test_a_form_with_too_many_fields_is_400_with_a_plain_page(debug, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = Client().post("/accounts/login/", data="&".join(f"f{i}=x" for i in range(20)),
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "more fields or files than Beacon takes" in shown(response) and "Traceback" not in shown(response)
