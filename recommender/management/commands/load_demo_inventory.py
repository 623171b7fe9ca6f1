"""Import the demo inventory (settings.FASHION_DATASET_DIR, the 300-item mini set by default), embed it here and
build the index, so recommendations have something to show on a fresh machine. Re-running is cheap: unchanged rows
and ready vectors are skipped."""
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from recommender import services


class Command(BaseCommand):
    help = "Import, embed and index the demo inventory from FASHION_DATASET_DIR (or --data)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data", default=settings.FASHION_DATASET_DIR, help="a styles-format dataset folder")

    def handle(self, *args, **options) -> None:
        root = Path(options["data"])
        if not (root / "items.csv").is_file():
            self.stderr.write(f"no demo inventory: {root / 'items.csv'} does not exist (set FASHION_DATASET_DIR)")
            return
        call_command("import_inventory", csv=str(root / "items.csv"), images=str(root / "images"), no_progress=True, stdout=self.stdout)
        call_command("embed_pending", now=True, stdout=self.stdout, stderr=self.stderr)
        version = services.rebuild_index()
        self.stdout.write(f"index: {version.version} ({version.item_count} items)" if version else "index up to date")
