"""/dev/mail/: the mail `make run` caught, readable in the browser, and only with DEBUG on."""

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from dev.mail import KeepingHandler
from tests.web.conftest import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def caught(settings, tmp_path):
    settings.DEBUG = True
    settings.DEV_MAIL_DIR = str(tmp_path)
    message = EmailMultiAlternatives("2 new notifications in Beacon", "Hello alice, <b>plain</b>", "beacon@localhost",
                                     ["alice@example.org"])
    message.attach_alternative("<p>Graph <b>“&lt;script&gt;”</b></p><script>alert(1)</script>", "text/html")
    KeepingHandler(tmp_path).keep(message.message().as_bytes())
    [path] = tmp_path.glob("*.eml")
    return path.name


def test_the_mailbox_lists_what_was_sent_and_shows_a_mail_with_its_html_sandboxed(caught):
    inbox = Client().get("/dev/mail/")
    assert inbox.status_code == 200
    assert "2 new notifications in Beacon" in page_text(inbox) and "alice@example.org" in page_text(inbox)

    shown = page_text(Client().get(f"/dev/mail/{caught}/"))
    assert "Hello alice, &lt;b&gt;plain&lt;/b&gt;" in shown  # the text part, escaped
    assert "<iframe" in shown and " sandbox " in shown  # the HTML part: no script of it runs
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_without_debug_or_with_a_made_up_name_there_is_nothing(caught, settings):
    assert Client().get("/dev/mail/../../etc/passwd/").status_code == 404
    assert Client().get("/dev/mail/20260101-000000-00001.eml/").status_code == 404
    settings.DEBUG = False
    assert Client().get("/dev/mail/").status_code == 404
    assert Client().get(f"/dev/mail/{caught}/").status_code == 404
