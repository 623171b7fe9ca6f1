"""Rebuild the nearest-neighbour index from the ready, active inventory and switch to it."""
from django.core.management.base import BaseCommand

from recommender import services


class Command(BaseCommand):
    help = "Build a new index version from the database, verify it and make it current."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="rebuild even when the current index is up to date")

    def handle(self, *args, **options) -> None:
        version = services.rebuild_index(force=options["force"])
        if version is None:
            self.stdout.write("nothing rebuilt (up to date, nothing embedded yet, or another rebuild is running)")
        else:
            self.stdout.write(f"index {version.version}: {version.item_count} items in {version.build_seconds:.1f}s")
