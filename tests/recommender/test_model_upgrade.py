"""After the encoder changes (new weights, another input size), every stored vector follows without a manual step:
the upgrade pass re-embeds the rows an older model made, a batch at a time, through the ordinary jobs."""
import pytest
from django.core.management import call_command

from recommender import services
from recommender import tasks as shop_tasks
from recommender.models import EmbeddingState, InventoryItem
from tests.factories import GarmentFactory, InventoryItemFactory, image_bytes, upload
from wardrobe import embedding, moodboards
from wardrobe.models import BoardPhoto, Garment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OLD = "item:img:efficientnet_lite0:96:avg:imagenet0000|txt:old|w=0.70"  # what the model before the change wrote


@pytest.fixture(autouse=True)
def eager_small_encoder(settings):
    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"
    settings.CELERY_TASK_ALWAYS_EAGER = True


def made_by_the_old_model(model, rows) -> None:
    model.objects.filter(pk__in=[r.pk for r in rows]).update(embedding_version=OLD)


def test_the_upgrade_pass_re_embeds_items_garments_and_board_photos_an_older_model_made(
    alice, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        items = InventoryItemFactory.create_batch(2)
        garment = GarmentFactory(owner=alice)
        photo = moodboards.board_photo_upload(board=moodboards.board_create(owner=alice, name="Trip"),
                                              image=upload("look.jpg", image_bytes(size=(120, 160))))
    services.embed_items(item_ids=[i.pk for i in items])
    made_by_the_old_model(InventoryItem, items), made_by_the_old_model(Garment, [garment])
    made_by_the_old_model(BoardPhoto, [photo])

    upgrade = services.requeue_outdated_embeddings(limit=10, only_when_idle=False)

    current = embedding.get_encoder().version
    assert (upgrade.items, upgrade.garments, upgrade.board_photos) == (2, 1, 1)
    for model in (InventoryItem, Garment, BoardPhoto):
        assert set(model.objects.values_list("embedding_state", "embedding_version")) == {(EmbeddingState.READY, current)}


def test_the_upgrade_pass_takes_at_most_its_batch_oldest_first():
    items = InventoryItemFactory.create_batch(3)
    services.embed_items(item_ids=[i.pk for i in items])
    made_by_the_old_model(InventoryItem, items)
    oldest = sorted(items, key=lambda i: InventoryItem.objects.get(pk=i.pk).embedding_updated_at)[0]

    assert services.requeue_outdated_items(model_version=embedding.get_encoder().version, limit=1) == 1
    assert InventoryItem.objects.filter(embedding_version=OLD).count() == 2
    assert InventoryItem.objects.get(pk=oldest.pk).embedding_version != OLD


def test_vectors_of_the_current_model_are_left_alone():
    items = InventoryItemFactory.create_batch(2)
    services.embed_items(item_ids=[i.pk for i in items])
    before = list(InventoryItem.objects.order_by("pk").values_list("embedding", "embedding_updated_at"))

    upgrade = services.requeue_outdated_embeddings(limit=10, only_when_idle=False)

    assert upgrade.total == 0
    assert list(InventoryItem.objects.order_by("pk").values_list("embedding", "embedding_updated_at")) == before


def test_the_beat_task_waits_when_it_cannot_tell_whether_the_embedding_queue_is_idle():
    items = InventoryItemFactory.create_batch(1)
    services.embed_items(item_ids=[i.pk for i in items])
    made_by_the_old_model(InventoryItem, items)

    assert shop_tasks.reembed_outdated() == 0  # eager mode: no broker to ask, so fresh uploads are never starved
    assert InventoryItem.objects.get().embedding_version == OLD


def test_the_command_re_embeds_every_outdated_vector_now(capsys):
    items = InventoryItemFactory.create_batch(2)
    services.embed_items(item_ids=[i.pk for i in items])
    made_by_the_old_model(InventoryItem, items)

    call_command("embed_pending", "--outdated")

    assert not InventoryItem.objects.filter(embedding_version=OLD).exists()
    assert "2 item(s)" in capsys.readouterr().out
