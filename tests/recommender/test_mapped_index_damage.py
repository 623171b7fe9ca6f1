"""An index folder damaged in place while this process has it mapped: For you notices on its next request and
serves a full list from exact search instead of a short or empty one from the garbled files."""
from pathlib import Path

import pytest

from recommender import selectors
from recommender.models import IndexVersion
from recommender.selectors import recommendations_for
from tests.factories import UserFactory
from tests.recommender.recs_fixtures import closet_near, make_inventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


def overwrite_in_place(path: Path, byte: bytes) -> None:
    """Garble the second half of a file without changing its size (what a bad disk or a stray writer does)."""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(size // 2)
        fh.write(byte * (size - size // 2))


def test_for_you_serves_a_full_list_after_the_mapped_index_files_are_corrupted_in_place(alice):
    closet_near(alice, make_inventory(120))
    first = recommendations_for(user=alice, seed=1, k=12)
    assert len(first.cards) == 12 and selectors.current_index().kind == "annoy"

    folder = Path(IndexVersion.objects.get(is_current=True).folder)
    overwrite_in_place(folder / "vectors.npy", b"\xff")  # float16 NaNs: every re-ranked distance is lost
    overwrite_in_place(folder / "ids.npy", b"\x00")
    overwrite_in_place(folder / "index.ann", b"\x00")  # Annoy nodes with no descendants and no children

    page = recommendations_for(user=alice, seed=1, k=12)
    assert len(page.cards) == 12
    assert selectors.current_index().kind == "exact"


def test_an_untouched_mapped_index_keeps_serving_from_annoy(alice):
    closet_near(alice, make_inventory(60))
    recommendations_for(user=alice, seed=1, k=12)
    mapped = selectors.current_index()
    recommendations_for(user=alice, seed=2, k=12)
    assert selectors.current_index() is mapped and mapped.kind == "annoy"
