from django.core.management.base import BaseCommand

from dev.demo import DEMO_CLUB, DEMO_GROUP, load_demo


class Command(BaseCommand):
    help = "Load Beacon's demo users, group and graphs (safe to run again)."

    def handle(self, *args, **options):
        for login in load_demo():
            self.stdout.write(f"demo login: {login}")
        self.stdout.write(f"demo group: {DEMO_GROUP} (alice and bob)")
        self.stdout.write(f"demo group: {DEMO_CLUB} (carol and alice)")
