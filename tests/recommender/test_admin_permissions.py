"""Being staff only opens the admin: the index page, the preview of a user's recommendations, the rebuild, the curation
actions and the import jobs each need their own model permission (the preview and the rebuild a custom one)."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from recommender import services
from recommender.models import IndexVersion, InventoryItem
from tests.factories import PASSWORD, InventoryItemFactory, UserFactory
from tests.recommender.test_admin_curation import styles_csv, styles_row

pytestmark = pytest.mark.django_db


def staff_client_with(client, *codenames: str):
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="recommender", codename__in=codenames))
    client.login(username="clerk", password=PASSWORD)
    return client


@pytest.fixture
def bare_staff_client(client):
    """A staff member with no permission at all: the admin opens, nothing in it should."""
    return staff_client_with(client)


@pytest.fixture
def job():
    return services.import_job_create(csv_file=styles_csv([styles_row("1")]), images_zip=None, embed=False)


def test_staff_without_permissions_cannot_open_the_index_page(bare_staff_client):
    assert bare_staff_client.get(reverse("admin:recommender_index_state")).status_code == 403


def test_staff_without_permissions_cannot_list_users_for_a_preview(bare_staff_client):
    UserFactory(username="alice")
    response = bare_staff_client.get(reverse("admin:recommender_index_state"))
    assert b"alice" not in response.content


def test_staff_without_permissions_cannot_start_a_rebuild(bare_staff_client, unit_vectors):
    [InventoryItemFactory(vector=v) for v in unit_vectors(3)]
    response = bare_staff_client.post(reverse("admin:recommender_index_rebuild"))
    assert response.status_code == 403
    assert not IndexVersion.objects.exists()


def test_staff_without_permissions_cannot_read_an_import_jobs_page(bare_staff_client, job):
    assert bare_staff_client.get(reverse("admin:recommender_importjob_change", args=[job.pk])).status_code == 403


def test_staff_without_permissions_cannot_read_an_import_jobs_progress(bare_staff_client, job):
    assert bare_staff_client.get(reverse("admin:recommender_importjob_progress", args=[job.pk])).status_code == 403


def test_staff_without_permissions_cannot_list_import_jobs(bare_staff_client, job):
    assert bare_staff_client.get(reverse("admin:recommender_importjob_changelist")).status_code == 403


def test_staff_who_may_view_jobs_can_read_their_progress(client, job):
    viewer = staff_client_with(client, "view_importjob")
    assert viewer.get(reverse("admin:recommender_importjob_progress", args=[job.pk])).json()["total"] == job.total_rows


def test_staff_who_may_only_view_the_index_see_its_state_but_no_users(client):
    UserFactory(username="alice")
    viewer = staff_client_with(client, "view_indexversion")
    response = viewer.get(reverse("admin:recommender_index_state"))
    assert response.status_code == 200 and b"none built yet" in response.content
    assert b"alice" not in response.content and b"Rebuild the index now" not in response.content


def test_staff_without_the_preview_permission_cannot_preview_a_users_recommendations(client):
    alice = UserFactory(username="alice")
    viewer = staff_client_with(client, "view_indexversion")
    assert viewer.get(reverse("admin:recommender_index_state"), {"user": alice.pk}).status_code == 403


def test_staff_with_the_preview_permission_can_choose_any_user(client):
    UserFactory(username="alice")
    previewer = staff_client_with(client, "view_indexversion", "preview_recommendations")
    assert b"alice" in previewer.get(reverse("admin:recommender_index_state")).content


def test_staff_with_the_rebuild_permission_can_rebuild(client, unit_vectors):
    [InventoryItemFactory(vector=v) for v in unit_vectors(3)]
    builder = staff_client_with(client, "view_indexversion", "rebuild_index")
    builder.post(reverse("admin:recommender_index_rebuild"))
    assert IndexVersion.objects.filter(is_current=True, item_count=3).exists()


def test_staff_who_may_only_view_items_cannot_retire_them(client):
    items = InventoryItemFactory.create_batch(2)
    viewer = staff_client_with(client, "view_inventoryitem")
    viewer.post(
        reverse("admin:recommender_inventoryitem_changelist"),
        {"action": "retire", "_selected_action": [i.pk for i in items]},
    )
    assert InventoryItem.objects.filter(is_active=True).count() == 2


def test_staff_who_may_only_view_items_cannot_rebuild_from_the_list(client, unit_vectors):
    items = [InventoryItemFactory(vector=v) for v in unit_vectors(3)]
    viewer = staff_client_with(client, "view_inventoryitem")
    viewer.post(
        reverse("admin:recommender_inventoryitem_changelist"),
        {"action": "rebuild_now", "_selected_action": [items[0].pk]},
    )
    assert not IndexVersion.objects.exists()
