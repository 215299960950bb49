import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from kafka.errors import KafkaError

from tasks import dead_letters
from web.notifications.events import dead_letter_topic

PREVIEW_CHARS = 100


class Command(BaseCommand):
    help = ("List the records the consumer could not deliver (the dead-letter topic, read from the beginning "
            "without joining a consumer group), or replay chosen ones to the topic they came from.")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, metavar="N",
                            help="list the newest N (default 50; 0 for all)")
        parser.add_argument("--replay", nargs="+", metavar="TOPIC:PARTITION:OFFSET",
                            help="send these records (named by their source, as listed) to their topic again")
        parser.add_argument("--value-file", type=Path, metavar="PATH",
                            help="with one --replay: send this file's content as the value instead "
                                 "(a record fixed by hand; checked as the consumer will check it)")

    def handle(self, *args, limit, replay, value_file, **options):
        if value_file is not None and (not replay or len(replay) != 1):
            raise CommandError("--value-file replays one record: give exactly one --replay")
        if limit < 0:
            raise CommandError("--limit must be 0 or more")
        # kafka-python logs every failed connection attempt; the one error that matters is ours, below.
        kafka_log = logging.getLogger("kafka")
        level = kafka_log.level
        if options["verbosity"] < 2:
            kafka_log.setLevel(logging.CRITICAL)
        try:
            letters = dead_letters.read_all()
            if replay:
                self._replay(dead_letters.select(letters, replay), value_file)
            else:
                self._list(letters, limit)
        except dead_letters.DeadLetterError as exc:
            raise CommandError(str(exc)) from None
        except KafkaError as exc:
            raise CommandError(f"Kafka at {','.join(settings.KAFKA_BOOTSTRAP_SERVERS)}: {exc}") from None
        finally:
            kafka_log.setLevel(level)

    def _list(self, letters, limit):
        topic = dead_letter_topic()
        if not letters:
            self.stdout.write(f"No dead letters in {topic}.")
            return
        shown = letters[-limit:] if limit else letters
        for letter in shown:
            self.stdout.write(
                f"{letter.selector or '(source unknown)'}  {letter.timestamp:%Y-%m-%d %H:%M:%S} UTC"
                f"  (dead-letter {letter.partition}:{letter.offset})\n"
                f"  reason: {letter.reason}\n"
                f"  key:    {_preview(letter.key)}\n"
                f"  value:  {_preview(letter.value, size=True)}"
            )
        more = f", the newest {len(shown)} shown (--limit)" if len(shown) < len(letters) else ""
        self.stdout.write(f"{len(letters)} dead letters in {topic}{more}. Replay one with "
                          f"--replay <topic:partition:offset> as listed.")

    def _replay(self, chosen, value_file):
        value = _read(value_file) if value_file is not None else None
        # Every one is checked before any is sent, so a mistake sends nothing.
        for letter in chosen:
            dead_letters.check_replayable(letter, value)
        for letter in chosen:
            topic = dead_letters.replay(letter, value)
            what = f"the value of {value_file}" if value is not None else "its key and value"
            self.stdout.write(f"Replayed {letter.selector}: {what} sent to {topic}.")
        self.stdout.write("The consumer validates them again: a record still invalid returns to "
                          f"{dead_letter_topic()} with its new reason.")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def _preview(raw: bytes | None, *, size: bool = False) -> str:
    if raw is None:
        return "(none)"
    text = " ".join(raw.decode(errors="replace").split())
    cut = text[:PREVIEW_CHARS] + "…" if len(text) > PREVIEW_CHARS else text
    return f"{cut} ({len(raw)} bytes)" if size else cut
