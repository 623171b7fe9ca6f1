"""wardrobe.http.url_for_pk: the cached route pattern gives exactly what reverse() gives."""
import pytest
from django.urls import reverse

from wardrobe.http import url_for_pk


@pytest.mark.parametrize("pk", [1, 7, 2147483646, 10**12])
@pytest.mark.parametrize(("name", "extra"), [
    ("recommender:similar-item", ()), ("recommender:item-image", ("thumb",)), ("recommender:item-image", ("full",)),
    ("wardrobe:garment-detail", ()), ("wardrobe:garment-image", ("thumb",)),
])
def test_url_for_pk_matches_reverse(name, extra, pk):
    assert url_for_pk(name, pk, *extra) == reverse(name, args=[pk, *extra])
