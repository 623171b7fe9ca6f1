"""Import retail inventory from a Kaggle styles-format CSV or our own CSV (see recommender.services.inventory)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender import services


class Command(BaseCommand):
    help = "Upsert inventory items from a CSV and a folder of photos; report bad rows; --embed queues embedding."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--csv", required=True, help="items.csv (Kaggle styles format) or our own format")
        parser.add_argument("--images", help="folder of photos (default: images/ next to the CSV)")
        parser.add_argument("--embed", action="store_true", help="queue embedding jobs for new and changed items")
        parser.add_argument("--report", help="also write the bad rows to this CSV file")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        csv_path = Path(options["csv"])
        images = Path(options["images"]) if options["images"] else csv_path.parent / "images"
        bar = tqdm(total=0, unit="rows", disable=options["no_progress"], file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            report = services.import_inventory(csv_path=csv_path, images_dir=images, on_progress=progress)
        except services.ImportFormatError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(
            f"{report.total} rows in {report.seconds:.1f}s: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.bad)} bad"
        )
        for bad in report.bad[:50]:
            self.stdout.write(f"  row {bad.row} ({bad.external_id or 'no id'}): {bad.reason}")
        if len(report.bad) > 50:
            self.stdout.write(f"  ... and {len(report.bad) - 50} more" + (" (see --report)" if options["report"] else ""))
        if options["report"]:
            import csv

            with open(options["report"], "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=["row", "external_id", "reason"])
                writer.writeheader()
                writer.writerows(b.as_dict() for b in report.bad)
        if options["embed"]:
            queued = services.queue_pending_items()
            self.stdout.write(f"queued {queued} item(s) for embedding")
