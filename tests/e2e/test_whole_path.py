"""The whole path: a user acts in one browser, another's header updates live.

Everything is real: HTTP through the router to gunicorn, the action's outbox
row, Celery relaying it to Kafka, the consumer group, the delivery task in
PostgreSQL, the Redis wake-up and the held long-poll.
"""

import pytest

from tests.support.waiting import wait_for
from web.groups.actions import add_member, create_group

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


def test_a_graph_shared_with_a_group_reaches_the_other_members_live(beacon, make_user):
    # given alice and bob in one group, carol outside it, each at a browser
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    browsers = {}
    for user, password in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        browsers[user] = beacon.browser()
        browsers[user].log_in(user.username, password)
    # "You created group Lab" has arrived (read: her own action) before bob acts
    alices_page = _settled_page(browsers[alice], expected_cursor=1, expected_unread=0)
    cursor = int(alices_page.body_attribute("data-realtime-cursor"))
    carols_cursor = int(browsers[carol].get("/").body_attribute("data-realtime-cursor"))

    # when bob creates a graph in the group, while alice's poll is held
    home = browsers[bob].get("/")
    created = browsers[bob].post("/graphs/new/", {
        "csrfmiddlewaretoken": home.csrf_token(), "name": "<i>Kinase</i> map", "description": "", "group": lab.pk,
        "graph_text": '{"elements": {"nodes": [{"data": {"id": "p53"}}]}}',
    }, referer_path="/")
    assert created.status == 302 and created.headers["Location"].startswith("/graphs/")
    answer = browsers[alice].poll(cursor).json()

    # then alice's poll answers with the new notification and her new count
    assert answer["cursor"] == cursor + 1
    assert answer["unread"] == 1
    [event] = answer["events"]
    assert event["type"] == "notification.created"
    assert event["seq"] == cursor + 1
    assert event["notification"]["kind"] == "group"
    assert event["notification"]["text"] == f"{bob.username} shared graph “<i>Kinase</i> map” with “Lab”."
    # and her next page shows it, escaped, with the same count in the header
    page = browsers[alice].get("/notifications/")
    assert page.element_text("unread-count") == "1"
    assert "&lt;i&gt;Kinase&lt;/i&gt; map" in page.text and "<i>Kinase</i>" not in page.text
    # and bob was told he created it, in his own stream
    def bobs_texts():
        texts = [e["notification"]["text"] for e in browsers[bob].poll(0, timeout=0).json()["events"]]
        return texts if len(texts) == 2 else None

    assert set(wait_for(bobs_texts, message="bob's two notifications")) == {
        f"{alice.username} added you to group “Lab”.", "You uploaded graph “<i>Kinase</i> map”."}
    # and carol, outside the group, got nothing
    assert browsers[carol].poll(carols_cursor, timeout=1).json() == {"cursor": carols_cursor, "unread": 0, "events": []}


def test_a_malformed_record_is_dead_lettered_and_the_next_event_still_arrives(beacon, make_user):
    from django.conf import settings
    from kafka import KafkaConsumer

    from tasks import kafka_clients
    from web.notifications.events import Target, dead_letter_topic, new_event, topic_for

    # given dana, logged in
    dana = make_user("dana")
    browser = beacon.browser()
    browser.log_in(dana.username, "dana")

    # when a broken record and then a valid owner event for dana reach the owner topic
    kafka_clients.send_raw(topic_for("owner"), b"broken", b"{not json", [])
    event = new_event(action_id="6a1f4e8e-8f0e-4b8f-9d87-3f0f5d1c2b7a", kind="owner", verb="updated", actor=dana,
                      target=Target("graph", 99, "Pathways"),
                      recipients=[{"user": dana.pk, "reasons": [{"kind": "owner"}]}])
    kafka_clients.send_batch([(topic_for("owner"), event.kafka_key, event.to_dict())])

    # then dana's poll brings the valid one
    answer = browser.poll(0).json()
    assert [e["notification"]["text"] for e in answer["events"]] == ["You updated graph “Pathways”."]
    # and the broken one waits in the dead-letter topic, with the reason
    consumer = KafkaConsumer(dead_letter_topic(), bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
                             auto_offset_reset="earliest")
    records = []
    try:
        wait_for(lambda: records.extend(r for batch in consumer.poll(200).values() for r in batch
                                        if r.key == b"broken") or records,
                 timeout=20, message="the broken record in the dead-letter topic")
    finally:
        consumer.close()
    assert [r.value for r in records] == [b"{not json"]
    headers = dict(records[0].headers)
    assert headers["beacon-error"].startswith(b"value is not JSON")
    assert headers["beacon-source-topic"] == topic_for("owner").encode()


def _settled_page(browser, *, expected_cursor: int, expected_unread: int):
    """The home page once earlier notifications have arrived, as a person would reload it."""
    return wait_for(
        lambda: ((page := browser.get("/")).body_attribute("data-realtime-cursor") == str(expected_cursor)
                 and page.element_text("unread-count") == str(expected_unread) and page),
        timeout=20, message=f"the page at cursor {expected_cursor} with {expected_unread} unread",
    )
