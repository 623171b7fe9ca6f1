"""wardrobe.http: url_for_pk gives exactly what reverse() gives; safe_next never redirects off the site."""
import pytest
from django.urls import reverse

from wardrobe.http import safe_next, url_for_pk


@pytest.mark.parametrize("pk", [1, 7, 2147483646, 10**12])
@pytest.mark.parametrize(("name", "extra"), [
    ("recommender:similar-item", ()), ("recommender:item-image", ("thumb",)), ("recommender:item-image", ("full",)),
    ("wardrobe:garment-detail", ()), ("wardrobe:garment-image", ("thumb",)),
])
def test_url_for_pk_matches_reverse(name, extra, pk):
    assert url_for_pk(name, pk, *extra) == reverse(name, args=[pk, *extra])


def test_a_next_that_points_off_site_is_replaced_by_the_default(rf):
    assert safe_next(rf.post("/x/", {"next": "https://evil.example/steal"}), "/closet/") == "/closet/"
    assert safe_next(rf.post("/x/", {"next": "//evil.example/"}), "/closet/") == "/closet/"


def test_a_next_on_this_site_is_kept_from_the_form_or_the_query(rf):
    assert safe_next(rf.post("/x/", {"next": "/calendar/2026-12/"}), "/closet/") == "/calendar/2026-12/"
    assert safe_next(rf.get("/x/", {"next": "/outfits/"}), "/closet/") == "/outfits/"
