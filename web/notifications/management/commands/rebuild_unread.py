import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from web.notifications import repair


class Command(BaseCommand):
    help = ("Rebuild unread counts from the notifications (a user's count is their notifications not yet read). "
            "A count that differs is set right, and the user's open pages are sent the new one.")

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", action="append", dest="usernames", metavar="USERNAME",
                         help="this user (may be given more than once)")
        who.add_argument("--all", action="store_true", dest="everyone",
                         help="every user (one query finds those that differ)")
        parser.add_argument("--check", action="store_true",
                            help="only report differences, and exit with status 1 if there are any")

    def handle(self, *args, usernames=None, everyone=False, check=False, **options):
        if everyone:
            drifts = repair.find_drift() if check else repair.rebuild_all()
            names = _usernames(d.user_id for d in drifts)
        else:
            names = _users_named(usernames)
            drifts = [d for d in (repair.check(pk) if check else repair.rebuild(pk) for pk in names) if d]
        for drift in drifts:
            outcome = "" if check else f": set to {drift.actual}"
            self.stdout.write(f"{names.get(drift.user_id, '(deleted)')} (user {drift.user_id}): count was "
                              f"{drift.recorded}, {drift.actual} notifications are unread{outcome}")
        if not drifts:
            self.stdout.write("Every unread count matches the notifications.")
        elif check:
            self.stdout.write(f"{_counts(drifts)} wrong; run without --check to fix.")
            sys.exit(1)
        else:
            self.stdout.write(f"{_counts(drifts)} fixed.")


def _counts(drifts) -> str:
    return f"{len(drifts)} unread count{'' if len(drifts) == 1 else 's'}"


def _users_named(usernames: list[str]) -> dict[int, str]:
    found = dict(get_user_model().objects.filter(username__in=usernames).values_list("pk", "username"))
    missing = sorted(set(usernames) - set(found.values()))
    if missing:
        raise CommandError(f"no such user: {', '.join(missing)}")
    return found


def _usernames(user_ids) -> dict[int, str]:
    return dict(get_user_model().objects.filter(pk__in=list(user_ids)).values_list("pk", "username"))
