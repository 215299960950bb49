"""The event format: what the consumer accepts, and what it dead-letters and why."""

import json

import pytest

from web.notifications.events import InvalidEvent, NotificationEvent

VALID = {
    "v": 2,
    "id": "0b9f9f52-4a4e-4d36-9b84-2f8e4c7e1a11",
    "action_id": "5d1e2c3b-7a8f-4f60-8b1e-9a0c2d3e4f50",
    "kind": "group",
    "verb": "shared",
    "actor_id": 7,
    "actor_name": "bob",
    "target_type": "graph",
    "target_id": 12,
    "target_name": "Kinase map",
    "graph_id": 12,
    "graph_name": "Kinase map",
    "group_id": 3,
    "group_name": "Lab",
    "member_id": None,
    "member_name": "",
    "old_name": "",
    "link": "/graphs/12/",
    "occurred_at": "2026-11-25T10:00:00+00:00",
    "recipients": [
        {"user": 8, "reasons": [{"kind": "group", "group": {"id": 3, "name": "Lab"}}]},
        {"user": 9, "reasons": [{"kind": "group", "group": {"id": 3, "name": "Lab"}}]},
    ],
}
REASON = [{"kind": "group", "group": {"id": 3, "name": "Lab"}}]


def test_an_event_survives_the_trip_through_json():
    event = NotificationEvent.from_dict(VALID)
    assert NotificationEvent.from_json(event.to_json()) == event
    assert event.kafka_key == "graph:12"


def test_an_event_is_written_as_v3_each_reason_once():
    written = NotificationEvent.from_dict(VALID).to_dict()
    assert written["v"] == 3
    assert written["reasons"] == [{"kind": "group", "group": {"id": 3, "name": "Lab"}}]
    assert written["recipients"] == [[8, 0], [9, 0]]


def test_a_recipient_with_several_reasons_names_each_and_shares_them():
    watching = {"kind": "watching", "watched": {"type": "graph", "id": 12, "name": "Kinase map"}}
    event = NotificationEvent.from_dict({**VALID, "recipients": [
        {"user": 8, "reasons": [*REASON, watching]}, {"user": 9, "reasons": [watching]},
        {"user": 10, "reasons": REASON},
    ]})
    written = event.to_dict()
    assert written["reasons"] == [REASON[0], watching]
    assert written["recipients"] == [[8, 0, 1], [9, 1], [10, 0]]
    assert NotificationEvent.from_dict(written).recipients == event.recipients


V3 = NotificationEvent.from_dict(VALID).to_dict()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"reasons": {"kind": "group"}}, "reasons is not a list of objects"),
        ({"reasons": ["group"]}, "reasons is not a list of objects"),
        ({"recipients": {"8": [0]}}, "field 'recipients' has the wrong type"),
        ({"recipients": [[8, 0], ["9", 0]]}, "a recipient is not [<user id>, <reason index>, ...]"),
        ({"recipients": [[8, True]]}, "a recipient is not [<user id>, <reason index>, ...]"),
        ({"recipients": [[8]]}, "recipient 8 has no reasons"),
        ({"recipients": [[8, 1]]}, "recipient 8 names a reason the event does not have"),
        ({"recipients": [[8, -1]]}, "recipient 8 names a reason the event does not have"),
        ({"recipients": [[8, 0], [8, 0]]}, "recipient 8 appears twice"),
        ({"recipients": []}, "recipients is empty"),
    ],
)
def test_a_malformed_v3_event_is_refused_with_its_fault_named(change, reason):
    with pytest.raises(InvalidEvent) as refused:
        NotificationEvent.from_dict({**V3, **change})
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"v": 1}, "unknown event version 1"),
        ({"kind": "gossip"}, "unknown kind 'gossip'"),
        ({"target_type": "table"}, "unknown target type 'table'"),
        ({"actor_id": "7"}, "field 'actor_id' has the wrong type"),
        ({"actor_id": True}, "field 'actor_id' has the wrong type"),
        ({"id": "not-a-uuid"}, "field 'id' is not a UUID"),
        ({"group_id": None}, "a group event needs group_id"),
        ({"occurred_at": "yesterday"}, "occurred_at is not an ISO 8601 time"),
        ({"recipients": []}, "recipients is empty"),
        ({"recipients": [{"user": "8", "reasons": REASON}]}, 'a recipient is not {"user": <id>, "reasons": [...]}'),
        ({"recipients": [{"user": 8, "reasons": []}]}, "recipient 8 has no reasons"),
        ({"recipients": [{"user": 8, "reasons": REASON}, {"user": 8, "reasons": REASON}]}, "recipient 8 appears twice"),
        ({"recipients": [{"user": 7, "reasons": REASON}]}, "a group event names its own actor"),
        ({"kind": "owner", "group_id": None}, "an owner event is for its actor alone"),
        ({"recipients": [{"user": n, "reasons": REASON} for n in range(10, 511)]}, "more than 500 recipients"),
    ],
)
def test_a_malformed_event_is_refused_with_its_fault_named(change, reason):
    with pytest.raises(InvalidEvent) as refused:
        NotificationEvent.from_dict({**VALID, **change})
    assert str(refused.value) == reason


def test_a_missing_field_is_named():
    data = dict(VALID)
    del data["target_name"]
    with pytest.raises(InvalidEvent, match="missing field 'target_name'"):
        NotificationEvent.from_dict(data)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "record has no value"),
        (b"{not json", "value is not JSON"),
        (b"\xff\xfe", "value is not JSON"),
        (json.dumps([1, 2]).encode(), "event is not a JSON object"),
    ],
)
def test_a_record_that_is_not_an_event_is_refused(raw, reason):
    with pytest.raises(InvalidEvent, match=reason):
        NotificationEvent.from_json(raw)
