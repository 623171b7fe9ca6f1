"""Queue (or, with --now, run here) the embedding of every inventory item and garment still waiting for a vector;
--outdated queues every ready vector an older model made (after a change of weights or input size), at once."""
from datetime import timedelta

from django.core.management.base import BaseCommand
from tqdm import tqdm

from recommender import services
from recommender.models import EmbeddingState, InventoryItem
from wardrobe.services import requeue_stale_garments


class Command(BaseCommand):
    help = "Queue embedding for pending items and garments; --now embeds the items in this process."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", action="store_true", help="embed inventory items here, in batches, not via a worker")
        parser.add_argument("--older-than", type=int, default=0, help="only those pending longer than this (seconds)")
        parser.add_argument("--outdated", action="store_true",
                            help="queue every ready vector another model version made (the beat does it in batches)")

    def handle(self, *args, **options) -> None:
        if options["outdated"]:
            upgrade = services.requeue_outdated_embeddings(limit=10**9, only_when_idle=False)
            self.stdout.write(f"queued {upgrade.items} item(s), {upgrade.garments} garment(s) and "
                              f"{upgrade.board_photos} board photo(s) made by another model than {upgrade.model_version}")
            return
        if options["now"]:
            ids = list(
                InventoryItem.objects.exclude(embedding_state=EmbeddingState.READY).values_list("pk", flat=True)
            )
            with tqdm(total=len(ids), unit="items", file=self.stderr._out) as bar:
                for chunk in services.embedding.chunks(ids, 64):
                    services.embed_items(item_ids=chunk)
                    bar.update(len(chunk))
            self.stdout.write(f"embedded {len(ids)} item(s)")
            return
        older = timedelta(seconds=options["older_than"])
        if options["older_than"]:
            items = services.requeue_stale_items(pending_older_than=older, processing_older_than=older)
        else:
            items = services.queue_pending_items()
        garments = requeue_stale_garments(pending_older_than=older, processing_older_than=older)
        self.stdout.write(f"queued {items} item(s) and {garments} garment(s)")
