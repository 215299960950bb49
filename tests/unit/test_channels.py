"""Each user's Redis channel, under the site's prefix: another site's channels are nobody's here."""

from realtime.publish import DEFAULT_CHANNEL_PREFIX, Channels


def test_a_user_channel_is_the_prefix_and_the_id_and_reads_back():
    channels = Channels("site-a:user:")
    assert channels.of(42) == "site-a:user:42"
    assert channels.user_id_of(b"site-a:user:42") == 42
    assert channels.pattern == "site-a:user:*"


def test_another_prefix_or_a_name_that_is_not_an_id_is_nobody():
    channels = Channels("site-a:user:")
    assert channels.user_id_of(b"site-b:user:42") is None
    assert channels.user_id_of("site-a:user:42x") is None
    assert channels.user_id_of(b"site-a:user:") is None


def test_the_default_prefix_is_beacons():
    assert Channels().of(7) == DEFAULT_CHANNEL_PREFIX + "7" == "beacon:user:7"
