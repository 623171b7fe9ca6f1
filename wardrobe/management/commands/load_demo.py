from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from wardrobe.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_closet_load


class Command(BaseCommand):
    help = "Create (idempotently) the demo account demo/demo with a few garments."

    def add_arguments(self, parser):
        parser.add_argument("--data", default=settings.FASHION_DATASET_DIR, help="styles-format dataset folder")
        parser.add_argument("--count", type=int, default=8)

    def handle(self, *args, data: str, count: int, **options):
        data_dir = Path(data) if data and Path(data).is_dir() else None
        result = demo_closet_load(data_dir=data_dir, count=count)
        verb = "Created" if result.user_created else "Found"
        self.stdout.write(f"{verb} account '{DEMO_USERNAME}' (password '{DEMO_PASSWORD}').")
        if result.created:
            self.stdout.write(f"Added {len(result.created)} garment(s) from {result.source}:")
            for name in result.created:
                self.stdout.write(f"  + {name}")
        else:
            self.stdout.write(f"Nothing to add: the demo closet already has {result.existing} garment(s).")
        self.stdout.write(self.style.SUCCESS("Log in at http://127.0.0.1:8000/accounts/login/ as demo / demo."))
