"""``python manage.py send_digests``: a digest run now, in this process: the code beat's check runs."""

from django.core.management.base import BaseCommand

from web.digest.sending import send_now


class Command(BaseCommand):
    help = ("Mail each user whose digest slot has come their unread notifications not mailed before "
            "(the run beat's check starts).")

    def add_arguments(self, parser):
        parser.add_argument("--settle-minutes", type=float, default=None,
                            help="mail notifications at least this old (default DIGEST_SETTLE_MINUTES); "
                                 "0 mails the ones just made, for a demo")
        parser.add_argument("--due-now", action="store_true",
                            help="treat every user's next digest as due now (each schedule's next slot stays "
                                 "the one it was), for a demo")

    def handle(self, *args, settle_minutes, due_now, **options):
        if settle_minutes is not None and settle_minutes < 0:
            self.stderr.write("--settle-minutes cannot be negative")
            raise SystemExit(2)
        outcome = send_now(settle_minutes=settle_minutes, due_now=due_now)
        self.stdout.write(f"Mailed {_count(outcome.users_mailed, 'user')} "
                          f"({_count(outcome.notifications_mailed, 'notification')}); "
                          f"{outcome.users_left} left for the next run"
                          + (f"; {outcome.users_held} held back by a refusal of their address." if outcome.users_held
                             else "."))
        if outcome.users_left:
            raise SystemExit(1)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
