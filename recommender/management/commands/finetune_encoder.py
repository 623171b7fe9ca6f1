"""Fine-tune the image encoder on this shop's own active inventory (``ml.finetune_heads``), so a shop with another
catalogue gets a model of its own: heads for the items' article type, colour, gender and usage on the trunk.

The items' external ids decide the split (``ml.data.split_of``): about 1 in 20 chooses the epoch and is never
trained on. The command writes the checkpoint and prints how to switch to it; once ML_IMAGE_WEIGHTS points at it
the encoder's model version changes, and re-embedding (the admin's "Re-embed selected items", then the index
rebuild) moves every item and garment onto it through the existing jobs.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ml.data import StyleItem
from ml.finetune_heads import Catalogue, HeadsConfig, train
from recommender.models import InventoryItem
from wardrobe.embedding import read_stored_file


def inventory_catalogue() -> Catalogue:
    """The active inventory items with a photo, as styles-format rows read from storage."""
    rows = (InventoryItem.objects.filter(is_active=True).exclude(image="")
            .values_list("external_id", "gender", "master_category", "sub_category", "article_type", "base_colour",
                         "season", "usage", "name", "image"))
    items, photos = [], {}
    for external_id, gender, master, sub, article, colour, season, usage, name, image in rows:
        items.append(StyleItem(id=external_id, gender=gender, master_category=master, sub_category=sub,
                               article_type=article, base_colour=colour, season=season, year="", usage=usage,
                               name=name, row_number=0))
        photos[external_id] = image
    return Catalogue(items, lambda item: read_stored_file(photos[item.id]), "the active inventory")


class Command(BaseCommand):
    help = "Fine-tune the image encoder on the active inventory's photos and labels (see docs/finetune.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="checkpoint path (the best epoch goes to <out>-best)")
        parser.add_argument("--export", help="also write the best epoch's trunk in fp16 here")
        parser.add_argument("--epochs", type=int, default=HeadsConfig.epochs)
        parser.add_argument("--views", type=int, default=HeadsConfig.views)
        parser.add_argument("--input-size", type=int, default=HeadsConfig.input_size)
        parser.add_argument("--limit", type=int, help="train on the first N items only")
        parser.add_argument("--seed", type=int, default=HeadsConfig.seed)
        parser.add_argument("--resume", action="store_true")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options) -> None:
        config = HeadsConfig(data="inventory", out=options["out"], export=options["export"],
                             epochs=options["epochs"], views=options["views"], input_size=options["input_size"],
                             limit=options["limit"], seed=options["seed"], resume=options["resume"],
                             progress=not options["quiet"])
        try:
            result = train(config, inventory_catalogue())
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        best = result.history[result.best_epoch]
        self.stdout.write(
            f"best epoch {result.best_epoch} of {config.epochs}: validation articleType P@10 {best['p10_clean']:.3f} "
            f"(before: {result.history[0]['p10_clean']:.3f}); checkpoint {result.checkpoint}"
        )
        weights = result.export or result.checkpoint
        self.stdout.write(f"to use it: set ML_IMAGE_WEIGHTS={weights} (and ML_IMAGE_INPUT_SIZE={config.input_size}), "
                          "restart the workers, re-embed the inventory and rebuild the index")
