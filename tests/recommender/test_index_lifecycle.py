import threading
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from recommender import selectors, services
from recommender.models import IndexVersion
from tests.factories import InventoryItemFactory

pytestmark = pytest.mark.django_db


def make_items(vectors):
    return [InventoryItemFactory(vector=v) for v in vectors]


def test_rebuild_writes_a_new_version_folder_and_makes_it_current(settings, unit_vectors):
    make_items(unit_vectors(20))
    version = services.rebuild_index()
    assert version.is_current and version.item_count == 20
    assert Path(version.folder).parent == Path(settings.ML_INDEX_DIR)
    assert (Path(version.folder) / "meta.json").is_file()


def test_an_up_to_date_index_is_not_rebuilt(unit_vectors):
    make_items(unit_vectors(5))
    services.rebuild_index()
    assert services.rebuild_index() is None
    assert IndexVersion.objects.count() == 1


def test_only_one_version_is_current_after_several_rebuilds(unit_vectors):
    make_items(unit_vectors(5))
    for _ in range(3):
        services.rebuild_index(force=True)
    assert IndexVersion.objects.filter(is_current=True).count() == 1


def test_current_index_finds_an_item_from_its_own_vector(unit_vectors):
    vectors = unit_vectors(30)
    items = make_items(vectors)
    services.rebuild_index()
    index = selectors.current_index()
    assert index.kind == "annoy"
    assert index.query(vectors[7], 1)[0][0] == items[7].pk


def test_current_index_maps_the_new_version_without_restart(unit_vectors):
    make_items(unit_vectors(10))
    services.rebuild_index()
    first = selectors.current_index()
    extra = InventoryItemFactory(vector=unit_vectors(1, seed=9)[0])
    services.rebuild_index()
    second = selectors.current_index()
    assert second is not first
    assert extra.pk in second and extra.pk not in first


def test_a_retired_item_is_never_returned_even_before_the_next_rebuild(unit_vectors):
    vectors = unit_vectors(10)
    items = make_items(vectors)
    services.rebuild_index()
    services.set_active(item_ids=[items[3].pk], active=False)
    found = selectors.current_index().query(vectors[3], 5)
    assert items[3].pk not in [pk for pk, _ in found]
    assert len(found) == 5


def test_a_corrupt_index_file_falls_back_to_exact_search(unit_vectors):
    vectors = unit_vectors(10)
    items = make_items(vectors)
    version = services.rebuild_index()
    with open(Path(version.folder) / "index.ann", "r+b") as fh:
        fh.seek(16)
        fh.write(b"\x00garbage\x00")
    index = selectors.current_index()
    assert index.kind == "exact" and "sha256" in index.fallback_reason
    assert index.query(vectors[2], 1)[0][0] == items[2].pk


def test_a_missing_index_folder_falls_back_to_exact_search(unit_vectors):
    import shutil

    vectors = unit_vectors(6)
    items = make_items(vectors)
    shutil.rmtree(services.rebuild_index().folder)
    index = selectors.current_index()
    assert index.kind == "exact"
    assert index.query(vectors[4], 1)[0][0] == items[4].pk


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_while_another_process_holds_the_lock_does_nothing(unit_vectors):
    from django.db import connection

    make_items(unit_vectors(5))
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with services.single_flight() as got:
            assert got
            held.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    try:
        assert services.rebuild_index(force=True) is None
    finally:
        release.set()
        thread.join()
    assert IndexVersion.objects.count() == 0
    assert services.rebuild_index(force=True) is not None


def test_a_second_lock_request_on_the_same_connection_is_refused():
    with services.single_flight() as outer:
        with services.single_flight() as inner:
            assert (outer, inner) == (True, False)
    with services.single_flight() as again:
        assert again


def test_a_rebuild_started_during_a_rebuild_in_the_same_process_does_not_build_a_second_index(monkeypatch, unit_vectors):
    from recommender.services import index as index_service

    make_items(unit_vectors(6))
    real_build = index_service.AnnoyVectorIndex.build
    inner_results = []

    def build_and_overlap(*args, **kwargs):
        inner_results.append(services.rebuild_index(force=True))
        return real_build(*args, **kwargs)

    monkeypatch.setattr(index_service.AnnoyVectorIndex, "build", build_and_overlap)
    outer = services.rebuild_index(force=True)
    assert inner_results == [None]
    assert list(IndexVersion.objects.values_list("version", flat=True)) == [outer.version]


@pytest.mark.django_db(transaction=True)
def test_two_threads_rebuilding_at_once_in_one_process_build_one_index(monkeypatch, unit_vectors):
    from django.db import connection

    from recommender.services import index as index_service

    make_items(unit_vectors(6))
    real_build = index_service.AnnoyVectorIndex.build
    building, go_on = threading.Event(), threading.Event()

    def slow_build(*args, **kwargs):
        building.set()
        go_on.wait(10)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(index_service.AnnoyVectorIndex, "build", slow_build)
    results = []

    def rebuild() -> None:
        results.append(services.rebuild_index(force=True))
        connection.close()

    first = threading.Thread(target=rebuild)
    first.start()
    assert building.wait(10)
    second = threading.Thread(target=rebuild)
    second.start()
    second.join(10)
    go_on.set()
    first.join(10)
    assert results[0] is None and results[1] is not None
    assert IndexVersion.objects.count() == 1


def test_replaced_versions_are_removed_after_the_grace_period(unit_vectors):
    make_items(unit_vectors(5))
    old = services.rebuild_index()
    services.rebuild_index(force=True)
    assert Path(old.folder).is_dir()
    IndexVersion.objects.filter(pk=old.pk).update(replaced_at=old.built_at - timedelta(days=1))
    assert services.prune_index_versions(grace=timedelta(hours=1)) == 1
    assert not Path(old.folder).exists()


def test_the_inline_rebuild_picks_up_new_items_in_the_embedded_default(settings, unit_vectors):
    settings.RECOMMENDER_REBUILD_INLINE = True
    make_items(unit_vectors(5))
    services.rebuild_index()
    extra = InventoryItemFactory(vector=unit_vectors(1, seed=3)[0])
    selectors.forget_loaded_index()
    assert extra.pk in selectors.current_index()


@pytest.mark.django_db(transaction=True)
def test_queries_never_fail_while_rebuilds_swap_the_index(unit_vectors):
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; concurrent readers and rebuilds are a Postgres deployment concern")

    vectors = unit_vectors(200, dim=32)
    make_items(vectors)
    services.rebuild_index()
    errors, answers = [], []
    stop = threading.Event()

    def reader(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            while not stop.is_set():
                found = selectors.current_index().query(vectors[rng.integers(200)], 5)
                answers.append(len(found))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(4):
            services.rebuild_index(force=True)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert answers and set(answers) == {5}
    assert IndexVersion.objects.filter(is_current=True).count() == 1
