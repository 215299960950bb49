"""/dev/mail/: the mail `make run` caught, readable in the browser, only with DEBUG on, and only by staff."""

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


@pytest.fixture
def staff(make_user):
    client = Client()
    user = make_user("operator")
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


def test_the_mailbox_lists_what_was_sent_and_shows_a_mail_with_its_html_sandboxed(caught, staff):
    inbox = staff.get("/dev/mail/")
    assert inbox.status_code == 200
    assert "2 new notifications in Beacon" in page_text(inbox) and "alice@example.org" in page_text(inbox)

    shown = page_text(staff.get(f"/dev/mail/{caught}/"))
    assert "Hello alice, &lt;b&gt;plain&lt;/b&gt;" in shown  # the text part, escaped
    assert "<iframe" in shown and " sandbox " in shown  # the HTML part: no script of it runs
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_without_debug_or_with_a_made_up_name_there_is_nothing(caught, settings, staff):
    assert staff.get("/dev/mail/../../etc/passwd/").status_code == 404
    assert staff.get("/dev/mail/20260101-000000-00001.eml/").status_code == 404
    settings.DEBUG = False
    assert staff.get("/dev/mail/").status_code == 404
    assert staff.get(f"/dev/mail/{caught}/").status_code == 404


def test_nobody_but_staff_reads_everyones_mail(caught, make_user):
    # someone not logged in is sent to log in, and sees no mail
    for path in ("/dev/mail/", f"/dev/mail/{caught}/"):
        page = Client().get(path)
        assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    # a user who is not staff is refused, and told why
    bob = Client()
    bob.force_login(make_user("bob"))
    for path in ("/dev/mail/", f"/dev/mail/{caught}/"):
        page = bob.get(path)
        assert page.status_code == 403
        assert "it is for staff users only" in page_text(page)
        assert "alice@example.org" not in page.content.decode()
